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

``python benchmarks/messaging.py heartbeats [CALLS [CLIENTS]] [--only
extras|stock]`` instead measures heartbeats at scale: one server process
(pool of CALLS workers) runs CALLS (default 1,000) concurrent 10 s calls
with ``heartbeat=1, timeout=2`` from CLIENTS client processes (default 10,
so 100 waiting calls each, as a fleet of service workers; each process has
one reply queue and one upstream reply waiter). All calls start together
and end together (the worst case for the server). Then the same with stock
oslo.messaging on fresh processes and a topic of its own (same broker):
stock client with ``call_monitor_timeout=2, timeout=120`` (a stock server
heartbeats every ``int(2)/2`` = 1 s), stock server (threading executor,
pool of CALLS workers). ``--only`` runs one of the two. It prints, for
each, the success rate, the failures by kind and when they happened, each
caller's longest silence (from sending the request or a heartbeat's
arrival to the next heartbeat, timed in the client processes) p50/p99/max,
ours' heartbeats per call and their lateness at the server (broker confirm
minus due time) p50/p99/max (stock measures none), and the server
process's CPU; then both in one table with the ratios ours / stock
(success rate, silence p99, server CPU), and the machine's load average
before and after. The exit status is ours alone: 1 if under 99.9 % of its
calls succeeded.

``python benchmarks/messaging.py --help`` lists the modes.
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
#: A heartbeating call's total bound (ours: max_call_time; stock: timeout),
#: far above HB_WORK: calls end by their heartbeats or their work.
HB_TOTAL = 120.0
#: ``heartbeats``: in the order they run, each on fresh processes and topic.
HB_VARIANTS = ('extras', 'stock')


def hb_transport(variant: str, url: str):
    """``stock``: stock oslo.messaging; ``extras``: ours."""
    return make_transport('upstream' if variant == 'stock' else variant, url)


def hb_server(variant: str, transport, topic: str, endpoint):
    target = oslo_messaging.Target(topic=topic, server='s1')
    name = 'upstream' if variant == 'stock' else variant
    return make_server(name, transport, target, endpoint)


def hb_client(variant: str, transport, topic: str):
    target = oslo_messaging.Target(topic=topic, server='s1')
    if variant == 'stock':
        # A stock server heartbeats every int(window)/2 s: HB_INTERVAL.
        return oslo_messaging.get_rpc_client(
            transport,
            target,
            timeout=HB_TOTAL,
            call_monitor_timeout=2 * HB_INTERVAL,
        )
    return messaging.get_rpc_client(
        transport,
        target,
        heartbeat=HB_INTERVAL,
        timeout=2 * HB_INTERVAL,
        max_call_time=HB_TOTAL,
    )


SERVER_CHILD = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[5])
from benchmarks import messaging as bench
variant, url, topic, calls = (
    sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
class Endpoint:
    def work(self, ctxt, seconds):
        time.sleep(seconds)
        return 'done'
transport = bench.hb_transport(variant, url)
server = bench.hb_server(variant, transport, topic, Endpoint())
server.start(override_pool_size=calls)
print('ready', flush=True)
before = resource.getrusage(resource.RUSAGE_SELF)
sys.stdin.read()  # until the benchmark closes it
after = resource.getrusage(resource.RUSAGE_SELF)
cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
ours = variant == 'extras'  # a stock server measures no lateness
lateness = sorted(server.heartbeat_lateness()) if ours else None
heartbeats = server.stats.snapshot()['heartbeats'] if ours else None
server.stop(); server.wait()
print(json.dumps({'heartbeats': heartbeats, 'lateness': lateness,
                  'cpu': cpu}))
"""


CLIENT_CHILD = """
import json, sys, threading, time
sys.path.insert(0, sys.argv[6])
from benchmarks import messaging as bench
variant, url, topic, calls, work = (
    sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]),
    float(sys.argv[5]))
# What the caller sees: upstream restarts a call's call-monitor timer on
# each heartbeat; the longest time between its start (the request sent)
# and a restart, or two restarts, is the call's longest silence. The marks
# hang on the timer itself: keyed by id(), a timer started after a call
# ended (another call's, the reply waiter's per poll) could take the ended
# call's id and wipe its marks (981 silences of 1,000 calls once).
from oslo_messaging._drivers import common as rpc_common
marks = []
started_timer, restarted_timer = (
    rpc_common.DecayingTimer.start, rpc_common.DecayingTimer.restart)
def mark(timer, fresh):
    if fresh or not hasattr(timer, 'bench_marks'):
        timer.bench_marks = []
        marks.append(timer.bench_marks)
    timer.bench_marks.append(time.monotonic())
