"""The line-preserving INI editor agrees with oslo.config's own parser."""

import hypothesis
import pytest
from hypothesis import strategies as st
from oslo_config import cfg

from oslo_extras.config.migrate.inifile import IniFile
from oslo_extras.config.migrate.inifile import IniSyntaxError


def oslo_parse(tmp_path, text):
    path = tmp_path / 'x.conf'
    path.write_text(text)
    sections = {}
    cfg.ConfigParser(str(path), sections).parse()
    return sections


def ours(text):
    sections = {}
    ini = IniFile('x.conf', text)
    for section in ini.sections:
        sections.setdefault(section.name, {})
    for entry in ini.entries:
        sections[entry.section].setdefault(entry.key, []).append(entry.value)
    return sections


_line = st.one_of(
    st.sampled_from(
        [
            '',
            '   ',
            '# comment',
            '; other',
            '[DEFAULT]',
            '[Group]',
            '[a b]',
            'key = value',
            'key: value',
            'k=v=w',
            'q = "quoted"',
            "s = 'x'",
            'empty =',
            '  continued',
            '\tcontinued tab',
            'url = a://b:c@d/e',
            'dup = 1',
            'dup = 2',
            'x:y=z',
            'k = "',
        ]
    ),
    st.from_regex(r'[a-z_]{1,6} ?[=:] ?[a-z0-9 :/]{0,8}', fullmatch=True),
)


@hypothesis.settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
)
@hypothesis.given(
    lines=st.lists(_line, max_size=12),
    eol=st.sampled_from(['\n', '\r\n']),
    final=st.booleans(),
)
def test_same_result_as_oslo_config(tmp_path, lines, eol, final):
    text = '[DEFAULT]' + eol + eol.join(lines) + (eol if final else '')
    try:
        expected = oslo_parse(tmp_path, text)
    except cfg.ParseError as exc:
        with pytest.raises(IniSyntaxError) as err:
            IniFile('x.conf', text)
        assert err.value.lineno == exc.lineno
        return
    assert ours(text) == expected
    # no edit, no change: byte for byte
    assert IniFile('x.conf', text).render() == text


def test_rename_keeps_delimiter_spacing_and_continuations():
    text = '[DEFAULT]\nold:value  # x\nold2 = a\n    b\n\tc\nz=1\n'
    ini = IniFile('x.conf', text)
    first, second, _ = ini.entries
    ini.rename(first, 'new')
    ini.rename(second, 'new2')
    assert ini.render() == (
        '[DEFAULT]\nnew:value  # x\nnew2 = a\n    b\n\tc\nz=1\n'
    )


def test_set_value_keeps_the_key_and_delimiter():
    ini = IniFile('x.conf', '[DEFAULT]\nk :  old\n  more\nz = 1\n')
    ini.set_value(ini.entries[0], 'new')
    assert ini.render() == '[DEFAULT]\nk :  new\nz = 1\n'
    with pytest.raises(ValueError):
        ini.set_value(ini.entries[0], 'a\nb')


def test_move_before_an_anchor_and_add_near_an_entry():
    ini = IniFile('x.conf', '[a]\nm = 1\n\n[b]\n# c\nm = 2\nx = 3\n')
    old, new, x = ini.entries
    ini.rename(old, 'm', before=new)
    ini.add('b', 'y', '4', near=x)
    assert ini.render() == '[b]\nm = 1\n# c\nm = 2\ny = 4\nx = 3\n'


def test_remove_takes_the_comment_and_no_double_blank_remains():
    text = '[a]\nk = 1\n\n# about j\n# more\nj = 2\n\nl = 3\n'
    ini = IniFile('x.conf', text)
    ini.remove(ini.entries[1])
    assert ini.render() == '[a]\nk = 1\n\nl = 3\n'


def test_crlf_lines_are_kept():
    text = '[DEFAULT]\r\nold = 1\r\nz = 2\r\n'
    ini = IniFile('x.conf', text)
    ini.rename(ini.entries[0], 'new')
    assert ini.render() == '[DEFAULT]\r\nnew = 1\r\nz = 2\r\n'


def test_crlf_file_stays_crlf_on_disk(tmp_path):
    path = tmp_path / 'x.conf'
    path.write_bytes(b'[DEFAULT]\r\nold = 1\r\nz = 2\r\n')
    ini = IniFile.read(str(path))
    ini.rename(ini.entries[0], 'new', group='other')
    ini.add('DEFAULT', 'added', 'v')
    assert ini.render() == (
        '[DEFAULT]\r\nz = 2\r\nadded = v\r\n\r\n[other]\r\nnew = 1\r\n'
    )


def test_form_feed_is_not_a_line_break():
    # str.splitlines() would split here; oslo.config does not.
    text = '[DEFAULT]\nk = a\x0cb\n'
    assert IniFile('x.conf', text).entries[0].value == 'a\x0cb'
