"""Heartbeats at scale: oslo_extras against stock oslo.messaging.

``python benchmarks/messaging.py heartbeats [CALLS [CLIENTS]] [--only
extras|stock]`` runs it (``messaging.py`` is the command line of both
messaging benchmarks). One server process (pool of CALLS workers) runs
CALLS (default 1,000) concurrent 10 s calls with ``heartbeat=1,
timeout=2`` from CLIENTS client processes (default 10, so 100 waiting
calls each, as a fleet of service workers; each process has one reply
queue and one upstream reply waiter). All calls start together and end
together (the worst case for the server). Then the same with stock
oslo.messaging on fresh processes and a topic of its own (same broker):
stock client with ``call_monitor_timeout=2, timeout=120`` (a stock server
heartbeats every ``int(2)/2`` = 1 s), stock server (threading executor,
pool of CALLS workers). ``--only`` runs one of the two. ``--server-cpu
N`` runs the server process on CPU N and the client processes on all the
other CPUs (the broker unpinned), for both. It prints, for
each, the success rate, the failures by kind and when they happened, each
caller's longest silence (from sending the request or a heartbeat's
arrival to the next heartbeat, timed in the client processes) p50/p99/max,
ours' heartbeats per call and their lateness at the server (broker confirm
minus due time) p50/p99/max (stock measures none), and the server
process's CPU; then both in one table with the ratios ours / stock
(success rate, silence p99, server CPU), and the machine's load average
before and after. The exit status is ours alone: 1 if under 99.9 % of its
calls succeeded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import warnings

# Imported by the child processes too: they ignore warnings as the script.
warnings.simplefilter('ignore')

import oslo_messaging  # noqa: E402

from benchmarks import _record  # noqa: E402
from benchmarks._heartbeats_children import CLIENT_CHILD  # noqa: E402
from benchmarks._heartbeats_children import SERVER_CHILD  # noqa: E402
from benchmarks._messaging_common import PIN_CHILD  # noqa: E402
from benchmarks._messaging_common import UsageError  # noqa: E402
from benchmarks._messaging_common import available_cpus  # noqa: E402
from benchmarks._messaging_common import child_env  # noqa: E402
from benchmarks._messaging_common import cpu_list  # noqa: E402
from benchmarks._messaging_common import load_average  # noqa: E402
from benchmarks._messaging_common import make_server  # noqa: E402
from benchmarks._messaging_common import make_transport  # noqa: E402
from benchmarks._messaging_common import one_alone  # noqa: E402
from benchmarks._messaging_common import percentile  # noqa: E402
from benchmarks._messaging_common import private_broker  # noqa: E402
from oslo_extras import messaging  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

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


def pinning(
    server_cpu: int, cpus: set[int] | None = None
) -> tuple[set[int], set[int]]:
    """``(server's CPUs, clients' CPUs)``: the server process alone on
    ``server_cpu``, the client processes on the others of ``cpus``
    (default: the CPUs this process may run on).

    :raises UsageError: under 2 CPUs, or ``server_cpu`` not one of them
    """
    try:
        return one_alone(
            server_cpu, available_cpus() if cpus is None else cpus
        )
    except ValueError as exc:
        raise UsageError(f'--server-cpu {server_cpu}: {exc}') from None


def run_heartbeats(
    variant: str,
    url: str,
    calls: int,
    clients: int,
    pins: tuple[set[int], set[int]] | None = None,
) -> dict:
    """One variant's run on fresh processes and a topic of its own.

    ``pins``: the server's and the clients' CPUs (:func:`pinning`), or
    ``None`` to leave them where the parent runs.

    Returns the callers' ``outcomes``, ``failed_at`` (seconds from the
    start), ``silences`` (sorted), the run's ``elapsed`` seconds, and the
    server's ``cpu`` seconds, ``heartbeats`` and sorted ``lateness`` (the
    last two ``None`` for stock).
    """
    topic = f'bench-hb-{variant}'
    children: list[subprocess.Popen] = []

    def spawn(script: str, cpus, *args: object) -> subprocess.Popen:
        child = subprocess.Popen(
            [sys.executable, '-c', PIN_CHILD + script, variant, url, topic]
            + [str(arg) for arg in (*args, ROOT)],
            env=child_env(cpus),
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
        server_cpus, client_cpus = pins or (None, None)
        server = spawn(SERVER_CHILD, server_cpus, calls)
        ready(server, 'server')
        callers = [
            spawn(CLIENT_CHILD, client_cpus, calls // clients, HB_WORK)
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


def record_heartbeats(
    runs: dict[str, dict], clients: int, server_cpu: int | None = None
) -> None:
    """Hand the figures to ``_record``: ours as the value, stock's as the
    upstream one of the same row (``None`` for a variant not run).
    ``server_cpu`` is a parameter of the record only when given."""
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
        **({} if server_cpu is None else {'server_cpu': server_cpu}),
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


def heartbeats(
    calls: int,
    clients: int = 10,
    only: str | None = None,
    server_cpu: int | None = None,
) -> int:
    """1,000 concurrent long calls with 1 s heartbeats on one server.

    The callers are ``clients`` processes (each one reply queue and one
    upstream reply waiter, as a fleet of service workers has), the server
    one process with ``calls`` workers. Ours runs first, then stock
    oslo.messaging on fresh processes and a topic of its own (``only``:
    one of them). The exit status is ours alone: 0 if at least 99.9 % of
    its calls succeeded (or it did not run). ``server_cpu``: the server
    process on that CPU, the client processes on the others.
    """
    pins = None if server_cpu is None else pinning(server_cpu)
    load_before = os.getloadavg()
    runs: dict[str, dict] = {}
    broken: dict[str, str] = {}
    with private_broker() as broker:
        for variant in HB_VARIANTS:
            if only not in (None, variant):
                continue
            try:
                runs[variant] = run_heartbeats(
                    variant, broker.url, calls, clients, pins
                )
            except Exception as exc:
                if variant == 'extras':
                    raise
                # Stock's figures compare; ours decide, and still print.
                broken[variant] = f'{type(exc).__name__}: {exc}'
    load_after = os.getloadavg()
    print(
        f'RabbitMQ: {calls // clients * clients} concurrent {HB_WORK:g}s '
        f'calls from {clients} client processes ({calls // clients} each), '
        f'heartbeat {HB_INTERVAL:g}s, one server process (pool of {calls} '
        'workers) per variant, fresh processes and topic each'
        + describe_pinning(pins)
        + '\n'
    )
    for variant, run in runs.items():
        print_heartbeats(variant, run)
    for variant, error in broken.items():
        print(f'{variant}: did not complete ({error})')
    if runs:
        compare_heartbeats(runs)
        record_heartbeats(runs, clients, server_cpu)
    print('\n' + load_average(load_before, load_after))
    return hb_status(runs)


def hb_status(runs: dict[str, dict]) -> int:
    """The exit status: ours alone decides (1 under 99.9 % succeeded)."""
    if 'extras' not in runs:
        return 0
    outcomes = runs['extras']['outcomes']
    return 0 if outcomes.count('ok') >= len(outcomes) * 0.999 else 1


def describe_pinning(pins: tuple[set[int], set[int]] | None) -> str:
    """The end of the header line: where the processes ran."""
    if pins is None:
        return ''
    server, clients = pins
    return (
        f'; server on CPU {cpu_list(server)}, clients on CPUs '
        f'{cpu_list(clients)} (broker unpinned)'
    )


def parse_options(args: list[str], cpus: set[int] | None = None) -> dict:
    """The keyword arguments of :func:`heartbeats` from its command line
    ``[CALLS [CLIENTS]] [--only extras|stock] [--server-cpu N]``.

    :param cpus: the CPUs to pin to (default: this process's)
    :raises UsageError: on an argument not known, or a ``--server-cpu``
        this machine cannot honour
    """
    rest = list(args)
    options: dict = {}
    numbers = []
    while rest:
        arg = rest.pop(0)
        option, _, value = arg.partition('=')
        if option in ('--only', '--server-cpu'):
            value = value or (rest.pop(0) if rest else '')
        if option == '--only':
            if value not in HB_VARIANTS:
                raise UsageError(
                    f'--only takes one of {", ".join(HB_VARIANTS)}, not '
                    f'{value!r}'
                )
            options['only'] = value
        elif option == '--server-cpu':
            if not value.isdigit():
                raise UsageError(
                    f'--server-cpu takes a CPU number, not {value!r}'
                )
            options['server_cpu'] = int(value)
        elif arg.isdigit() and int(arg) > 0 and len(numbers) < 2:
            numbers.append(int(arg))
        else:
            raise UsageError(f'heartbeats: unexpected argument {arg!r}')
    options['calls'], options['clients'] = numbers + [1000, 10][len(numbers) :]
    if options['clients'] > options['calls']:
        raise UsageError('heartbeats: more CLIENTS than CALLS')
    if 'server_cpu' in options:
        pinning(options['server_cpu'], cpus)
    return options
