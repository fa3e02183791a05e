"""What the messaging benchmarks share: the broker, the variants' parts.

``messaging.py`` (overhead of short calls and casts) and
``messaging_heartbeats.py`` (heartbeats at scale) both start a private
RabbitMQ, build stock or oslo_extras transports and servers, take
percentiles and print the machine's load average; each writes them here
once. The child processes of both import this module too. It also pins
child processes to CPUs (``heartbeats --server-cpu``).
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


#: A child process's CPUs (``0,2,3``), set in its environment; empty or
#: unset: the CPUs of its parent.
CPUS_ENV = 'OSLO_EXTRAS_BENCH_CPUS'
#: Put before a child script: it pins the process before it imports
#: anything or starts a thread (threads inherit the CPUs of their creator).
PIN_CHILD = f"""
import os
if os.environ.get({CPUS_ENV!r}):
    os.sched_setaffinity(
        0, [int(cpu) for cpu in os.environ[{CPUS_ENV!r}].split(',')])
"""


def available_cpus() -> set[int]:
    """The CPUs this process may run on (``taskset`` and cgroups count).

    :raises UsageError: where processes cannot be pinned (not Linux)
    """
    if not hasattr(os, 'sched_getaffinity'):
        raise UsageError('pinning to CPUs needs Linux (os.sched_setaffinity)')
    return set(os.sched_getaffinity(0))


def child_env(cpus: set[int] | None) -> dict[str, str]:
    """The environment of a child process that runs on ``cpus`` (``None``:
    on its parent's) when its script starts with :data:`PIN_CHILD`."""
    pinned = '' if cpus is None else ','.join(map(str, sorted(cpus)))
    return dict(os.environ, **{CPUS_ENV: pinned})


def one_alone(cpu: int, cpus: set[int]) -> tuple[set[int], set[int]]:
    """``({cpu}, the others of cpus)``: a CPU for one process alone, the
    other CPUs for the rest.

    :raises ValueError: under 2 CPUs, or ``cpu`` not one of ``cpus``
    """
    if len(cpus) < 2:
        raise ValueError(
            'needs at least 2 CPUs (one alone, the others for the rest); '
            f'this process may run on {len(cpus)} ({cpu_list(cpus)})'
        )
    if cpu not in cpus:
        raise ValueError(
            f'CPU {cpu} is not one of those this process may run on '
            f'({cpu_list(cpus)})'
        )
    return {cpu}, cpus - {cpu}


def cpu_list(cpus: set[int]) -> str:
    """``{0, 2, 3, 4}`` reads ``0,2-4`` (as ``taskset -c`` takes them)."""
    ordered = sorted(cpus)
    ranges: list[list[int]] = []
    for cpu in ordered:
        if ranges and cpu == ranges[-1][-1] + 1:
            ranges[-1].append(cpu)
        else:
            ranges.append([cpu])
    return ','.join(
        str(r[0]) if len(r) == 1 else f'{r[0]}-{r[-1]}' for r in ranges
    )


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
