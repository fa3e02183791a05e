"""benchmarks/_record.py and ``benchmarks/run.py --record``."""

from __future__ import annotations

import importlib.util
import json
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
BENCHMARKS = os.path.join(ROOT, 'benchmarks')


def _module(name: str, path: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def record_module():
    return _module('bench_record', os.path.join(BENCHMARKS, '_record.py'))


@pytest.fixture
def bench_run(monkeypatch):
    monkeypatch.syspath_prepend(BENCHMARKS)
    return _module('bench_run', os.path.join(BENCHMARKS, 'run.py'))


def test_figures_go_to_the_file_named_by_the_environment(
    record_module, tmp_path, monkeypatch
):
    target = tmp_path / 'figures.jsonl'
    monkeypatch.setenv(record_module.ENV, str(target))
    record_module.labels('ours', 'theirs')
    record_module.parameters(options=1000)
    record_module.figure('g', 'reload', 3.0, 'ms', upstream=2.0, runs=5)
    record_module.figure('g', 'found', 4, 'count', of=9)
    got = record_module.read(str(target))
    assert got['labels'] == {'ours': 'ours', 'upstream': 'theirs'}
    assert got['parameters'] == {'options': 1000}
    reload, found = got['figures']
    assert reload == {
        'group': 'g',
        'name': 'reload',
        'value': 3.0,
        'unit': 'ms',
        'runs': 5,
        'statistic': 'median',
        'upstream': 2.0,
        'ratio': 1.5,
    }
    assert found['of'] == 9 and found['statistic'] is None


def test_a_figure_of_upstream_alone_has_no_ratio(
    record_module, tmp_path, monkeypatch
):
    target = tmp_path / 'figures.jsonl'
    monkeypatch.setenv(record_module.ENV, str(target))
    record_module.figure('g', 'parse only', None, 'ms', upstream=2.0, runs=3)
    (figure,) = record_module.read(str(target))['figures']
    assert figure['value'] is None
    assert figure['upstream'] == 2.0 and figure['ratio'] is None
    with pytest.raises(ValueError):
        record_module.figure('g', 'nothing', None, 'ms')


def test_without_the_environment_nothing_is_written(
    record_module, tmp_path, monkeypatch
):
    monkeypatch.delenv(record_module.ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    record_module.figure('g', 'x', 1.0, 'ms', runs=3)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    'value, unit, error',
    [
        (1.0, 'minutes', ValueError),
        (float('nan'), 'ms', ValueError),
        ('1', 'ms', TypeError),
        (True, 'count', TypeError),
    ],
)
def test_bad_figures_are_refused(
    record_module, value, unit, error, tmp_path, monkeypatch
):
    monkeypatch.setenv(record_module.ENV, str(tmp_path / 'f.jsonl'))
    with pytest.raises(error):
        record_module.figure('g', 'x', value, unit)


def test_record_holds_figures_output_command_and_machine(
    bench_run, tmp_path, monkeypatch, capsys
):
    script = tmp_path / 'fake.py'
    script.write_text(
        'import sys\n'
        f'sys.path.insert(0, {BENCHMARKS!r})\n'
        'import _record\n'
        "_record.labels('ours', 'theirs')\n"
        "_record.figure('g', 'x', 2.0, 'ms', upstream=4.0, runs=3)\n"
        "print('human line')\n"
        'sys.exit(3)\n'
    )
    monkeypatch.setattr(
        bench_run, 'BENCHMARKS', (('fake', str(script), ('--flag',)),)
    )
    out = tmp_path / 'results' / 'record.json'
    assert bench_run.main(['--record', str(out), '--note', 'loaded']) == 3
    assert 'human line' in capsys.readouterr().out
    record = json.loads(out.read_text())
    assert record['note'] == 'loaded'
    assert record['machine']['cpus'] == os.cpu_count()
    assert len(record['machine']['load_after']) == 3
    assert record['python'] == '.'.join(map(str, sys.version_info[:3]))
    assert 'oslo.config' in record['packages']
    entry = record['benchmarks']['fake']
    assert entry['command'] == 'python3 run.py bench fake'
    assert entry['exit_status'] == 3
    assert entry['output'] == ['human line']
    assert entry['figures'][0]['ratio'] == 0.5
    assert entry['labels']['upstream'] == 'theirs'


def test_update_replaces_only_the_benchmarks_run_now(
    bench_run, tmp_path, monkeypatch
):
    script = tmp_path / 'fake.py'
    script.write_text(
        'import sys\n'
        f'sys.path.insert(0, {BENCHMARKS!r})\n'
        'import _record\n'
        "_record.figure('g', 'x', 2.0, 'ms', upstream=4.0, runs=3)\n"
    )
    out = tmp_path / 'record.json'
    out.write_text(
        json.dumps(
            {
                'date': '2026-01-01T00:00:00+00:00',
                'note': 'old run',
                'benchmarks': {'kept': {'note': 'old run'}, 'fake': {}},
            }
        )
    )
    monkeypatch.setattr(
        bench_run,
        'BENCHMARKS',
        (('fake', str(script), ()), ('kept', str(script), ())),
    )
    assert (
        bench_run.main(
            ['fake', '--record', str(out), '--update', '--note', 'quiet']
        )
        == 0
    )
    record = json.loads(out.read_text())
    assert record['note'] == 'old run'
    assert record['benchmarks']['kept'] == {'note': 'old run'}
    fake = record['benchmarks']['fake']
    assert fake['note'] == 'quiet'
    assert fake['date'] > '2026-01-01'
    assert fake['figures'][0]['ratio'] == 0.5


def test_unknown_benchmark_is_bad_usage(bench_run, capsys):
    with pytest.raises(SystemExit) as exc:
        bench_run.main(['nope'])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].endswith('unknown benchmark(s): nope')


def test_each_benchmark_script_exists(bench_run):
    for _, script, _ in bench_run.BENCHMARKS:
        assert os.path.exists(os.path.join(BENCHMARKS, script)), script


def test_each_benchmark_script_emits_its_figures(bench_run):
    # A benchmark whose figures do not reach the record cannot be quoted.
    for _, script, _ in bench_run.BENCHMARKS:
        with open(os.path.join(BENCHMARKS, script), encoding='utf-8') as f:
            text = f.read()
        assert '_record.figure(' in text, script
        assert '_record.labels(' in text, script
