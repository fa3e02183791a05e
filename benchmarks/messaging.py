#!/usr/bin/env python3
"""Heartbeats and TTL against plain oslo.messaging on a real RabbitMQ.

Starts a private RabbitMQ node, then in one run times sequential RPC calls
and casts through:

* ``upstream``: plain oslo.messaging (``rabbit://``, stock client/server);
* ``upstream-2``: a second, identical copy: the noise floor;
* ``upstream+monitor``: plain oslo.messaging calls with upstream's own
  heartbeats (``call_monitor_timeout=2``): what ``extras+hb+ttl`` does,
  done by stock code;
* ``extras``: oslo_extras.messaging with no heartbeat and no TTL;
* ``extras+hb+ttl``: with ``heartbeat=1, timeout=2, ttl=30`` (short calls:
  what every call pays, heartbeats or not).

Each variant has its own transport, server and topic. A round builds every
variant afresh (in an order rotated from round to round), warms them up,
then times them taking turns call by call (cast batch by cast batch) in a
random order drawn for each turn, so that a load change on a shared
machine hits them all alike and no variant always runs right after the
same other one (work a server does after sending its reply then lands on
a different variant each time). Fresh variants per round, because a set
of connections keeps its speed: timed in blocks of 500 calls on one set,
four identical stock copies differed by up to 9% for a whole run (taking
turns call by call, by up to 2% per round). ``ROUNDS`` rounds run on the
same broker. Prints calls/s, p50/p99 latency, casts/s and the ratio ours /
upstream (above 1.0: ours is slower), each the median of the rounds, with
every round's ratio and the load average (the machine is shared: compare with
``upstream-2``).

``python benchmarks/messaging.py processes`` times the same variants with
each server in a process of its own, as services run (the caller's and the
server's threads then do not share a GIL).

``python benchmarks/messaging.py split`` times, instead of the extras
variants, ``extras-driver`` (stock client and server on the
``rabbit-extras`` transport), ``extras-server`` (our server, stock client
and transport) and ``extras-client`` (our client, stock server and
transport).

``python benchmarks/messaging.py heartbeats [CALLS [CLIENTS]]`` instead
measures heartbeats at scale: one server process (pool of CALLS workers)
runs CALLS (default 1,000) concurrent 10 s calls with ``heartbeat=1,
timeout=2`` from CLIENTS client processes (default 10, so 100 waiting
calls each, as a fleet of service workers; each process has one reply
queue and one upstream reply waiter). All calls start together and end
together (the worst case for the server). It prints the success rate, the
failures by kind and when they happened, each caller's longest silence
(from sending the request or a heartbeat's arrival to the next heartbeat,
timed in the client processes) p50/p99/max, the heartbeats per call and
their lateness at the server (broker confirm minus due time) p50/p99/max,
and the machine's load average before and after.
"""

from __future__ import annotations

import logging
import os
import random
import statistics
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
warnings.simplefilter('ignore')

import oslo_messaging  # noqa: E402
from oslo_config import cfg  # noqa: E402
from oslo_messaging import opts as messaging_opts  # noqa: E402

from benchmarks import _record  # noqa: E402
from oslo_extras import messaging  # noqa: E402
from oslo_extras.messaging import _upstream  # noqa: E402
from tests.functional.servers.rabbitmq import RabbitMQ  # noqa: E402

CALLS = 1500  # per variant and round
#: Interleaved runs on one broker, each on fresh variants; figures are their
#: medians.
ROUNDS = 5
#: Seeds the order the variants take turns in (reruns draw the same).
SEED = 16
WARMUP = 100
CAST_BATCH = 50
CAST_BATCHES = 30
VARIANTS = (
    'upstream',
    'upstream-2',
    'upstream+monitor',
    'extras',
    'extras+hb+ttl',
)
#: Heartbeating calls of ours and of upstream's (the same feature).
LIKE_FOR_LIKE = ('extras+hb+ttl', 'upstream+monitor')
#: ``split``: each part of ours alone, with stock oslo.messaging around it
#: (no heartbeat, no TTL), to tell where the overhead is.
SPLIT_VARIANTS = ('extras-driver', 'extras-server', 'extras-client')


