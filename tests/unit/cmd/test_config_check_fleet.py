"""oslo-config-check at fleet scale: --each, the cache flags, the export."""

import json
import os

import pytest
import yaml

from oslo_extras.cmd import config_check
from oslo_extras.config.catalog import OptionCatalog

NS = ['--namespace', 'oslo.log', '--namespace', 'oslo.messaging']


def run(capsys, *argv):
    code = config_check.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def hosts(tmp_path):
    """Three hosts: a clean file, a dir with an error, a warning file."""
    clean = tmp_path / 'h1.conf'
    clean.write_text('[DEFAULT]\ndebug = true\n')
    bad_dir = tmp_path / 'h2'
    bad_dir.mkdir()
    (bad_dir / 'a.conf').write_text('[DEFAULT]\ndevug = true\n')
    warn = tmp_path / 'h3.conf'
    warn.write_text('[DEFAULT]\nuse_syslog = true\nuse_syslog = false\n')
    return [str(clean), str(bad_dir), str(warn)]


def test_each_checks_sets_apart_and_exits_with_the_worst(capsys, hosts):
    code, out, err = run(capsys, *NS, '--each', *hosts)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f'== {hosts[1]} =='
    assert lines[1].startswith(os.path.join(hosts[1], 'a.conf') + ':2:')
    assert "unknown option 'devug'" in lines[1]
    assert f'{hosts[0]}: 0 error(s), 0 warning(s)' in err
    assert f'{hosts[1]}: 1 error(s)' in err
    assert '3 config set(s)' in err


def test_each_json_adds_config_set(capsys, hosts):
    code, out, _err = run(capsys, *NS, '--format', 'json', '--each', *hosts)
    assert code == 1
    objects = json.loads(out)
    assert {o['config_set'] for o in objects} <= set(hosts)
    error = next(o for o in objects if o['code'] == 'unknown-option')
    assert error['config_set'] == hosts[1]
    plain_keys = set(error) - {'config_set'}
    single = json.loads(
        run(capsys, *NS, '--format', 'json', '--config-dir', hosts[1])[1]
    )
    assert plain_keys == set(single[0])


def test_each_findings_equal_separate_runs(capsys, hosts):
    _code, out, _err = run(capsys, *NS, '--format', 'json', '--each', *hosts)
    together = json.loads(out)
    apart = []
    for host in hosts:
        flag = '--config-dir' if os.path.isdir(host) else '--config-file'
        found = json.loads(run(capsys, *NS, '--format', 'json', flag, host)[1])
        apart += [{**f, 'config_set': host} for f in found]
    assert together == apart


def test_each_unreadable_set_is_worst_but_others_are_checked(
    capsys, hosts, tmp_path
):
    empty = tmp_path / 'empty'
    empty.mkdir()
    code, out, err = run(capsys, *NS, '--each', str(empty), *hosts)
    assert code == 2
    assert f'{empty}: no config files found' in err
    assert "unknown option 'devug'" in out


def test_each_with_config_file_is_bad_usage(capsys, hosts):
    code, _out, err = run(
        capsys, *NS, '--config-file', hosts[0], '--each', hosts[2]
    )
    assert code == 2
    assert len(err.strip().splitlines()) == 1


def test_each_clean_sets_exit_0(capsys, hosts):
    code, out, _err = run(capsys, *NS, '--each', hosts[0], hosts[0])
    assert (code, out) == (0, '')


def test_no_cache_writes_nothing(capsys, hosts, tmp_path):
    cache_dir = tmp_path / 'c'
    run(
        capsys,
        *NS,
        '--no-cache',
        '--catalog-cache',
        str(cache_dir),
        '--config-file',
        hosts[0],
    )
    assert not cache_dir.exists()
    run(
        capsys,
        *NS,
        '--catalog-cache',
        str(cache_dir),
        '--config-file',
        hosts[0],
    )
    assert len(os.listdir(cache_dir)) == 1


def test_cache_is_on_by_default_under_xdg(capsys, hosts):
    run(capsys, *NS, '--config-file', hosts[0])
    directory = os.path.join(os.environ['XDG_CACHE_HOME'], 'oslo_extras')
    assert [n for n in os.listdir(directory) if n.endswith('.json')]


@pytest.mark.parametrize('suffix', ['yaml', 'json'])
def test_export_then_check_with_opt_data_alone(
    capsys, hosts, tmp_path, suffix
):
    exported = tmp_path / f'catalog.{suffix}'
    code, _out, _err = run(capsys, *NS, '--export-opt-data', str(exported))
    assert code == 0
    text = exported.read_text()
    data = json.loads(text) if suffix == 'json' else yaml.safe_load(text)
    assert 'type_spec' in data['options']['DEFAULT']['opts'][0]
    by_ns = run(capsys, *NS, '--format', 'json', '--each', *hosts)
    by_data = run(
        capsys,
        '--opt-data',
        str(exported),
        '--format',
        'json',
        '--each',
        *hosts,
    )
    assert by_data == by_ns


def test_export_reads_like_generator_data(capsys, tmp_path):
    exported = tmp_path / 'c.yaml'
    run(capsys, *NS, '--export-opt-data', str(exported))
    data = yaml.safe_load(exported.read_text())
    group = data['options']['DEFAULT']
    for key in (
        'help',
        'opts',
        'standard_opts',
        'driver_opts',
        'driver_option',
        'dynamic_group_owner',
    ):
        assert key in group
    catalog = OptionCatalog.from_opt_data(str(exported))
    assert catalog.option('DEFAULT', 'debug') is not None


def test_export_to_unwritable_path_is_one_line(capsys, tmp_path):
    code, _out, err = run(
        capsys, *NS, '--export-opt-data', str(tmp_path / 'no' / 'x.yaml')
    )
    assert code == 2
    assert len(err.strip().splitlines()) == 1


class _Terminal:
    """A stderr that says it is a terminal and keeps what is written."""

    def __init__(self):
        self.text = ''

    def isatty(self):
        return True

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def test_each_shows_progress_on_a_terminal_only(capsys, hosts, monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr('sys.stderr', terminal)
    code = config_check.main([*NS, '--each', *hosts])
    assert code == 1
    assert f'\rchecking 0/3 {hosts[0]}' in terminal.text
    assert 'opt-data' not in terminal.text  # nothing to load, no line
    # Not a terminal (a CI log): no progress line at all.
    monkeypatch.undo()
    code, _out, err = run(capsys, *NS, '--each', *hosts)
    assert code == 1 and '\r' not in err