def start_timer(timer):
    mark(timer, True)
    return started_timer(timer)
def restart_timer(timer):
    mark(timer, False)
    return restarted_timer(timer)
rpc_common.DecayingTimer.start = start_timer
rpc_common.DecayingTimer.restart = restart_timer
client = bench.hb_client(variant, bench.hb_transport(variant, url), topic)
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
    thread.join(bench.HB_TOTAL + 60)
silences = [max(b - a for a, b in zip(times, times[1:]))
            for times in marks if len(times) > 1]
print(json.dumps({'outcomes': outcomes, 'failed_at': failed_at,
                  'silences': silences}))
"""


def run_heartbeats(variant: str, url: str, calls: int, clients: int) -> dict:
    """One variant's run on fresh processes and a topic of its own.

    Returns the callers' ``outcomes``, ``failed_at`` (seconds from the
    start), ``silences`` (sorted), the run's ``elapsed`` seconds, and the
    server's ``cpu`` seconds, ``heartbeats`` and sorted ``lateness`` (the
    last two ``None`` for stock).
    """
    import json
    import subprocess

    root = os.path.dirname(HERE)
    topic = f'bench-hb-{variant}'
    children: list[subprocess.Popen] = []

    def spawn(script: str, *args: object) -> subprocess.Popen:
        child = subprocess.Popen(
            [sys.executable, '-c', script, variant, url, topic]
            + [str(arg) for arg in (*args, root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        children.append(child)
        return child

    def ready(child: subprocess.Popen, what: str) -> None:
        if child.stdout.readline().strip() != 'ready':
            raise RuntimeError(f'the {variant} {what} process did not start')

    try:
        server = spawn(SERVER_CHILD, calls)
        ready(server, 'server')
        callers = [
            spawn(CLIENT_CHILD, calls // clients, HB_WORK)
            for _ in range(clients)
        ]
        for caller in callers:
            ready(caller, 'client')
        started = time.monotonic()
        for caller in callers:
            caller.stdin.write('go\n')
            caller.stdin.flush()
        result: dict = {'outcomes': [], 'failed_at': [], 'silences': []}
        for caller in callers:
            lines = caller.stdout.read().strip().splitlines()
            for key, values in json.loads(lines[-1]).items():
                result[key] += values
        result['elapsed'] = time.monotonic() - started
        server.stdin.close()
        result.update(
            json.loads(server.stdout.read().strip().splitlines()[-1])
        )
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    result['failed_at'].sort()
    result['silences'].sort()
    return result


def _ms(values: list[float] | None, pct: float | None = None) -> str:
    """A percentile (the largest without ``pct``) in ms, or ``n/a``."""
    if not values:
        return 'n/a'
    value = values[-1] if pct is None else percentile(values, pct)
    return f'{value * 1000:.0f} ms'


def _ratio_text(ours: float | None, theirs: float | None) -> str:
    return f'x{ours / theirs:.3f}' if ours is not None and theirs else 'n/a'


_HB_SETUP = {
    'extras': (
        f'oslo_extras client and server, heartbeat={HB_INTERVAL:g}, '
        f'timeout={2 * HB_INTERVAL:g}, max_call_time={HB_TOTAL:g}'
    ),
    'stock': (
        'stock oslo.messaging client and server (threading executor), '
        f'call_monitor_timeout={2 * HB_INTERVAL:g} (a heartbeat every '
        f'{HB_INTERVAL:g}s), timeout={HB_TOTAL:g}'
    ),
}


def print_heartbeats(variant: str, run: dict) -> None:
    """One variant's figures, each on a line of its own."""
    outcomes = run['outcomes']
    ok, total = outcomes.count('ok'), len(outcomes)
    print(f'{variant}: {_HB_SETUP[variant]}')
    print(
        f'  succeeded: {ok}/{total} ({100 * ok / total:.1f}%) in '
        f'{run["elapsed"]:.1f}s'
    )
    failures = {name: outcomes.count(name) for name in sorted(set(outcomes))}
    failures.pop('ok', None)
    if failures:
        failed_at = run['failed_at']
        print(
            f'  failures: {failures}, after {failed_at[0]:.1f}s to '
            f'{failed_at[-1]:.1f}s (median {percentile(failed_at, 50):.1f}s)'
        )
    silences = run['silences']
    print(
        "  each caller's longest silence (request or heartbeat to the next "
        f'heartbeat, at the caller): p50 {_ms(silences, 50)}, p99 '
        f'{_ms(silences, 99)}, max {_ms(silences)}, of {len(silences)} calls '
        f'(heartbeat {HB_INTERVAL * 1000:.0f} ms, gives up after '
        f'{2 * HB_INTERVAL * 1000:.0f} ms)'
    )
    lateness = run['lateness']
    if lateness is None:
        print('  heartbeat lateness at the server: n/a (stock measures none)')
    else:
        print(
            f'  heartbeats (per call): {run["heartbeats"]}, lateness p50 '
            f'{_ms(lateness, 50)}, p99 {_ms(lateness, 99)}, max '
            f'{_ms(lateness)} (limit p99 {HB_INTERVAL * 500:.0f} ms)'
        )
    print(
        f'  server process CPU: {run["cpu"]:.1f}s in {run["elapsed"]:.1f}s '
        f'({run["cpu"] / run["elapsed"]:.2f} of a core)'
    )


