"""oslo-config-check: arguments, output formats and exit codes."""

import json
import os
import re
import subprocess
import sys

import pytest

from oslo_extras.cmd import config_check

NS = ['--namespace', 'oslo.log', '--namespace', 'oslo.messaging']


@pytest.fixture
def conf(tmp_path):
    def _conf(text, name='svc.conf'):
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return _conf


def run(capsys, *argv):
    code = config_check.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_file_exits_0(capsys, conf):
    path = conf('[DEFAULT]\ndebug = true\n')
    code, out, err = run(capsys, *NS, '--config-file', path)
    assert (code, out) == (0, '')
    assert '0 error(s), 0 warning(s)' in err


def test_text_output_format_and_exit_1(capsys, conf):
    path = conf('[DEFAULT]\ndevug = True\n')
    code, out, _err = run(capsys, *NS, '--config-file', path)
    assert code == 1
    assert out == (
        f"{path}:2: [DEFAULT] devug: unknown option 'devug' in [DEFAULT] "
        "(did you mean 'debug'?) [error: unknown-option]\n"
    )


def test_json_output(capsys, conf):
    path = conf('[DEFAULT]\ndevug = True\ndebug = maybe\n')
    code, out, _err = run(
        capsys, *NS, '--input-file', path, '--format', 'json'
    )
    assert code == 1
    assert json.loads(out) == [
        {
            'severity': 'error',
            'code': 'unknown-option',
            'file': path,
            'line': 2,
            'group': 'DEFAULT',
            'option': 'devug',
            'message': "unknown option 'devug' in [DEFAULT]",
            'suggestion': 'debug',
        },
        {
            'severity': 'error',
            'code': 'invalid-value',
            'file': path,
            'line': 3,
            'group': 'DEFAULT',
            'option': 'debug',
            'message': "invalid value 'maybe': Unexpected boolean value "
            "'maybe'",
            'suggestion': None,
        },
    ]


def test_warnings_are_fatal_only_when_asked(capsys, conf):
    path = conf('[DEFAULT]\nlogdir = /var/log\n')
    assert run(capsys, *NS, '--config-file', path)[0] == 0
    assert run(capsys, *NS, '--config-file', path, '--fatal-warnings')[0] == 1


def test_select_ignore_exclude(capsys, conf):
    path = conf(
        '[DEFAULT]\ndevug = 1\ndebug = maybe\n'
        '[oslo_messaging_rabbit]\nnope = 1\n'
    )
    _c, out, _e = run(
        capsys,
        *NS,
        '--config-file',
        path,
        '--ignore',
        'invalid-value',
        '--exclude-group',
        'oslo_messaging_rabbit',
    )
    assert [line.split(': ')[1] for line in out.splitlines()] == [
        '[DEFAULT] devug'
    ]
    _c, out, _e = run(
        capsys,
        *NS,
        '--config-file',
        path,
        '--select',
        'invalid-value,unknown-group',
    )
    assert len(out.splitlines()) == 1 and 'invalid-value' in out


def test_config_file_and_dir_keep_command_line_order(capsys, conf, tmp_path):
    confd = tmp_path / 'd'
    confd.mkdir()
    (confd / 'a.conf').write_text('[DEFAULT]\ndebug = maybe\n')
    late = conf('[DEFAULT]\ndebug = true\n', 'late.conf')
    _c, out, _e = run(
        capsys,
        *NS,
        '--config-dir',
        str(confd),
        '--config-file',
        late,
        '--format',
        'json',
    )
    assert [f['file'] for f in json.loads(out)] == [str(confd / 'a.conf')]


@pytest.mark.parametrize(
    'argv, reason',
    [
        (['--config-file', 'x.conf'], 'give at least one --namespace'),
        (NS, 'give at least one --config-file'),
        (['--namespace', 'no.such', '--config-file', 'x'], 'no.such'),
        (
            NS + ['--opt-data', '/nonexistent.yaml', '--config-file', 'x'],
            '/nonexistent.yaml',
        ),
        (NS + ['--format', 'xml', '--config-file', 'x'], 'invalid choice'),
        (
            NS + ['--group-pattern', 'nogroup', '--config-file', 'x'],
            'PATTERN=GROUP',
        ),
        (
            NS + ['--group-pattern', '^(lvm=DEFAULT', '--config-file', 'x'],
            "bad group pattern '^(lvm'",
        ),
        (
            NS + ['--select', 'invalid-valeu', '--config-file', 'x'],
            "unknown code 'invalid-valeu' (did you mean 'invalid-value'?)",
        ),
        (
            NS + ['--ignore', 'deprecated-name,nope', '--config-file', 'x'],
            "--ignore: unknown code 'nope'",
        ),
        (
            NS + ['--exclude-options', '([', '--config-file', 'x'],
            "--exclude-options: bad regex '(['",
        ),
    ],
)
def test_bad_usage_exits_2_with_one_line(capsys, argv, reason):
    code, _out, err = run(capsys, *argv)
    assert code == 2
    assert err.count('\n') == 1 and reason in err
    assert err.startswith('oslo-config-check: error: ')


