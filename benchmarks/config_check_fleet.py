#!/usr/bin/env python3
"""oslo-config-check at fleet speed (issue 11): warm catalog cache, --each.

Needs nova installed (``python3 run.py realworld``). In one run:

1. A nova.conf of about 13k lines: ``oslo-config-generator`` output for
   nova's generator namespaces (``nova-config-generator.conf`` of the
   real-world corpus) with every ``#name = value`` sample line set, plus a
   typo. ``oslo-config-check`` with a warm catalog cache against
   ``oslo-config-validator`` on the same file and namespaces, end to end
   (process start included), run in turns; and whether the warm findings
   equal a ``--no-cache`` run's (JSON compared).
2. 300 host files (the corpus's kolla-ansible nova-cell ``nova.conf``, one
   ``host =`` line each): ``--each`` over all of them against one of them,
   both warm, in turns.

Prints medians, the ratios and the load average (the machine may be
shared).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

import _record
from config_check import build_config

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(
    os.path.dirname(HERE), 'tests', 'realworld', 'config_check'
)
GENERATOR = os.path.join(
    CORPUS, 'generator', 'nova', 'nova-config-generator.conf'
)
HOST_FILE = os.path.join(
    CORPUS, 'files', 'kolla-ansible', 'nova-cell', 'nova.conf'
)
BIN = os.path.dirname(sys.executable)
RUNS = 11
HOSTS = 300


def namespaces() -> list[str]:
    with open(GENERATOR) as stream:
        return [
            line.split('=', 1)[1].strip()
            for line in stream
            if line.startswith('namespace')
        ]


def build_hosts(directory: str) -> list[str]:
    with open(HOST_FILE) as stream:
        text = stream.read()
    paths = []
    for index in range(HOSTS):
        path = os.path.join(directory, f'compute-{index:03}.conf')
        with open(path, 'w') as stream:
            stream.write(
                text.replace(
                    '[DEFAULT]\n', f'[DEFAULT]\nhost = compute-{index}\n', 1
                )
            )
        paths.append(path)
    return paths


def _run(cmd: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        cmd, capture_output=True, text=True, env=env, check=False
    )


def alternating(first, second) -> tuple[float, float]:
    """Median seconds of each, run in turns so both see the same load."""
    times: tuple[list[float], list[float]] = ([], [])
    for turn in range(RUNS):
        pair = ((0, first), (1, second))
        for index, fn in pair if turn % 2 == 0 else reversed(pair):
            start = time.perf_counter()
            fn()
            times[index].append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def main() -> int:
    ns = namespaces()
    ns_args = [arg for name in ns for arg in ('--namespace', name)]
    check = [os.path.join(BIN, 'oslo-config-check'), *ns_args]
    validator = [os.path.join(BIN, 'oslo-config-validator'), *ns_args]
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as directory:
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(directory, 'xdg'))
        path = build_config(directory, ns, name='nova.conf')
        with open(path) as stream:
            lines = sum(1 for _ in stream)
        json_args = ['--config-file', path, '--format', 'json']
        cold = _run([*check, *json_args], env)  # fills the cache
        warm = _run([*check, *json_args], env)
        uncached = _run([*check, '--no-cache', *json_args], env)
        identical = (warm.stdout, warm.returncode) == (
            uncached.stdout,
            uncached.returncode,
        ) and cold.stdout == warm.stdout
        ours, theirs = alternating(
            lambda: _run([*check, '--config-file', path], env),
            lambda: _run([*validator, '--input-file', path], env),
        )
        hosts = build_hosts(directory)
        each, one = alternating(
            lambda: _run([*check, '--each', *hosts], env),
            lambda: _run([*check, '--config-file', hosts[0]], env),
        )
        each_result = _run([*check, '--each', *hosts], env)
    load_after = os.getloadavg()
    _record.labels('oslo-config-check', 'oslo-config-validator')
    _record.parameters(namespaces=len(ns), lines=lines, hosts=HOSTS, runs=RUNS)
    _record.figure(
        'warm cache',
        'nova.conf, warm catalog cache, end to end',
        ours,
        's',
        upstream=theirs,
        runs=RUNS,
    )
    _record.figure(
        'warm cache',
        'findings identical to --no-cache (1 = yes)',
        int(identical),
        'count',
        runs=None,
    )
    # Upstream here is one host file through our own command.
    _record.figure(
        'each', f'--each over {HOSTS} host files', each, 's', runs=RUNS
    )
    _record.figure('each', 'one host file', one, 's', runs=RUNS)
    _record.figure(
        'each', f'ratio {HOSTS} files / one', each / one, 'x', runs=RUNS
    )
    print(
        f'nova: {len(ns)} generator namespaces, config {lines} lines; '
        f'median of {RUNS} runs in turns; load average '
        f'{load_before[0]:.1f} before, {load_after[0]:.1f} after '
        f'({os.cpu_count()} CPUs)'
    )
    print(
        f'oslo-config-check, warm cache {ours * 1000:8.0f}ms   '
        f'oslo-config-validator {theirs * 1000:8.0f}ms   '
        f'ratio {ours / theirs:.2f} (target <= 0.25)'
    )
    print(
        'findings warm == --no-cache (JSON, exit status): '
        f'{"identical" if identical else "DIFFERENT"}'
    )
    print(
        f'--each over {HOSTS} host files {each * 1000:8.0f}ms   '
        f'one host file {one * 1000:8.0f}ms   ratio {each / one:.2f} '
        f'(target <= 3); {each_result.stderr.strip().splitlines()[-1]}'
    )
    return 0 if identical else 1


if __name__ == '__main__':
    sys.exit(main())
