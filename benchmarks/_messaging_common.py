"""What the messaging benchmarks share: the broker, the variants' parts.

``messaging.py`` (overhead of short calls and casts) and
``messaging_heartbeats.py`` (heartbeats at scale) both start a private
RabbitMQ, build stock or oslo_extras transports and servers, take
percentiles and print the machine's load average; each writes them here
once. The child processes of both import this module too.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator

import oslo_messaging
from oslo_config import cfg
from oslo_messaging import opts as messaging_opts

from oslo_extras import messaging
from oslo_extras.messaging import _upstream
from tests.functional.servers.rabbitmq import RabbitMQ


class UsageError(Exception):
    """A command line the benchmark does not take (exit status 2)."""


def make_conf() -> cfg.ConfigOpts:
    conf = cfg.ConfigOpts()
    for group, opts in messaging_opts.list_opts():
        conf.register_opts(opts, group=group)
    # Upstream registers its tracing/metrics options on cfg.CONF only.
    _upstream.register_opts(conf)
    conf([])
    return conf


def make_transport(name: str, url: str):
    """Stock for a variant named ``upstream...``, ours for the others."""
    library = oslo_messaging if name.startswith('upstream') else messaging
    return library.get_rpc_transport(make_conf(), url)


def make_server(name: str, transport, target, endpoint):
    """Stock (threading executor) for ``upstream...``, ours otherwise."""
    if name.startswith('upstream'):
        return oslo_messaging.get_rpc_server(
            transport, target, [endpoint], executor='threading'
        )
    return messaging.get_rpc_server(transport, target, [endpoint])


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def load_average(before: tuple[float, ...], after: tuple[float, ...]) -> str:
    """The line that ends a benchmark's output: the machine is shared."""
    return (
        'load average before '
        + ' '.join(f'{x:.2f}' for x in before)
        + ', after '
        + ' '.join(f'{x:.2f}' for x in after)
        + f' ({os.cpu_count()} CPUs)'
    )


@contextlib.contextmanager
def private_broker() -> Iterator[RabbitMQ]:
    """A RabbitMQ node of this run's own, closed when the block ends."""
    logging.basicConfig(level=logging.ERROR)
    broker = RabbitMQ()
    broker.start()
    try:
        yield broker
    finally:
        # Connections still open at shutdown log reconnect errors: noise.
        logging.getLogger('oslo.messaging').setLevel(logging.CRITICAL)
        broker.close()
