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
extras|stock] [--server-cpu N]`` instead measures heartbeats at scale,
ours and stock oslo.messaging's, with 1,000 concurrent long calls by
default (``messaging_heartbeats.py`` says how).

``python benchmarks/messaging.py --help`` lists the modes.
"""

from __future__ import annotations

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

from benchmarks import _record  # noqa: E402
from benchmarks import messaging_heartbeats  # noqa: E402
from benchmarks._messaging_common import UsageError  # noqa: E402
from benchmarks._messaging_common import load_average  # noqa: E402
from benchmarks._messaging_common import make_conf  # noqa: E402
from benchmarks._messaging_common import make_server  # noqa: E402
from benchmarks._messaging_common import make_transport  # noqa: E402
from benchmarks._messaging_common import percentile  # noqa: E402
from benchmarks._messaging_common import private_broker  # noqa: E402
from oslo_extras import messaging  # noqa: E402

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


def target_of(name: str, turn: int) -> oslo_messaging.Target:
    """The target of one variant in one round (topics of its own)."""
    return oslo_messaging.Target(topic=f'bench-{name}-{turn}', server='s1')


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
  heartbeats [CALLS [CLIENTS]] [--only extras|stock] [--server-cpu N]
              CALLS (default 1000) concurrent 10 s calls with 1 s
              heartbeats from CLIENTS (default 10) client processes on one
              server process: oslo_extras, then stock oslo.messaging
              (call_monitor_timeout=2); exit status 1 if under 99.9 % of
              oslo_extras' calls succeed. --server-cpu N: the server
              process on CPU N, the client processes on the other CPUs
  -h, --help  this text
"""


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
    return mode, messaging_heartbeats.parse_options(rest)


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
        return messaging_heartbeats.heartbeats(**options)
    global VARIANTS
    build = setup
    layout = 'client and server in one process'
    if mode == 'split':
        VARIANTS = ('upstream', 'upstream-2', *SPLIT_VARIANTS)
    elif mode == 'processes':
        build = setup_processes
        layout = 'each server in a process of its own'
    load_before = os.getloadavg()
    rounds = []
    rng = random.Random(SEED)
    with private_broker() as broker:
        for turn in range(ROUNDS):
            rounds.append(run_round(broker.url, turn, rng, build))
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
    print(load_average(load_before, load_after))
    return 0


if __name__ == '__main__':
    sys.exit(main())
