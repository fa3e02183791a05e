#!/usr/bin/env python3
"""Heartbeats and TTL against plain oslo.messaging on a real RabbitMQ.

Starts a private RabbitMQ node, then in one run times sequential RPC calls
and casts through:

* ``upstream``: plain oslo.messaging (``rabbit://``, stock client/server);
* ``upstream-2``: a second, identical copy: the noise floor;
* ``extras``: oslo_extras.messaging with no heartbeat and no TTL;
* ``extras+hb+ttl``: with ``heartbeat=1, timeout=2, ttl=30`` (short calls:
  what every call pays, heartbeats or not).

Each variant has its own transport, server and topic. The variants take
turns call by call (cast batch by cast batch), in rotating order, so that
a load change on a shared machine hits them all alike. Prints calls/s,
p50/p99 latency, casts/s and the ratio ours / upstream (above 1.0: ours is
slower).
"""

from __future__ import annotations

import logging
import os
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

from oslo_extras import messaging  # noqa: E402
from oslo_extras.messaging import _upstream  # noqa: E402
from tests.functional.servers.rabbitmq import RabbitMQ  # noqa: E402

CALLS = 2000  # per variant
WARMUP = 100
CAST_BATCH = 50
CAST_BATCHES = 30
VARIANTS = ('upstream', 'upstream-2', 'extras', 'extras+hb+ttl')


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


def setup(name: str, url: str):
    """Return ``(client, server, endpoint, transport)`` for one variant."""
    target = oslo_messaging.Target(topic=f'bench-{name}', server='s1')
    endpoint = Endpoint()
    if name.startswith('upstream'):
        transport = oslo_messaging.get_rpc_transport(make_conf(), url)
        server = oslo_messaging.get_rpc_server(
            transport, target, [endpoint], executor='threading'
        )
        client = oslo_messaging.get_rpc_client(transport, target, timeout=30)
    else:
        transport = messaging.get_rpc_transport(make_conf(), url)
        server = messaging.get_rpc_server(transport, target, [endpoint])
        policy = {'heartbeat': 1, 'ttl': 30} if 'hb' in name else {}
        client = messaging.get_rpc_client(
            transport, target, timeout=2 if policy else 30, **policy
        )
    server.start()
    return client, server, endpoint, transport


def rotated(items: list, turn: int) -> list:
    shift = turn % len(items)
    return items[shift:] + items[:shift]


def run_calls(variants: dict) -> dict[str, list[float]]:
    latencies: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for i in range(WARMUP + CALLS):
        for name in rotated(names, i):
            client = variants[name][0]
            started = time.perf_counter()
            client.call({}, 'echo', value=i)
            if i >= WARMUP:
                latencies[name].append(time.perf_counter() - started)
    return latencies


def run_casts(variants: dict) -> dict[str, list[float]]:
    """Seconds per batch: publish CAST_BATCH casts, wait until all ran."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for batch in range(CAST_BATCHES):
        for name in rotated(names, batch):
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


def main() -> int:
    logging.basicConfig(level=logging.ERROR)
    broker = RabbitMQ()
    broker.start()
    try:
        variants = {name: setup(name, broker.url) for name in VARIANTS}
        latencies = run_calls(variants)
        cast_times = run_casts(variants)
        for _, server, _, transport in variants.values():
            server.stop()
            server.wait()
            transport.cleanup()
    finally:
        # Connections still open at shutdown log reconnect errors: noise.
        logging.getLogger('oslo.messaging').setLevel(logging.CRITICAL)
        broker.close()

    print(
        f'RabbitMQ: {CALLS} sequential calls and {CAST_BATCHES} batches of '
        f'{CAST_BATCH} casts per variant, variants taking turns\n'
    )
    print(
        f'{"variant":<15} {"calls/s":>8} {"p50 ms":>8} {"p99 ms":>8}'
        f' {"casts/s":>8}'
    )
    rows = {}
    for name in VARIANTS:
        calls = latencies[name]
        rows[name] = (
            len(calls) / sum(calls),
            percentile(calls, 50) * 1000,
            percentile(calls, 99) * 1000,
            CAST_BATCH / statistics.median(cast_times[name]),
        )
        print(
            f'{name:<15} {rows[name][0]:>8.0f} {rows[name][1]:>8.2f}'
            f' {rows[name][2]:>8.2f} {rows[name][3]:>8.0f}'
        )
    base = rows['upstream']
    print('\nratio / upstream (p50 latency, p99 latency, cast time):')
    for name in VARIANTS[1:]:
        print(
            f'  {name:<15} p50 x{rows[name][1] / base[1]:.3f}'
            f'  p99 x{rows[name][2] / base[2]:.3f}'
            f'  casts x{base[3] / rows[name][3]:.3f}'
        )
    print('  (upstream-2 is the same code as upstream: the noise floor)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