def _succeeded(run: dict | None) -> float | None:
    if run is None:
        return None
    return 100 * run['outcomes'].count('ok') / len(run['outcomes'])


def _silence(run: dict | None, pct: float) -> float | None:
    if run is None or not run['silences']:
        return None
    return percentile(run['silences'], pct)


def compare_heartbeats(runs: dict[str, dict]) -> None:
    """Both variants in one table, and the ratios ours / stock."""
    ours, stock = runs.get('extras'), runs.get('stock')
    print(
        f'\n{"variant":<13} {"succeeded":>9} {"silence p50":>12} '
        f'{"silence p99":>12} {"silence max":>12} {"lateness p99":>13} '
        f'{"server CPU":>10}'
    )
    for name, run in runs.items():
        rate = _succeeded(run)
        silences, lateness = run['silences'], run['lateness']
        print(
            f'{name:<13} {rate:>8.1f}% {_ms(silences, 50):>12} '
            f'{_ms(silences, 99):>12} {_ms(silences):>12} '
            f'{_ms(lateness, 99):>13} {run["cpu"]:>9.1f}s'
        )
    if ours is None or stock is None:
        return
    cells = (
        _ratio_text(_succeeded(ours), _succeeded(stock)),
        _ratio_text(_silence(ours, 99), _silence(stock, 99)),
        _ratio_text(ours['cpu'], stock['cpu']),
    )
    print(
        f'{"extras/stock":<13} {cells[0]:>9} {"":>12} {cells[1]:>12} '
        f'{"":>12} {"n/a":>13} {cells[2]:>10}'
    )


def record_heartbeats(runs: dict[str, dict], clients: int) -> None:
    """Hand the figures to ``_record``: ours as the value, stock's as the
    upstream one of the same row (``None`` for a variant not run)."""
    ours, stock = runs.get('extras'), runs.get('stock')
    _record.labels(
        'oslo_extras heartbeats',
        None if stock is None else 'stock oslo.messaging',
    )
    _record.parameters(
        calls=len(next(iter(runs.values()))['outcomes']),
        clients=clients,
        call_seconds=HB_WORK,
        heartbeat_s=HB_INTERVAL,
    )

    def figure(name, value, upstream, unit, runs=None, statistic=None):
        if value is not None or upstream is not None:
            _record.figure(
                'heartbeats',
                name,
                value,
                unit,
                upstream=upstream,
                runs=runs,
                statistic=statistic,
            )

    figure('calls succeeded', _succeeded(ours), _succeeded(stock), '%')
    lateness = ours['lateness'] if ours else None
    for stat, pct in (('p50', 50), ('p99', 99)):
        if lateness:
            figure(
                f'heartbeat lateness, {stat}',
                percentile(lateness, pct) * 1000,
                None,
                'ms',
                len(lateness),
                stat,
            )
    for stat, pct in (('p50', 50), ('p99', 99)):
        silence = [_silence(run, pct) for run in (ours, stock)]
        figure(
            f"caller's longest silence, {stat}",
            *(None if s is None else s * 1000 for s in silence),
            'ms',
            # The calls the statistic is of: ours where ours ran.
            len((ours or stock)['silences']),
            stat,
        )
    if lateness:
        figure(
            'heartbeat lateness, max',
            lateness[-1] * 1000,
            None,
            'ms',
            len(lateness),
            'max',
        )
    figure(
        'server process CPU',
        ours and ours['cpu'],
        stock and stock['cpu'],
        's',
    )