class Endpoint:
    def __init__(self) -> None:
        self.casts = 0

    def echo(self, ctxt, value):
        return value

    def count(self, ctxt):
        self.casts += 1


def make_conf() -> cfg.ConfigOpts:
    conf = cfg.ConfigOpts()
    for group, opts in messaging_opts.list_opts():
        conf.register_opts(opts, group=group)
    # Upstream registers its tracing/metrics options on cfg.CONF only.
    _upstream.register_opts(conf)
    conf([])
    return conf


def target_of(name: str, turn: int) -> oslo_messaging.Target:
    """The target of one variant in one round (topics of its own)."""
    return oslo_messaging.Target(topic=f'bench-{name}-{turn}', server='s1')


def make_transport(name: str, url: str):
    library = oslo_messaging if name.startswith('upstream') else messaging
    return library.get_rpc_transport(make_conf(), url)


def make_server(name: str, transport, target, endpoint: Endpoint):
    if name.startswith('upstream'):
        return oslo_messaging.get_rpc_server(
            transport, target, [endpoint], executor='threading'
        )
    return messaging.get_rpc_server(transport, target, [endpoint])


def make_client(name: str, transport, target):
    if name == 'upstream+monitor':
        # As extras+hb+ttl asks upstream: a 2 s silence window, a total of
        # rpc_response_timeout.
        return oslo_messaging.get_rpc_client(
            transport, target, timeout=60, call_monitor_timeout=2
        )
    if name.startswith('upstream'):
        return oslo_messaging.get_rpc_client(transport, target, timeout=30)
    policy = {'heartbeat': 1, 'ttl': 30} if 'hb' in name else {}
    return messaging.get_rpc_client(
        transport, target, timeout=2 if policy else 30, **policy
    )


def setup(name: str, url: str, turn: int = 0):
    """Return ``(client, server, endpoint, transport)`` for one variant.

    :param turn: the round (each round has topics of its own)
    """
    target = target_of(name, turn)
    endpoint = Endpoint()
    if name in SPLIT_VARIANTS:
        return setup_part(name, url, target, endpoint)
    transport = make_transport(name, url)
    server = make_server(name, transport, target, endpoint)
    client = make_client(name, transport, target)
    server.start()
    return client, server, endpoint, transport


SERVER_VARIANT_CHILD = """
import mmap, struct, sys
sys.path.insert(0, sys.argv[5])
from benchmarks import messaging as bench
name, url, turn, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
with open(path, 'r+b') as counter_file:
    counter = mmap.mmap(counter_file.fileno(), 8)
class Endpoint(bench.Endpoint):
    def count(self, ctxt):
        self.casts += 1
        struct.pack_into('Q', counter, 0, self.casts)
transport = bench.make_transport(name, url)
server = bench.make_server(
    name, transport, bench.target_of(name, turn), Endpoint())
server.start()
print('ready', flush=True)
sys.stdin.read()  # until the benchmark closes it
server.stop()
server.wait()
transport.cleanup()
"""


