"""``oslo-config-migrate``: modes, exit codes, output formats."""

import io
import json
import os

import pytest

from oslo_extras.cmd import config_migrate

OLD = '[DEFAULT]\n# logs\nlogdir = /var/log/svc\ndebug = true\n'
NEW = '[DEFAULT]\n# logs\nlog_dir = /var/log/svc\ndebug = true\n'


def run(*args):
    return config_migrate.main(['--namespace', 'oslo.log', *args])


@pytest.fixture
def conf(tmp_path):
    path = tmp_path / 'svc.conf'
    path.write_text(OLD)
    return str(path)


def test_help_lists_the_modes(capsys):
    with pytest.raises(SystemExit) as exit_:
        config_migrate.main(['--help'])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for flag in (
        '--dry-run',
        '--in-place',
        '--output',
        '--check',
        '--backup-suffix',
        '--remove-obsolete',
        '--namespace',
        '--opt-data',
        '--config-dir',
        '--format',
    ):
        assert flag in out


def test_dry_run_is_the_default_and_prints_a_diff(conf, capsys):
    assert run('--config-file', conf) == 0
    captured = capsys.readouterr()
    assert '-logdir = /var/log/svc\n+log_dir = /var/log/svc\n' in (
        captured.out
    )
    assert '[rename] [DEFAULT] logdir -> [DEFAULT] log_dir' in captured.err
    assert open(conf).read() == OLD


def test_check_fails_until_migrated_then_passes(conf, capsys):
    assert run('--check', '--config-file', conf) == 1
    assert open(conf).read() == OLD
    assert (
        run('--in-place', '--backup-suffix', '.bak', '--config-file', conf)
        == 0
    )
    assert open(conf).read() == NEW
    assert open(conf + '.bak').read() == OLD
    assert run('--check', '--config-file', conf) == 0
    # idempotent: a second in-place run writes nothing
    mtime = os.stat(conf).st_mtime_ns
    assert run('--in-place', '--config-file', conf) == 0
    assert os.stat(conf).st_mtime_ns == mtime
    assert '0 change(s) in 0 file(s)' in capsys.readouterr().err


def test_check_fails_on_manual_steps(tmp_path):
    path = tmp_path / 'a.conf'
    path.write_text('[DEFAULT]\nrpc_backend = zmq\nrabbit_host = h\n')
    code = config_migrate.main(
        [
            '--namespace',
            'oslo.messaging',
            '--check',
            '--config-file',
            str(path),
        ]
    )
    assert code == 1


def test_output_to_a_file_and_to_a_directory(conf, tmp_path):
    out = tmp_path / 'out.conf'
    assert run('--output', str(out), '--config-file', conf) == 0
    assert out.read_text() == NEW
    assert open(conf).read() == OLD

    other = tmp_path / 'other.conf'
    other.write_text('[DEFAULT]\nlogfile = x.log\n')
    outdir = tmp_path / 'outdir'
    outdir.mkdir()
    assert (
        run(
            '--output',
            str(outdir),
            '--config-file',
            conf,
            '--config-file',
            str(other),
        )
        == 0
    )
    assert (outdir / 'svc.conf').read_text() == NEW
    assert (
        outdir / 'other.conf'
    ).read_text() == '[DEFAULT]\nlog_file = x.log\n'
    # A directory that does not exist yet is created (README example).
    nodir = tmp_path / 'nodir'
    assert (
        run(
            '--output',
            str(nodir),
            '--config-file',
            conf,
            '--config-file',
            str(other),
        )
        == 0
    )
    assert sorted(os.listdir(nodir)) == ['other.conf', 'svc.conf']


def test_json_lists_each_change(conf, capsys):
    assert run('--format', 'json', '--config-file', conf) == 0
    data = json.loads(capsys.readouterr().out)
    assert data['changed'] is True
    (change,) = data['changes']
    assert change == {
        'kind': 'rename',
        'file': conf,
        'line': 3,
        'old_group': 'DEFAULT',
        'old_name': 'logdir',
        'new_group': 'DEFAULT',
        'new_name': 'log_dir',
        'plugin': None,
        'message': change['message'],
    }
    assert '+log_dir' in data['diff']


