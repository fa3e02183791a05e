"""Reading policy files with line numbers and clear errors."""

import pytest

from oslo_extras.policy import files


def test_entries_keep_lines_and_values():
    layer = files.parse_layer('# comment\n"a": "role:x"\n\nb: ""\n', '/p.yaml')
    assert [(e.name, e.value, e.line) for e in layer.entries.values()] == [
        ('a', 'role:x', 2),
        ('b', '', 4),
    ]
    assert layer.duplicates == []


def test_json_files_parse_too():
    layer = files.parse_layer('{\n  "a": "@",\n  "b": "!"\n}', '/p.json')
    assert {n: e.line for n, e in layer.entries.items()} == {'a': 2, 'b': 3}


def test_repeated_keys_are_kept_last_and_reported():
    layer = files.parse_layer('a: "1"\nb: "2"\na: "3"\n', '/p.yaml')
    assert layer.entries['a'].value == '3'
    assert [(e.name, e.line) for e in layer.duplicates] == [('a', 1)]


def test_empty_file_has_no_rules():
    assert files.parse_layer('# nothing\n', '/p.yaml').entries == {}


@pytest.mark.parametrize(
    'text,line,words',
    [
        ('a: "x"\nb: [unclosed\n', 3, 'not valid YAML'),
        ('- a\n- b\n', 1, 'expected a mapping'),
    ],
)
def test_bad_files_name_file_and_line(text, line, words):
    with pytest.raises(files.PolicyFileError) as info:
        files.parse_layer(text, '/etc/svc/policy.yaml')
    assert info.value.line == line
    assert words in str(info.value)
    assert str(info.value).startswith(f'/etc/svc/policy.yaml:{line}: ')


def test_unreadable_file(tmp_path):
    with pytest.raises(files.PolicyFileError, match='cannot read'):
        files.read_layer(str(tmp_path / 'missing.yaml'))


def test_non_string_keys_are_kept_aside_as_oslo_policy_keeps_them():
    # yaml.safe_load makes 1 an int and yes a bool: oslo.policy keeps them
    # under those keys, where no enforce() finds them; the file still loads.
    layer = files.parse_layer('a: x\n1: y\nyes: z\n', '/p.yaml')
    assert list(layer.entries) == ['a']
    assert [(e.name, e.line) for e in layer.unreachable] == [
        ('1', 2),
        ('yes', 3),
    ]


def test_yaml_merge_keys_apply_as_in_safe_load():
    text = 'base: &b\n  a: "role:m"\n  c: "role:x"\n<<: *b\nc: "role:y"\n'
    layer = files.parse_layer(text, '/p.yaml')
    assert {n: e.value for n, e in layer.entries.items()} == {
        'base': {'a': 'role:m', 'c': 'role:x'},
        'a': 'role:m',
        'c': 'role:y',
    }
    # An explicit key beating a merged one is no repeated key.
    assert layer.duplicates == []


def test_end_lines_cover_multi_line_values():
    layer = files.parse_layer('a: >\n  role:x\n  or role:y\nb: "@"\n', '/p')
    assert (layer.entries['a'].line, layer.entries['a'].end_line) == (1, 3)
    assert (layer.entries['b'].line, layer.entries['b'].end_line) == (4, 4)