def heartbeats(calls: int, clients: int = 10, only: str | None = None) -> int:
    """1,000 concurrent long calls with 1 s heartbeats on one server.

    The callers are ``clients`` processes (each one reply queue and one
    upstream reply waiter, as a fleet of service workers has), the server
    one process with ``calls`` workers. Ours runs first, then stock
    oslo.messaging on fresh processes and a topic of its own (``only``:
    one of them). The exit status is ours alone: 0 if at least 99.9 % of
    its calls succeeded (or it did not run).
    """
    logging.basicConfig(level=logging.ERROR)
    load_before = os.getloadavg()
    broker = RabbitMQ()
    broker.start()
    runs: dict[str, dict] = {}
    broken: dict[str, str] = {}
    try:
        for variant in HB_VARIANTS:
            if only not in (None, variant):
                continue
            try:
                runs[variant] = run_heartbeats(
                    variant, broker.url, calls, clients
                )
            except Exception as exc:
                if variant == 'extras':
                    raise
                # Stock's figures compare; ours decide, and still print.
                broken[variant] = f'{type(exc).__name__}: {exc}'
    finally:
        broker.close()
    load_after = os.getloadavg()
    print(
        f'RabbitMQ: {calls // clients * clients} concurrent {HB_WORK:g}s '
        f'calls from {clients} client processes ({calls // clients} each), '
        f'heartbeat {HB_INTERVAL:g}s, one server process (pool of {calls} '
        'workers) per variant, fresh processes and topic each\n'
    )
    for variant, run in runs.items():
        print_heartbeats(variant, run)
    for variant, error in broken.items():
        print(f'{variant}: did not complete ({error})')
    if runs:
        compare_heartbeats(runs)
        record_heartbeats(runs, clients)
    print(
        '\nload average before '
        + ' '.join(f'{x:.2f}' for x in load_before)
        + ', after '
        + ' '.join(f'{x:.2f}' for x in load_after)
        + f' ({os.cpu_count()} CPUs)'
    )
    return hb_status(runs)


def hb_status(runs: dict[str, dict]) -> int:
    """The exit status: ours alone decides (1 under 99.9 % succeeded)."""
    if 'extras' not in runs:
        return 0
    outcomes = runs['extras']['outcomes']
    return 0 if outcomes.count('ok') >= len(outcomes) * 0.999 else 1


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


USAGE = """\
usage: python benchmarks/messaging.py [MODE]

Modes (each starts a private RabbitMQ):
  (none)      sequential calls and casts, stock oslo.messaging and
              oslo_extras taking turns, client and server in one process
  processes   the same, each server in a process of its own
  split       each part of oslo_extras alone (driver, server, client),
              stock oslo.messaging around it
  heartbeats [CALLS [CLIENTS]] [--only extras|stock]
              CALLS (default 1000) concurrent 10 s calls with 1 s
              heartbeats from CLIENTS (default 10) client processes on one
              server process: oslo_extras, then stock oslo.messaging
              (call_monitor_timeout=2); exit status 1 if under 99.9 % of
              oslo_extras' calls succeed
  -h, --help  this text
"""


class UsageError(Exception):
    pass


def parse_args(argv: list[str]) -> tuple[str, dict]:
    """``(mode, options)`` of a command line; mode ``help`` for ``-h``.

    :raises UsageError: on a mode or argument not known
    """
    if '-h' in argv or '--help' in argv:
        return 'help', {}
    mode, rest = (argv[0], argv[1:]) if argv else ('', [])
    if mode in ('', 'split', 'processes'):
        if rest:
            raise UsageError(
                f'{mode or "the default mode"} takes no '
                f'arguments: {" ".join(rest)}'
            )
        return mode, {}
    if mode != 'heartbeats':
        raise UsageError(f'unknown mode {mode!r}')
    options: dict = {}
    numbers = []
    while rest:
        arg = rest.pop(0)
        if arg == '--only' or arg.startswith('--only='):
            value = arg.partition('=')[2] or (rest.pop(0) if rest else '')
            if value not in HB_VARIANTS:
                raise UsageError(
                    f'--only takes one of {", ".join(HB_VARIANTS)}, not '
                    f'{value!r}'
                )
            options['only'] = value
        elif arg.isdigit() and int(arg) > 0 and len(numbers) < 2:
            numbers.append(int(arg))
        else:
            raise UsageError(f'heartbeats: unexpected argument {arg!r}')
    options['calls'], options['clients'] = numbers + [1000, 10][len(numbers) :]
    if options['clients'] > options['calls']:
        raise UsageError('heartbeats: more CLIENTS than CALLS')
    return mode, options


def main(argv: list[str] | None = None) -> int:
    try:
        mode, options = parse_args(sys.argv[1:] if argv is None else argv)
    except UsageError as exc:
        print(f'messaging.py: {exc}\n{USAGE}', end='', file=sys.stderr)
        return 2
    if mode == 'help':
        print(USAGE, end='')
        return 0
    if mode == 'heartbeats':
        return heartbeats(**options)
    global VARIANTS
    build = setup
    layout = 'client and server in one process'
    if mode == 'split':
        VARIANTS = ('upstream', 'upstream-2', *SPLIT_VARIANTS)
    elif mode == 'processes':
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