def test_config_dir(tmp_path, capsys):
    confdir = tmp_path / 'svc.conf.d'
    confdir.mkdir()
    (confdir / '1.conf').write_text('[DEFAULT]\nlogdir = /a\n')
    (confdir / '2.conf').write_text('[DEFAULT]\nlog_dir = /b\n')
    (confdir / 'ignored.txt').write_text('[DEFAULT]\nlogdir = /c\n')
    assert run('--in-place', '--config-dir', str(confdir)) == 0
    assert (confdir / '1.conf').read_text() == '[DEFAULT]\nlog_dir = /a\n'
    assert (confdir / 'ignored.txt').read_text() == '[DEFAULT]\nlogdir = /c\n'
    assert '[duplicate]' in capsys.readouterr().err


@pytest.mark.parametrize(
    'args,reason',
    [
        (['--config-file', '/nonexistent.conf'], 'config file not found'),
        ([], 'give at least one --config-file or --config-dir'),
        (['--config-file', 'x', '--backup-suffix', '.b'], 'only makes sense'),
        (['--config-file', 'x', '--in-place', '--check'], 'not allowed with'),
        (['--config-file', 'x', '--migration', 'nope'], 'unknown migration'),
    ],
)
def test_bad_usage_exits_2_with_one_line(args, reason, capsys):
    assert run(*args) == 2
    err = capsys.readouterr().err
    assert reason in err
    assert err.count('\n') == 1 and 'Traceback' not in err


def test_bad_namespace_and_no_catalog(conf, capsys):
    assert config_migrate.main(['--config-file', conf]) == 2
    assert (
        config_migrate.main(
            ['--namespace', 'no.such.ns', '--config-file', conf]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert 'give at least one --namespace or --opt-data' in err
    assert 'no.such.ns' in err


def test_bad_syntax_exit_2_names_file_and_line(tmp_path, capsys):
    path = tmp_path / 'bad.conf'
    path.write_text(
        '[DEFAULT]\nlogdir = /x\n  [broken\n'.replace('  [broken', '[broken')
    )
    assert run('--in-place', '--config-file', str(path)) == 2
    err = capsys.readouterr().err
    assert f'{path}: line 3: Invalid section (must end with ])' in err
    assert path.read_text() == '[DEFAULT]\nlogdir = /x\n[broken\n'


def test_read_only_file_exit_2(conf, capsys):
    os.chmod(conf, 0o444)
    assert run('--in-place', '--config-file', conf) == 2
    assert 'read-only' in capsys.readouterr().err
    assert open(conf).read() == OLD


def test_opt_data_catalog(conf, tmp_path, capsys):
    data = tmp_path / 'opts.yaml'
    data.write_text(
        'options:\n  DEFAULT:\n    opts:\n'
        '    - name: log_dir\n      type: string value\n'
        '      deprecated_opts:\n      - {name: logdir, group: DEFAULT}\n'
    )
    assert (
        config_migrate.main(
            ['--opt-data', str(data), '--config-file', conf, '--check']
        )
        == 1
    )


def test_progress_line_on_a_terminal_only(conf, tmp_path, monkeypatch, capsys):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    second = tmp_path / 'svc.conf.d'
    second.mkdir()
    (second / 'more.conf').write_text(OLD)
    terminal = Terminal()
    monkeypatch.setattr('sys.stderr', terminal)
    run('--config-file', conf, '--config-dir', str(second), '--check')
    assert f'\rmigrating 0/2 {conf}' in terminal.getvalue()
    monkeypatch.undo()
    run('--config-file', conf, '--config-dir', str(second), '--check')
    assert 'migrating' not in capsys.readouterr().err
