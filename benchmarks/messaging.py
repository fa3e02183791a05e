#!/usr/bin/env python3
"""Heartbeats and TTL against plain oslo.messaging on a real RabbitMQ.

Starts a private RabbitMQ node, then in one run times sequential RPC calls
(and casts) through:

* ``upstream``: plain oslo.messaging (``rabbit://``, stock client/server);
* ``extras``: oslo_extras.messaging with no heartbeat and no TTL;
* ``extras+hb+ttl``: with ``heartbeat=1, timeout=2, ttl=30`` (short calls:
  what every call pays, heartbeats or not);

in interleaved rounds, and prints calls/s, p50/p99 latency, casts/s and
the ratio ours / upstream (above 1.0: ours is slower).
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

ROUNDS = 9
CALLS = 150
CASTS = 300


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


def setups(url: str):
    """Yield (name, client, server, endpoint, transport) per variant."""
    conf = make_conf()
    stock_transport = oslo_messaging.get_rpc_transport(conf, url)
    extras_transport = messaging.get_rpc_transport(make_conf(), url)
    variants = []
    for name in ('upstream', 'extras', 'extras+hb+ttl'):
        target = oslo_messaging.Target(topic=f'bench-{name}', server='s1')
        endpoint = Endpoint()
        if name == 'upstream':
            transport = stock_transport
            server = oslo_messaging.get_rpc_server(
                transport, target, [endpoint], executor='threading'
            )
            client = oslo_messaging.get_rpc_client(
                transport, target, timeout=30
            )
        else:
            transport = extras_transport
            server = messaging.get_rpc_server(transport, target, [endpoint])
            if name == 'extras':
                client = messaging.get_rpc_client(
                    transport, target, timeout=30
                )
            else:
                client = messaging.get_rpc_client(
                    transport, target, heartbeat=1, timeout=2, ttl=30
                )
        server.start()
        variants.append((name, client, server, endpoint))
    return variants, (stock_transport, extras_transport)


def time_calls(client) -> list[float]:
    latencies = []
    for i in range(CALLS):
        started = time.perf_counter()
        client.call({}, 'echo', value=i)
        latencies.append(time.perf_counter() - started)
    return latencies


def time_casts(client, endpoint) -> float:
    before = endpoint.casts
    started = time.perf_counter()
    for _ in range(CASTS):
        client.cast({}, 'count')
    while endpoint.casts - before < CASTS:
        time.sleep(0.001)
    return CASTS / (time.perf_counter() - started)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def main() -> int:
    logging.basicConfig(level=logging.ERROR)
    broker = RabbitMQ()
    broker.start()
    try:
        variants, transports = setups(broker.url)
        latencies = {name: [] for name, *_ in variants}
        throughput = {name: [] for name, *_ in variants}
        cast_rates = {name: [] for name, *_ in variants}
        for _name, client, _, _endpoint in variants:  # warm-up
            time_calls(client)
        for round_no in range(ROUNDS):
            order = variants if round_no % 2 == 0 else variants[::-1]
            for name, client, _, endpoint in order:
                started = time.perf_counter()
                round_latencies = time_calls(client)
                throughput[name].append(
                    CALLS / (time.perf_counter() - started)
                )
                latencies[name].extend(round_latencies)
                cast_rates[name].append(time_casts(client, endpoint))
        for _, _, server, _ in variants:
            server.stop()
            server.wait()
        for transport in transports:
            transport.cleanup()
    finally:
        # Connections still open at shutdown log reconnect errors: noise.
        logging.getLogger('oslo.messaging').setLevel(logging.CRITICAL)
        broker.close()

    print(
        f'RabbitMQ, {ROUNDS} interleaved rounds of {CALLS} sequential calls'
        f' and {CASTS} casts per variant (medians)\n'
    )
    print(
        f'{"variant":<15} {"calls/s":>9} {"p50 ms":>8} {"p99 ms":>8}'
        f' {"casts/s":>9}'
    )
    rows = {}
    for name in latencies:
        rows[name] = (
            statistics.median(throughput[name]),
            percentile(latencies[name], 50) * 1000,
            percentile(latencies[name], 99) * 1000,
            statistics.median(cast_rates[name]),
        )
        calls, p50, p99, casts = rows[name]
        print(
            f'{name:<15} {calls:>9.0f} {p50:>8.2f} {p99:>8.2f} {casts:>9.0f}'
        )
    base = rows['upstream']
    print('\nratio ours / upstream (p50 latency; above 1.0 = slower):')
    for name in ('extras', 'extras+hb+ttl'):
        print(
            f'  {name:<15} p50 x{rows[name][1] / base[1]:.3f}, '
            f'calls/s x{rows[name][0] / base[0]:.3f}, '
            f'casts/s x{rows[name][3] / base[3]:.3f}'
        )
    return 0


if __name__ == '__main__':
    sys.exit(main())