def test_empty_config_dir_is_not_a_pass(capsys, tmp_path):
    (tmp_path / 'empty.d').mkdir()
    code, _out, err = run(
        capsys, *NS, '--config-dir', str(tmp_path / 'empty.d')
    )
    assert code == 2
    assert 'no config files found' in err


def test_unreadable_input_exits_2(capsys, conf, tmp_path):
    bad = conf('[DEFAULT]\nfoo = 1\n[oops\n')
    code, _out, err = run(capsys, *NS, '--config-file', bad)
    assert code == 2
    assert f'{bad}:3' in err and 'Invalid section' in err
    code, _out, err = run(
        capsys, *NS, '--config-file', str(tmp_path / 'missing.conf')
    )
    assert code == 2 and 'no such file' in err


def test_secret_never_printed(capsys, conf):
    path = conf(
        '[DEFAULT]\ntransport_url = rabbit://u:TopSecret9@h/\n'
        'transprt_url = rabbit://u:TopSecret9@h/\n'
        'rpc_response_timeout = TopSecret9\n'
    )
    for fmt in ('text', 'json'):
        code, out, err = run(
            capsys, *NS, '--config-file', path, '--format', fmt
        )
        assert code == 1
        assert 'TopSecret9' not in out + err
        assert 'transprt_url' in out


def test_list_checks(capsys):
    code, out, _err = run(capsys, '--list-checks')
    assert code == 0
    assert 'UnknownOptionCheck: unknown-option' in out


def test_console_script_help():
    result = subprocess.run(
        [sys.executable, '-m', 'oslo_extras.cmd.config_check', '--help'],
        capture_output=True,
        text=True,
        check=True,
    )
    assert '--config-dir' in result.stdout
    assert 'Exit status' in result.stdout


def test_validator_flags_keep_their_meaning(capsys, conf):
    path = conf('[DEFAULT]\ndebug = true\nlog_dir = /var/log/svc\n')
    # --check-defaults: a warning for every non-default value...
    code, out, _err = run(
        capsys, *NS, '--config-file', path, '--check-defaults'
    )
    assert code == 0
    assert [line.split(': ')[1] for line in out.splitlines()] == [
        '[DEFAULT] debug',
        '[DEFAULT] log_dir',
    ]
    assert "'True' differs from the default False" not in out
    assert "'true' differs from the default False" in out
    # ... except the options --exclude-options names (a full match) ...
    code, out, _err = run(
        capsys,
        *NS,
        '--config-file',
        path,
        '--check-defaults',
        '--exclude-options',
        'log_.*,debug',
    )
    assert (code, out) == (0, '')
    # ... and --nofatal-warnings undoes --fatal-warnings.
    argv = [*NS, '--config-file', path, '--check-defaults', '--fatal-warnings']
    assert run(capsys, *argv)[0] == 1
    assert run(capsys, *argv, '--nofatal-warnings')[0] == 0


def test_opt_data_run_prints_only_the_summary(tmp_path):
    # A CI log must hold the findings, not library import noise: with
    # --opt-data, the privsep plugin is the first to import oslo.privsep
    # (whose eventlet import warns).
    data = tmp_path / 'opts.yaml'
    subprocess.run(
        [
            os.path.join(
                os.path.dirname(sys.executable), 'oslo-config-generator'
            ),
            '--namespace',
            'oslo.privsep',
            '--format',
            'yaml',
            '--output-file',
            str(data),
        ],
        check=True,
        capture_output=True,
    )
    conf = tmp_path / 'svc.conf'
    conf.write_text('[privsep]\nthread_pool_size = 4\n')
    result = subprocess.run(
        [
            sys.executable,
            '-m',
            'oslo_extras.cmd.config_check',
            '--opt-data',
            str(data),
            '--config-file',
            str(conf),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    # stderr holds the summary line and nothing else (the findings, if
    # any, are on stdout). On the lowest allowed versions [privsep] is not
    # bound from --opt-data alone (a known gap), hence no exit-0 claim.
    assert re.fullmatch(
        r'\d+ error\(s\), \d+ warning\(s\)\n', result.stderr
    ), result.stderr
    assert result.returncode in (0, 1)
