"""benchmarks/messaging.py (the command line of the messaging benchmarks)
and messaging_heartbeats.py (heartbeats at scale): arguments and figures.

Nothing here starts a broker: the runs are made up.
"""

from __future__ import annotations

import importlib.util
import io
import json
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
def common(bench):
    """benchmarks/_messaging_common.py, as the scripts import it."""
    return sys.modules['benchmarks._messaging_common']


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
    # Not pinned: the figure block's sizes are as before.
    assert 'server_cpu' not in got['parameters']


def test_a_server_cpu_is_a_parameter_of_the_record(hb, figures):
    hb.record_heartbeats(
        {'extras': run(40, 0, [1.0] * 40, 0.5, lateness=[0.001] * 400)},
        4,
        server_cpu=1,
    )
    assert figures()['parameters'] == {
        'calls': 40,
        'clients': 4,
        'call_seconds': 10.0,
        'heartbeat_s': 1.0,
        'server_cpu': 1,
    }


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


@pytest.mark.parametrize(
    'args, server_cpu',
    [
        (['--server-cpu', '1'], 1),
        (['40', '4', '--server-cpu=0'], 0),
        (['--server-cpu', '3', '--only', 'extras'], 3),
    ],
)
def test_server_cpu_is_an_option_of_heartbeats(hb, args, server_cpu):
    options = hb.parse_options(args, cpus={0, 1, 2, 3})
    assert options['server_cpu'] == server_cpu


def test_no_server_cpu_no_option(hb):
    assert 'server_cpu' not in hb.parse_options(['40'], cpus={0, 1})


@pytest.mark.parametrize(
    'args, cpus, message',
    [
        (['--server-cpu'], {0, 1}, 'takes a CPU number'),
        (['--server-cpu', 'one'], {0, 1}, 'takes a CPU number'),
        (['--server-cpu', '-1'], {0, 1}, 'takes a CPU number'),
        (['--server-cpu', '2'], {0, 1}, 'CPU 2 is not one of'),
        (['--server-cpu', '0'], {1, 2}, '(1-2)'),
        (['--server-cpu', '0'], {0}, 'needs at least 2 CPUs'),
    ],
)
def test_a_server_cpu_the_machine_lacks_is_refused(hb, args, cpus, message):
    with pytest.raises(hb.UsageError, match=re.escape(message)):
        hb.parse_options(args, cpus=cpus)


def test_a_server_cpu_not_here_exits_2_with_the_usage():
    done = script('heartbeats', '4', '2', '--server-cpu', '100000')
    assert done.returncode == 2
    assert done.stdout == ''
    assert '--server-cpu 100000: ' in done.stderr
    assert '[--server-cpu N]' in done.stderr


@pytest.mark.parametrize(
    'server_cpu, cpus, server, clients',
    [
        (1, {0, 1}, {1}, {0}),
        (0, {0, 1}, {0}, {1}),
        (2, {0, 1, 2, 3}, {2}, {0, 1, 3}),
        # taskset -c 4,6,7: the CPUs this process may run on, not 0..n-1
        (7, {4, 6, 7}, {7}, {4, 6}),
    ],
)
def test_the_server_alone_on_its_cpu_the_clients_on_the_others(
    hb, server_cpu, cpus, server, clients
):
    assert hb.pinning(server_cpu, cpus) == (server, clients)


@pytest.mark.parametrize(
    'pins, text',
    [
        (None, ''),
        (({1}, {0}), '; server on CPU 1, clients on CPUs 0 (broker unpinned)'),
        (({0}, {1, 2, 3, 5}), '; server on CPU 0, clients on CPUs 1-3,5'),
    ],
)
def test_the_header_names_the_pinning(hb, pins, text):
    assert hb.describe_pinning(pins).startswith(text)


class FakeChild:
    """A child process of run_heartbeats that ran and printed its result."""

    def __init__(self, argv, env, **kwargs):
        self.script, self.env = argv[2], env
        result = (
            {'heartbeats': 1, 'lateness': [0.001], 'cpu': 0.5}
            if 'server.start' in self.script
            else {'outcomes': ['ok'], 'failed_at': [], 'silences': [1.0]}
        )
        self.stdout = io.StringIO('ready\n' + json.dumps(result) + '\n')
        self.stdin = io.StringIO()

    def poll(self):
        return 0


@pytest.mark.parametrize(
    'pins, server_env, client_env',
    [(({1}, {0, 2}), '1', '0,2'), (None, '', '')],
)
def test_each_child_pins_itself_to_its_cpus(
    hb, common, monkeypatch, pins, server_env, client_env
):
    started = []

    def popen(argv, env, **kwargs):
        started.append(FakeChild(argv, env, **kwargs))
        return started[-1]

    monkeypatch.setattr(hb.subprocess, 'Popen', popen)
    result = hb.run_heartbeats('extras', 'fake://', 2, 2, pins)
    assert result['outcomes'] == ['ok', 'ok']
    server, *clients = started
    assert len(clients) == 2
    for child in started:
        assert child.script.startswith(common.PIN_CHILD)
    assert server.env[common.CPUS_ENV] == server_env
    assert [c.env[common.CPUS_ENV] for c in clients] == [client_env] * 2


@pytest.mark.skipif(
    not hasattr(os, 'sched_getaffinity') or len(os.sched_getaffinity(0)) < 2,
    reason='needs at least 2 CPUs to pin to',
)
def test_the_child_prologue_pins_the_process(common):
    cpu = max(os.sched_getaffinity(0))
    show = 'import os; print(sorted(os.sched_getaffinity(0)))'
    for cpus, expected in (
        ({cpu}, [cpu]),
        (None, sorted(os.sched_getaffinity(0))),
    ):
        done = subprocess.run(
            [sys.executable, '-c', common.PIN_CHILD + show],
            env=common.child_env(cpus),
            capture_output=True,
            text=True,
            check=True,
        )
        assert json.loads(done.stdout) == expected
