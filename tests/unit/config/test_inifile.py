import string

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from oslo_config import cfg

from oslo_extras.config.inifile import ConfigFileError
from oslo_extras.config.inifile import parse_file

_names = st.text(string.ascii_lowercase + '_-', min_size=1, max_size=8)
_values = st.text(
    string.ascii_letters + string.digits + ' ,:/=.$"\'', max_size=12
)


@st.composite
def ini_documents(draw):
    """INI text with comments, blank lines and continuation lines."""
    lines = []
    for section in draw(st.lists(_names, min_size=1, max_size=4)):
        lines.append(f'[{section}]')
        for _ in range(draw(st.integers(0, 4))):
            if draw(st.booleans()):
                lines.append(draw(st.sampled_from(['# note', '; x', ''])))
            key, value = draw(_names), draw(_values)
            lines.append(f'{key} {draw(st.sampled_from("=:"))} {value}')
            if draw(st.integers(0, 4)) == 0:
                lines.append('    continued ' + draw(_values))
    return '\n'.join(lines) + '\n'


@settings(max_examples=150, deadline=None)
@given(ini_documents())
def test_values_and_lines_match_oslo_config(tmp_path_factory, text):
    path = tmp_path_factory.mktemp('ini') / 'x.conf'
    path.write_text(text)
    sections = {}
    cfg.ConfigParser(str(path), sections).parse()

    ours = parse_file(str(path))

    rebuilt = {}
    for entry in ours.entries:
        rebuilt.setdefault(entry.section, {}).setdefault(entry.key, []).append(
            entry.value
        )
    assert {s: v for s, v in rebuilt.items()} == {
        s: v for s, v in sections.items() if v
    }
    physical = text.split('\n')
    for entry in ours.entries:
        assert physical[entry.line - 1].startswith(entry.key)


def test_line_numbers_with_multiline_values(tmp_path):
    path = tmp_path / 'a.conf'
    path.write_text(
        '[DEFAULT]\n# comment\nfoo = 1\nbar = a\n  b\n\n[g]\nbaz = 2\n'
    )
    parsed = parse_file(str(path))
    assert [(e.line, e.section, e.key, e.value) for e in parsed.entries] == [
        (3, 'DEFAULT', 'foo', '1'),
        (4, 'DEFAULT', 'bar', 'a\nb'),
        (8, 'g', 'baz', '2'),
    ]
    assert [(s.line, s.name) for s in parsed.sections] == [
        (1, 'DEFAULT'),
        (7, 'g'),
    ]


@pytest.mark.parametrize(
    'text, line, reason',
    [
        ('[DEFAULT]\nfoo = 1\n[broken\n', 3, 'Invalid section'),
        ('[DEFAULT]\njust words\n', 2, "No ':' or '='"),
        ('foo = 1\n', 1, 'before any [section]'),
        ('[DEFAULT]\n  indented first\n', 2, 'Unexpected continuation'),
    ],
)
def test_bad_ini_names_file_and_line(tmp_path, text, line, reason):
    path = tmp_path / 'bad.conf'
    path.write_text(text)
    with pytest.raises(ConfigFileError) as err:
        parse_file(str(path))
    assert err.value.file == str(path)
    assert err.value.line == line
    assert reason in err.value.reason


def test_parse_error_does_not_echo_the_line(tmp_path):
    path = tmp_path / 'bad.conf'
    path.write_text('[DEFAULT]\npassword hunter2\n')
    with pytest.raises(ConfigFileError) as err:
        parse_file(str(path))
    assert 'hunter2' not in str(err.value)


def test_unreadable_files(tmp_path):
    with pytest.raises(ConfigFileError, match='no such file'):
        parse_file(str(tmp_path / 'missing.conf'))
    binary = tmp_path / 'latin1.conf'
    binary.write_bytes(b'[DEFAULT]\nname = caf\xe9\n')
    with pytest.raises(ConfigFileError) as err:
        parse_file(str(binary))
    assert err.value.line == 2


def test_a_byte_order_mark_is_named_as_the_parse_error(tmp_path):
    # Windows editors save UTF-8 with a BOM; oslo.config reads it as text
    # and fails on line 1 with a message that does not say why.
    from oslo_extras.config.inifile import ConfigFileError
    from oslo_extras.config.inifile import parse_file

    path = tmp_path / 'nova.conf'
    path.write_bytes(b'\xef\xbb\xbf[DEFAULT]\r\nworkers = 2\r\n')

    with pytest.raises(ConfigFileError) as caught:
        parse_file(str(path))

    assert caught.value.line == 1
    assert 'byte-order mark' in caught.value.reason
