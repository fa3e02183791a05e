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
        ('a: x\n1: y\n', 2, 'is not a string'),
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
