"""--version on every CLI, and the progress line."""

import io
import subprocess
import sys

import pytest

from oslo_extras.cmd import _common
from oslo_extras.cmd import config_check
from oslo_extras.cmd import config_migrate
from oslo_extras.cmd import policy_delta

CLIS = [
    ('oslo-config-check', config_check),
    ('oslo-config-migrate', config_migrate),
    ('oslo-policy-delta', policy_delta),
]


@pytest.mark.parametrize('prog, module', CLIS)
def test_version_prints_prog_and_package_version(prog, module, capsys):
    with pytest.raises(SystemExit) as exc:
        module.main(['--version'])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out == f'{prog} {_common.package_version()}\n'
    assert _common.package_version() != 'unknown'


@pytest.mark.parametrize('prog, module', CLIS)
def test_every_cli_exposes_a_parser_factory(prog, module):
    parser = module.build_parser()
    assert parser.prog == prog
    assert '--version' in parser.format_help()


def test_console_script_version():
    script = f'{sys.prefix}/bin/oslo-config-check'
    result = subprocess.run(
        [script, '--version'], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert result.stdout.startswith('oslo-config-check ')


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_silent_when_not_a_terminal():
    stream = io.StringIO()
    items = list(_common.with_progress(['a', 'b'], 'checking', stream))
    assert items == ['a', 'b']
    assert stream.getvalue() == ''


def test_progress_rewrites_one_line_on_a_terminal_and_erases_it():
    stream = _Tty()
    items = list(
        _common.with_progress(['host-1', 'host-2'], 'checking', stream)
    )
    assert items == ['host-1', 'host-2']
    text = stream.getvalue()
    assert text.startswith('\rchecking 0/2 host-1')
    assert '\rchecking 2/2' in text
    assert '\n' not in text
    # The last write erases the line so the report starts clean.
    assert text.endswith('\r')
    assert text.rsplit('\r', 2)[-2].strip() == ''


def test_progress_throttles_repaints():
    stream = _Tty()
    with _common.Progress('migrating', 1000, stream, interval=60) as p:
        for done in range(1000):
            p.update(done, f'file-{done}')
        p.update(1000)
    # First paint, the final one, and the erase ('\r' + blanks + '\r').
    text = stream.getvalue()
    assert text.count('\r') == 4
    assert 'migrating 0/1000 file-0' in text
    assert 'migrating 1000/1000' in text
    assert 'file-1 ' not in text