class ChildServer:
    """One variant's server in a process of its own, as in a deployment.

    In one process, a caller waits for every thread of its server too (one
    GIL): work a server does after sending its reply delays the reply's
    receipt, which no deployment sees. ``casts`` is read from a counter
    the child writes to a shared file.
    """

    def __init__(self, name: str, url: str, turn: int) -> None:
        import mmap
        import subprocess
        import tempfile

        with tempfile.NamedTemporaryFile(delete=False) as counter_file:
            counter_file.write(bytes(8))
            self._path = counter_file.name
        with open(self._path, 'r+b') as counter_file:
            self._counter = mmap.mmap(counter_file.fileno(), 8)
        self._child = subprocess.Popen(
            [
                sys.executable,
                '-c',
                SERVER_VARIANT_CHILD,
                name,
                url,
                str(turn),
                self._path,
                os.path.dirname(HERE),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # Connections closing at exit log AMQP noise.
            stderr=subprocess.DEVNULL,
            text=True,
        )
        if self._child.stdout.readline().strip() != 'ready':
            self._child.kill()
            raise RuntimeError(f'the {name} server process did not start')

    @property
    def casts(self) -> int:
        import struct

        return struct.unpack_from('Q', self._counter, 0)[0]

    def stop(self) -> None:
        self._child.stdin.close()

    def wait(self) -> None:
        try:
            self._child.wait(30)
        finally:
            if self._child.poll() is None:
                self._child.kill()
            self._counter.close()
            os.unlink(self._path)


def setup_processes(name: str, url: str, turn: int = 0):
    """Like :func:`setup`, with the server in a process of its own."""
    server = ChildServer(name, url, turn)
    transport = make_transport(name, url)
    client = make_client(name, transport, target_of(name, turn))
    return client, server, server, transport


def setup_part(name: str, url: str, target, endpoint: Endpoint):
    """One part of ours (driver, server or client), stock for the rest."""
    conf = make_conf()
    if name == 'extras-driver':
        transport = messaging.get_rpc_transport(conf, url)
    else:
        transport = oslo_messaging.get_rpc_transport(conf, url)
    if name == 'extras-server':
        server = messaging.get_rpc_server(transport, target, [endpoint])
    else:
        server = oslo_messaging.get_rpc_server(
            transport, target, [endpoint], executor='threading'
        )
    if name == 'extras-client':
        client = messaging.get_rpc_client(transport, target, timeout=30)
    else:
        client = oslo_messaging.get_rpc_client(transport, target, timeout=30)
    server.start()
    return client, server, endpoint, transport


def rotated(items: list, turn: int) -> list:
    shift = turn % len(items)
    return items[shift:] + items[:shift]


def shuffled(items: list, rng: random.Random) -> list:
    order = list(items)
    rng.shuffle(order)
    return order


def run_calls(variants: dict, rng: random.Random) -> dict[str, list[float]]:
    latencies: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for i in range(WARMUP + CALLS):
        for name in shuffled(names, rng):
            client = variants[name][0]
            started = time.perf_counter()
            client.call({}, 'echo', value=i)
            if i >= WARMUP:
                latencies[name].append(time.perf_counter() - started)
    return latencies


def run_casts(variants: dict, rng: random.Random) -> dict[str, list[float]]:
    """Seconds per batch: publish CAST_BATCH casts, wait until all ran."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for _ in range(CAST_BATCHES):
        for name in shuffled(names, rng):
            client, _, endpoint, _ = variants[name]
            target = endpoint.casts + CAST_BATCH
            started = time.perf_counter()
            for _ in range(CAST_BATCH):
                client.cast({}, 'count')
            while endpoint.casts < target:
                time.sleep(0.0002)
            times[name].append(time.perf_counter() - started)
    return times


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


HB_WORK = 10.0  # seconds each call runs
HB_INTERVAL = 1.0

SERVER_CHILD = """
import json, sys, time
sys.path.insert(0, sys.argv[4])
import oslo_messaging
from benchmarks.messaging import make_conf
from oslo_extras import messaging
url, topic, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
class Endpoint:
    def work(self, ctxt, seconds):
        time.sleep(seconds)
        return 'done'
transport = messaging.get_rpc_transport(make_conf(), url)
target = oslo_messaging.Target(topic=topic, server='s1')
server = messaging.get_rpc_server(transport, target, [Endpoint()])
server.start(override_pool_size=calls)
print('ready', flush=True)
import resource
before = resource.getrusage(resource.RUSAGE_SELF)
sys.stdin.read()  # until the benchmark closes it
after = resource.getrusage(resource.RUSAGE_SELF)
cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
lateness = sorted(server.heartbeat_lateness())
server.stop(); server.wait()
print(json.dumps({'stats': server.stats.snapshot(), 'lateness': lateness,
                  'cpu': cpu}))
"""


CLIENT_CHILD = """
import json, sys, threading, time
sys.path.insert(0, sys.argv[5])
import oslo_messaging
from benchmarks.messaging import make_conf
from oslo_extras import messaging
url, topic, calls, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(
    sys.argv[4])
# What the caller sees: upstream restarts a call's call-monitor timer on
# each heartbeat; the longest time between its start (the request sent)
# and a restart, or two restarts, is the call's longest silence.
from oslo_messaging._drivers import common as rpc_common
marks = {}
started_timer, restarted_timer = (
    rpc_common.DecayingTimer.start, rpc_common.DecayingTimer.restart)
def start_timer(timer):
    marks[id(timer)] = [time.monotonic()]
    return started_timer(timer)
def restart_timer(timer):
    marks.setdefault(id(timer), []).append(time.monotonic())
    return restarted_timer(timer)
rpc_common.DecayingTimer.start = start_timer
rpc_common.DecayingTimer.restart = restart_timer
transport = messaging.get_rpc_transport(make_conf(), url)
client = messaging.get_rpc_client(
    transport, oslo_messaging.Target(topic=topic, server='s1'),
    heartbeat=work / 10, timeout=work / 5, max_call_time=120)
outcomes, failed_at = [], []
gate = threading.Event()
def one_call():
    gate.wait()
    try:
        client.call({}, 'work', seconds=work)
        outcomes.append('ok')
    except Exception as exc:
        outcomes.append(type(exc).__name__)
        failed_at.append(time.monotonic() - started)
threads = [threading.Thread(target=one_call) for _ in range(calls)]
for thread in threads:
    thread.start()
print('ready', flush=True)
sys.stdin.readline()
started = time.monotonic()
gate.set()
for thread in threads:
    thread.join(180)
silences = [max(b - a for a, b in zip(times, times[1:]))
            for times in marks.values() if len(times) > 1]
print(json.dumps({'outcomes': outcomes, 'failed_at': failed_at,
                  'silences': silences}))
"""


def heartbeats(calls: int, clients: int = 10) -> int:
    """1,000 concurrent long calls with 1 s heartbeats on one server.

    The callers are ``clients`` processes (each one reply queue and one
    upstream reply waiter, as a fleet of service workers has), the server
    one process with ``calls`` workers.
    """
    import json
    import subprocess

    logging.basicConfig(level=logging.ERROR)
    load_before = os.getloadavg()
    broker = RabbitMQ()
    broker.start()
    root = os.path.dirname(HERE)
    children: list[subprocess.Popen] = []

    def spawn(script: str, *args: object) -> subprocess.Popen:
        child = subprocess.Popen(
            [sys.executable, '-c', script, *map(str, args)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        children.append(child)
        return child

    try:
        server = spawn(SERVER_CHILD, broker.url, 'bench-hb', calls, root)
        assert server.stdout.readline().strip() == 'ready'
        callers = [
            spawn(
                CLIENT_CHILD,
                broker.url,
                'bench-hb',
                calls // clients,
                HB_WORK,
                root,
            )
            for _ in range(clients)
        ]
        for caller in callers:
            assert caller.stdout.readline().strip() == 'ready'
        started = time.monotonic()
        for caller in callers:
            caller.stdin.write('go\n')
            caller.stdin.flush()
        outcomes: list[str] = []
        failed_at: list[float] = []
        silences: list[float] = []
        for caller in callers:
            result = json.loads(caller.stdout.read().strip().splitlines()[-1])
            outcomes += result['outcomes']
            failed_at += result['failed_at']
            silences += result['silences']
        elapsed = time.monotonic() - started
        server.stdin.close()
        report = json.loads(server.stdout.read().strip().splitlines()[-1])
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
        broker.close()
    load_after = os.getloadavg()
    lateness = report['lateness']
    ok = outcomes.count('ok')
    total = len(outcomes)
    _record.labels('oslo_extras heartbeats')
    _record.parameters(
        calls=total,
        clients=clients,
        call_seconds=HB_WORK,
        heartbeat_s=HB_INTERVAL,
    )
    _record.figure(
        'heartbeats', 'calls succeeded', 100 * ok / total, '%', runs=None
    )
    silences.sort()
    for name, values in (
        ('heartbeat lateness', lateness),
        ("caller's longest silence", silences),
    ):
        for stat, pct in (('p50', 50), ('p99', 99)):
            _record.figure(
                'heartbeats',
                f'{name}, {stat}',
                percentile(values, pct) * 1000,
                'ms',
                runs=len(values),
                statistic=stat,
            )
    _record.figure(
        'heartbeats',
        'heartbeat lateness, max',
        lateness[-1] * 1000,
        'ms',
        runs=len(lateness),
        statistic='max',
    )
    failures = {name: outcomes.count(name) for name in set(outcomes)}
    failures.pop('ok', None)
    print(
        f'RabbitMQ: {total} concurrent {HB_WORK:g}s calls from {clients} '
        f'client processes ({calls // clients} each), heartbeat '
        f'{HB_INTERVAL:g}s, timeout '
        f'{2 * HB_INTERVAL:g}s, one server process'
    )
    print(
        f'succeeded: {ok}/{total} ({100 * ok / total:.1f}%) in {elapsed:.1f}s'
    )
    if failures:
        failed_at.sort()
        print(
            f'failures: {failures}, after {failed_at[0]:.1f}s to '
            f'{failed_at[-1]:.1f}s (median {percentile(failed_at, 50):.1f}s)'
        )
    print(
        f"each caller's longest silence (request or heartbeat to the next "
        f'heartbeat, at the caller): p50 '
        f'{percentile(silences, 50) * 1000:.0f} ms, p99 '
        f'{percentile(silences, 99) * 1000:.0f} ms, max '
        f'{silences[-1] * 1000:.0f} ms (heartbeat {HB_INTERVAL * 1000:.0f} '
        f'ms, gives up after {2 * HB_INTERVAL * 1000:.0f} ms)'
    )
    print(
        f'heartbeats (per call): {report["stats"]["heartbeats"]}, '
        'lateness p50 '
        f'{percentile(lateness, 50) * 1000:.0f} ms, p99 '
        f'{percentile(lateness, 99) * 1000:.0f} ms, max '
        f'{lateness[-1] * 1000:.0f} ms (limit p99 {HB_INTERVAL * 500:.0f} ms)'
    )
    print(
        f'server process CPU: {report["cpu"]:.1f}s in {elapsed:.1f}s '
        f'({report["cpu"] / elapsed:.2f} of a core)'
    )
    print(
        'load average before '
        + ' '.join(f'{x:.2f}' for x in load_before)
        + ', after '
        + ' '.join(f'{x:.2f}' for x in load_after)
        + f' ({os.cpu_count()} CPUs)'
    )
    return 0 if ok >= total * 0.999 else 1


def run_round(url: str, turn: int, rng: random.Random, build=setup) -> dict:
    """One round on fresh variants: calls, then casts."""
    variants = {
        name: build(name, url, turn) for name in rotated(list(VARIANTS), turn)
    }
    try:
        return summarise(run_calls(variants, rng), run_casts(variants, rng))
    finally:
        for _, server, _, transport in variants.values():
            server.stop()
            server.wait()
            transport.cleanup()


def summarise(
    latencies: dict[str, list[float]], cast_times: dict[str, list[float]]
) -> dict[str, tuple[float, float, float, float]]:
    """``{variant: (calls/s, p50 ms, p99 ms, casts/s)}`` of one round."""
    rows = {}
    for name in VARIANTS:
        calls = latencies[name]
        rows[name] = (
            len(calls) / sum(calls),
            percentile(calls, 50) * 1000,
            percentile(calls, 99) * 1000,
            CAST_BATCH / statistics.median(cast_times[name]),
        )
    return rows


def ratios(rows: dict) -> dict[str, tuple[float, float, float]]:
    """``{variant: (p50, p99, cast time)}`` over upstream's."""
    base = rows['upstream']
    return {
        name: (
            rows[name][1] / base[1],
            rows[name][2] / base[2],
            base[3] / rows[name][3],
        )
        for name in VARIANTS[1:]
    }


def record(rounds: list[dict]) -> None:
    """Hand the medians of the rounds to ``_record`` (the spec's table)."""
    _record.labels('variant', 'upstream')
    _record.parameters(
        rounds=ROUNDS,
        calls=CALLS,
        cast_batches=CAST_BATCHES,
        cast_batch=CAST_BATCH,
    )
    for name in VARIANTS:
        for index, what, unit, stat in (
            (1, 'p50 latency', 'ms', 'p50'),
            (2, 'p99 latency', 'ms', 'p99'),
            (0, 'calls', 'calls/s', 'mean'),
            (3, 'casts', 'casts/s', 'median batch'),
        ):
            value = statistics.median(r[name][index] for r in rounds)
            base = statistics.median(r['upstream'][index] for r in rounds)
            _record.figure(
                'calls',
                f'{name}: {what}',
                value,
                unit,
                upstream=None if name == 'upstream' else base,
                runs=ROUNDS,
                statistic=f'{stat} per round, median',
            )
    ours, theirs = LIKE_FOR_LIKE
    if ours in VARIANTS:
        _record.figure(
            'calls',
            f'{ours} vs {theirs}: p50 latency',
            statistics.median(r[ours][1] for r in rounds),
            'ms',
            upstream=statistics.median(r[theirs][1] for r in rounds),
            runs=ROUNDS,
            statistic='p50 per round, median',
        )


def main() -> int:
    if sys.argv[1:2] == ['heartbeats']:
        calls = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
        clients = int(sys.argv[3]) if len(sys.argv) > 3 else 10
        return heartbeats(calls, clients)
    global VARIANTS
    build = setup
    layout = 'client and server in one process'
    if sys.argv[1:2] == ['split']:
        VARIANTS = ('upstream', 'upstream-2', *SPLIT_VARIANTS)
    elif sys.argv[1:2] == ['processes']:
        build = setup_processes
        layout = 'each server in a process of its own'
    logging.basicConfig(level=logging.ERROR)
    load_before = os.getloadavg()
    broker = RabbitMQ()
    broker.start()
    rounds = []
    rng = random.Random(SEED)
    try:
        for turn in range(ROUNDS):
            rounds.append(run_round(broker.url, turn, rng, build))
    finally:
        # Connections still open at shutdown log reconnect errors: noise.
        logging.getLogger('oslo.messaging').setLevel(logging.CRITICAL)
        broker.close()
    load_after = os.getloadavg()

    print(
        f'RabbitMQ: {ROUNDS} rounds of {CALLS} sequential calls and '
        f'{CAST_BATCHES} batches of {CAST_BATCH} casts per variant, fresh '
        f'variants each round, taking turns in random order, {layout}; '
        'medians of the rounds\n'
    )
    print(
        f'{"variant":<17} {"calls/s":>8} {"p50 ms":>8} {"p99 ms":>8}'
        f' {"casts/s":>8}'
    )
    for name in VARIANTS:
        figures = [
            statistics.median(r[name][i] for r in rounds) for i in range(4)
        ]
        print(
            f'{name:<17} {figures[0]:>8.0f} {figures[1]:>8.2f}'
            f' {figures[2]:>8.2f} {figures[3]:>8.0f}'
        )
    record(rounds)
    per_round = [ratios(r) for r in rounds]
    print(
        '\nratio / upstream, median of the rounds [each round] '
        '(p50 latency, p99 latency, cast time):'
    )
    for name in VARIANTS[1:]:
        cells = []
        for i, label in enumerate(('p50', 'p99', 'casts')):
            values = [r[name][i] for r in per_round]
            each = ' '.join(f'{v:.3f}' for v in values)
            cells.append(f'{label} x{statistics.median(values):.3f} [{each}]')
        print(f'  {name:<17} ' + '  '.join(cells))
    print('  (upstream-2 is the same code as upstream: the noise floor)')
    if LIKE_FOR_LIKE[0] in VARIANTS:
        ours, theirs = LIKE_FOR_LIKE
        values = [r[ours][1] / r[theirs][1] for r in rounds]
        each = ' '.join(f'{v:.3f}' for v in values)
        print(
            f'  {ours} / {theirs} (heartbeats both): p50 '
            f'x{statistics.median(values):.3f} [{each}]'
        )
    print(
        'load average before '
        + ' '.join(f'{x:.2f}' for x in load_before)
        + ', after '
        + ' '.join(f'{x:.2f}' for x in load_after)
        + f' ({os.cpu_count()} CPUs)'
    )
    return 0


if __name__ == '__main__':
    sys.exit(main())
