"""Figures in README.rst and specs/*.rst are the committed benchmark record.

Every figure block (``.. benchmark-figures:``) must be exactly what
``tools/refresh_spec_figures.py benchmarks/results/latest.json`` writes,
and name the command that prints its figures.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys

import pytest

from tests.unit.docs import snippets

ROOT = snippets.ROOT
RECORD = os.path.join(ROOT, 'benchmarks', 'results', 'latest.json')


def _module(name: str, *parts: str):
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(ROOT, *parts)
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


refresh = _module('refresh_spec_figures', 'tools', 'refresh_spec_figures.py')
sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
try:
    bench_run = _module('bench_run', 'benchmarks', 'run.py')
finally:
    sys.path.remove(os.path.join(ROOT, 'benchmarks'))


@pytest.fixture(scope='module')
def record() -> dict:
    with open(RECORD, encoding='utf-8') as stream:
        return json.load(stream)


def _text(name: str) -> str:
    with open(os.path.join(ROOT, name), encoding='utf-8') as stream:
        return stream.read()


def _all_blocks():
    return [
        block
        for name in refresh.documents()
        for block in refresh.blocks(name, _text(name))
    ]


@pytest.mark.parametrize('name', refresh.documents())
def test_figure_blocks_match_the_committed_record(name, record):
    text = _text(name)
    assert refresh.refresh(name, text, record) == text, (
        f'{name}: figure blocks differ from benchmarks/results/latest.json; '
        'run python tools/refresh_spec_figures.py '
        'benchmarks/results/latest.json'
    )


def test_every_block_names_the_command_that_prints_it(record):
    known = {name for name, _, _ in bench_run.BENCHMARKS}
    found = _all_blocks()
    assert found, 'no figure block in README.rst or specs/*.rst'
    for block in found:
        where = f'{block.path}:{block.line}'
        assert block.benchmark in known, f'{where}: unknown benchmark'
        command = bench_run.command(block.benchmark)
        assert record['benchmarks'][block.benchmark]['command'] == command
        assert f'``{command}``' in ' '.join(block.body.split()), where


def test_record_covers_every_benchmark_and_each_is_quoted(record):
    names = [name for name, _, _ in bench_run.BENCHMARKS]
    assert sorted(record['benchmarks']) == sorted(names)
    for name in names:
        entry = record['benchmarks'][name]
        assert entry['figures'], f'{name}: no figures in the record'
        assert entry['script'].startswith('python benchmarks/'), name
    quoted = {block.benchmark for block in _all_blocks()}
    assert quoted == set(names), 'benchmarks no spec quotes'


def test_record_says_where_and_with_what_it_was_measured(record):
    assert record['schema'] == bench_run.SCHEMA
    assert record['machine']['cpus'] >= 1
    assert len(record['machine']['load_before']) == 3
    assert record['packages']['oslo.config']
    assert record['python']


FAKE_RECORD = {
    'schema': 1,
    'date': '2026-01-02T03:04:05+00:00',
    'note': '',
    'machine': {'cpus': 2},
    'benchmarks': {
        'demo': {
            'command': 'python3 run.py bench demo',
            'script': 'python benchmarks/demo.py',
            'exit_status': 0,
            'load_before': [0.5, 0, 0],
            'load_after': [0.75, 0, 0],
            'labels': {'ours': 'ours', 'upstream': 'theirs'},
            'figures': [
                {
                    'group': 'speed',
                    'name': 'end to end',
                    'value': 12.345,
                    'unit': 'ms',
                    'upstream': 20.0,
                    'ratio': 0.61725,
                    'runs': 7,
                    'statistic': 'median',
                },
                {
                    'group': 'speed',
                    'name': 'parse only',
                    'value': None,
                    'unit': 'ms',
                    'upstream': 3.0,
                    'ratio': None,
                    'runs': 7,
                    'statistic': 'median',
                },
                {
                    'group': 'found',
                    'name': 'faults',
                    'value': 5,
                    'unit': 'count',
                    'upstream': 3,
                    'of': 7,
                    'runs': None,
                    'statistic': None,
                },
            ],
        }
    },
}


def test_refresh_rewrites_only_the_block():
    text = (
        'Prose with 3 ms.\n\n.. benchmark-figures: demo speed\n\nold '
        'figure 99 ms\n\n.. end-benchmark-figures\n\nMore prose.\n'
    )
    new = refresh.refresh('x.rst', text, FAKE_RECORD)
    assert new.startswith('Prose with 3 ms.\n\n.. benchmark-figures: demo')
    assert new.endswith('\n.. end-benchmark-figures\n\nMore prose.\n')
    assert '99 ms' not in new
    body = ' '.join(refresh.blocks('x.rst', new)[0].body.split())
    assert '``python3 run.py bench demo``' in body
    assert 'recorded 2026-01-02 on 2 CPUs' in body
    assert 'end to end 12.3 ms 20.0 ms 0.62 median of 7' in body
    assert 'parse only 3.00 ms median of 7' in body
    lines = new.splitlines()
    end_to_end = next(line for line in lines if line.startswith('end to'))
    parse = next(line for line in lines if line.startswith('parse'))
    # In the upstream column, the one of the row above.
    assert parse.index('3.00 ms') == end_to_end.index('20.0 ms')
    assert 'faults' not in body  # another group
    assert refresh.refresh('x.rst', new, FAKE_RECORD) == new


def test_an_entry_recorded_on_its_own_shows_its_own_date_and_note(record):
    name = next(iter(record['benchmarks']))
    entry = dict(
        record['benchmarks'][name], date='2031-02-03T04:05:06', note='alone'
    )
    body = refresh.render(
        dict(record, benchmarks={name: entry}, note='whole run'),
        name,
        None,
        'x',
    )
    assert 'recorded 2031-02-03' in body
    assert '(alone)' in body
    assert 'whole run' not in body


def test_counts_show_their_total_and_no_ratio():
    text = '.. benchmark-figures: demo found\n.. end-benchmark-figures\n'
    body = refresh.blocks(
        'x.rst', refresh.refresh('x.rst', text, FAKE_RECORD)
    )[0].body
    row = next(line for line in body.splitlines() if line.startswith('fau'))
    assert row.split('  ')[0] == 'faults'
    assert ' '.join(row.split()) == 'faults 5 of 7 3 of 7'


@pytest.mark.parametrize(
    'text, message',
    [
        ('.. benchmark-figures: demo\n', 'x.rst:1: figure block not closed'),
        ('a\n.. end-benchmark-figures\n', 'x.rst:2: .. end-benchmark'),
        (
            '.. benchmark-figures: nope\n.. end-benchmark-figures\n',
            "x.rst:1: benchmark 'nope' is not in the record",
        ),
        (
            '.. benchmark-figures: demo other\n.. end-benchmark-figures\n',
            "x.rst:1: no figures of 'demo' group 'other'",
        ),
        ('.. benchmark-figures:demo\n', 'x.rst:1: malformed figure marker'),
    ],
)
def test_bad_blocks_name_file_and_line(text, message):
    with pytest.raises(refresh.FigureError) as exc:
        refresh.refresh('x.rst', text, FAKE_RECORD)
    assert str(exc.value).startswith(message)
    assert '\n' not in str(exc.value)


def test_check_mode_changes_nothing_and_exits_1(tmp_path, capsys):
    (tmp_path / 'specs').mkdir()
    spec = tmp_path / 'specs' / 'a.rst'
    stale = '.. benchmark-figures: demo speed\nold\n.. end-benchmark-figures\n'
    spec.write_text(stale)
    (tmp_path / 'README.rst').write_text('no figures\n')
    record = tmp_path / 'record.json'
    record.write_text(json.dumps(FAKE_RECORD))
    args = [str(record), '--root', str(tmp_path)]
    assert refresh.main([*args, '--check']) == 1
    assert spec.read_text() == stale
    assert 'stale: specs/a.rst' in capsys.readouterr().out
    assert refresh.main(args) == 0
    assert 'end to end' in spec.read_text()
    assert refresh.main([*args, '--check']) == 0
