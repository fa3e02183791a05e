"""benchmarks/messaging.py (the command line of the messaging benchmarks)
and messaging_heartbeats.py (heartbeats at scale): arguments and figures.

Nothing here starts a broker: the runs are made up.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import warnings

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
SCRIPT = os.path.join(ROOT, 'benchmarks', 'messaging.py')
#: The figures the spec's block shows, in its order: a refresh keeps them.
RECORDED = [
    'calls succeeded',
    'heartbeat lateness, p50',
    'heartbeat lateness, p99',
    "caller's longest silence, p50",
    "caller's longest silence, p99",
    'heartbeat lateness, max',
]


@pytest.fixture
def bench(monkeypatch):
    # The script ignores every warning and puts the root on sys.path when
    # imported: neither may outlast the test.
    monkeypatch.setattr(sys, 'path', list(sys.path))
    with warnings.catch_warnings():
        spec = importlib.util.spec_from_file_location(
            'bench_messaging', SCRIPT
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


@pytest.fixture
def hb(bench):
    """benchmarks/messaging_heartbeats.py, as the script imports it."""
    return bench.messaging_heartbeats


@pytest.fixture
def figures(bench, tmp_path, monkeypatch):
    target = tmp_path / 'figures.jsonl'
    monkeypatch.setenv(bench._record.ENV, str(target))
    return lambda: bench._record.read(str(target))


def run(ok: int, failed: int, silences, cpu: float, lateness=None) -> dict:
    return {
        'outcomes': ['ok'] * ok + ['MessagingTimeout'] * failed,
        'failed_at': [3.0] * failed,
        'silences': sorted(silences),
        'elapsed': 10.5,
        'cpu': cpu,
        'heartbeats': None if lateness is None else 400,
        'lateness': lateness,
    }


def script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, SCRIPT, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize('flag', ['--help', '-h'])
def test_help_prints_every_mode_and_runs_nothing(flag):
    done = script(flag)
    assert done.returncode == 0
    for mode in ('processes', 'split', 'heartbeats [CALLS [CLIENTS]]'):
        assert mode in done.stdout
    assert '--only extras|stock' in done.stdout
    assert 'RabbitMQ:' not in done.stdout  # no benchmark ran


def test_an_unknown_mode_prints_the_usage_and_exits_2():
    done = script('heartbeat')
    assert done.returncode == 2
    assert done.stdout == ''
    assert "unknown mode 'heartbeat'" in done.stderr
    assert 'usage: python benchmarks/messaging.py' in done.stderr


@pytest.mark.parametrize(
    'argv, expected',
    [
        ([], ('', {})),
        (['split'], ('split', {})),
        (['processes'], ('processes', {})),
        (['heartbeats'], ('heartbeats', {'calls': 1000, 'clients': 10})),
        (['heartbeats', '40'], ('heartbeats', {'calls': 40, 'clients': 10})),
        (
            ['heartbeats', '40', '4', '--only', 'stock'],
            ('heartbeats', {'calls': 40, 'clients': 4, 'only': 'stock'}),
        ),
        (
            ['heartbeats', '--only=extras', '40', '4'],
            ('heartbeats', {'calls': 40, 'clients': 4, 'only': 'extras'}),
        ),
        (['heartbeats', '40', '--help'], ('help', {})),
    ],
)
def test_arguments(bench, argv, expected):
    assert bench.parse_args(argv) == expected


@pytest.mark.parametrize(
    'argv',
    [
        ['heartbeats', '40', '4', '2'],
        ['heartbeats', 'many'],
        ['heartbeats', '0'],
        ['heartbeats', '4', '10'],
        ['heartbeats', '--only'],
        ['heartbeats', '--only', 'upstream'],
        ['split', '40'],
    ],
)
def test_bad_arguments(bench, argv):
    with pytest.raises(bench.UsageError):
        bench.parse_args(argv)


def test_stock_figures_are_the_upstream_side_of_the_same_rows(hb, figures):
    hb.record_heartbeats(
        {
            'extras': run(40, 0, [1.0] * 40, 0.5, lateness=[0.001] * 400),
            'stock': run(36, 4, [1.2] * 36, 2.0),
        },
        clients=4,
    )
    got = figures()
    assert got['labels'] == {
        'ours': 'oslo_extras heartbeats',
        'upstream': 'stock oslo.messaging',
    }
    assert got['parameters']['calls'] == 40
    rows = {f['name']: f for f in got['figures']}
    assert list(rows) == [*RECORDED, 'server process CPU']
    assert rows['calls succeeded']['value'] == 100.0
    assert rows['calls succeeded']['upstream'] == 90.0
    p99 = rows["caller's longest silence, p99"]
    assert (p99['value'], p99['upstream']) == (1000.0, 1200.0)
    assert p99['runs'] == 40
    assert rows['server process CPU']['ratio'] == 0.25
    assert 'upstream' not in rows['heartbeat lateness, p99']


def test_only_stock_records_upstream_alone(hb, figures):
    hb.record_heartbeats({'stock': run(40, 0, [1.1] * 40, 2.0)}, 4)
    got = figures()
    assert got['labels']['upstream'] == 'stock oslo.messaging'
    names = [f['name'] for f in got['figures']]
    assert names == [
        'calls succeeded',
        "caller's longest silence, p50",
        "caller's longest silence, p99",
        'server process CPU',
    ]
    assert all(f['value'] is None for f in got['figures'])


def test_only_extras_records_as_before(hb, figures):
    hb.record_heartbeats(
        {'extras': run(40, 0, [1.0] * 40, 0.5, lateness=[0.001] * 400)}, 4
    )
    got = figures()
    assert got['labels']['upstream'] is None
    assert [f['name'] for f in got['figures']] == [
        *RECORDED,
        'server process CPU',
    ]
    assert all('upstream' not in f for f in got['figures'])


def test_a_stock_run_with_no_heartbeat_prints_n_a(hb, capsys):
    runs = {
        'extras': run(40, 0, [1.0] * 40, 0.5, lateness=[0.001] * 400),
        'stock': run(0, 40, [], 2.0),
    }
    hb.print_heartbeats('stock', runs['stock'])
    hb.compare_heartbeats(runs)
    out = capsys.readouterr().out
    assert "failures: {'MessagingTimeout': 40}, after 3.0s" in out
    assert 'lateness at the server: n/a' in out
    stock_row, ratios = out.splitlines()[-2:]
    assert stock_row.split()[:3] == ['stock', '0.0%', 'n/a']
    # No success rate to divide by, no silence: no ratio.
    assert ratios.split() == ['extras/stock', 'n/a', 'n/a', 'n/a', 'x0.250']


@pytest.mark.parametrize(
    'runs, status',
    [
        ({'extras': run(999, 1, [], 0.1), 'stock': run(0, 1000, [], 0)}, 0),
        ({'extras': run(998, 2, [], 0.1), 'stock': run(1000, 0, [], 0)}, 1),
        ({'stock': run(0, 1000, [], 0.1)}, 0),
    ],
)
def test_the_exit_status_is_ours_alone(hb, runs, status):
    assert hb.hb_status(runs) == status


@pytest.mark.parametrize(
    'module, scripts, alias',
    [
        ('bench', ['SERVER_VARIANT_CHILD'], 'messaging'),
        ('hb', ['SERVER_CHILD', 'CLIENT_CHILD'], 'messaging_heartbeats'),
    ],
)
def test_the_child_scripts_import_what_they_use(
    request, module, scripts, alias
):
    owner = request.getfixturevalue(module)
    for name in scripts:
        script = getattr(owner, name)
        assert f'from benchmarks import {alias} as bench' in script, name
        used = set(re.findall(r'\bbench\.(\w+)', script))
        assert used, name
        assert [n for n in sorted(used) if not hasattr(owner, n)] == []
