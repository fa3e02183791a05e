#!/usr/bin/env python3
"""Config reload: watch latency, and reload cost against mutate_config_files.

    python benchmarks/config_reload.py [--options 1000] [--runs 30]

1. Latency from an editor-style save (temp file + rename) to the new value
   being visible through ``conf.debug``, with the ``watch`` trigger
   (median, p95; the debounce is part of it and printed).
2. Reload cost on a config of N options (10 of them changed per reload):
   ``Reloader.reload()`` (typed diff, validation, atomic install) and
   without the validator, against oslo.config's ``mutate_config_files()``
   on the same edits, interleaved in one run (the order rotates each run);
   medians, ratios, the interquartile range of the per-run ratios and the
   load average (the machine may be shared: that is the noise).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time

from oslo_config import cfg

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import _record  # noqa: E402

from oslo_extras._fileutils import atomic_write  # noqa: E402
from oslo_extras.config.reload import Reloader  # noqa: E402

GROUPS = 10


def _opts(count: int) -> list[tuple[str, cfg.Opt]]:
    opts = []
    for i in range(count):
        group = f'group{i % GROUPS}'
        kind = i % 3
        if kind == 0:
            opt = cfg.IntOpt(f'int_{i}', default=i, min=0, mutable=True)
        elif kind == 1:
            opt = cfg.StrOpt(f'str_{i}', default=f'v{i}', mutable=True)
        else:
            opt = cfg.BoolOpt(f'bool_{i}', default=False, mutable=True)
        opts.append((group, opt))
    return opts


def _text(opts, generation: int) -> str:
    by_group: dict[str, list[str]] = {}
    for index, (group, opt) in enumerate(opts):
        changed = index < 10 and generation % 2
        if isinstance(opt, cfg.IntOpt):
            value = str(index + (1 if changed else 0))
        elif isinstance(opt, cfg.BoolOpt):
            value = 'true' if changed else 'false'
        else:
            value = f'v{index}' + ('x' if changed else '')
        by_group.setdefault(group, []).append(f'{opt.name} = {value}')
    out = ['[DEFAULT]', f'debug = {"true" if generation % 2 else "false"}']
    for group, lines in by_group.items():
        out += ['', f'[{group}]', *lines]
    return '\n'.join(out) + '\n'


def _conf(path: str, opts) -> cfg.ConfigOpts:
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.BoolOpt('debug', default=False, mutable=True))
    for group, opt in opts:
        conf.register_opt(opt, group=group)
    conf(['--config-file', path], default_config_files=[])
    return conf


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
    return ordered[index]


def watch_latency(workdir: str, runs: int, debounce: float) -> list[float]:
    path = os.path.join(workdir, 'latency.conf')
    atomic_write(path, '[DEFAULT]\ndebug = false\n')
    conf = _conf(path, [])
    reloader = Reloader(conf)
    reloader.enable_triggers(
        ['watch'], options={'watch': {'debounce': debounce}}
    )
    latencies = []
    try:
        for i in range(1, runs + 1):
            want = bool(i % 2)
            started = time.perf_counter()
            atomic_write(path, f'[DEFAULT]\ndebug = {str(want).lower()}\n')
            deadline = started + 10
            while conf.debug is not want:
                if time.perf_counter() > deadline:
                    raise RuntimeError('watch trigger did not reload')
                time.sleep(0.0005)
            latencies.append(time.perf_counter() - started)
            time.sleep(0.05)
    finally:
        reloader.stop()
    return latencies


def reload_cost(workdir: str, count: int, runs: int) -> dict[str, list]:
    """Time each case on the same edits, interleaved run by run.

    The cases take turns (the order rotates every run), so load from other
    processes on the machine hits them alike; compare medians.
    """
    opts = _opts(count)
    cases = {
        'mutate_config_files()': None,
        'Reloader.reload() (validated)': True,
        'Reloader.reload() (no validator)': False,
    }
    runners = {}
    for number, (label, validate) in enumerate(cases.items()):
        path = os.path.join(workdir, f'big-{number}.conf')
        atomic_write(path, _text(opts, 0))
        # Fresh opts per ConfigOpts: keep the cases independent.
        conf = _conf(path, _opts(count))
        if validate is None:
            conf.mutate_config_files()
            runners[label] = (path, conf.mutate_config_files, False)
        else:
            reloader = Reloader(conf, validate=validate)
            reloader.reload()
            runners[label] = (path, reloader.reload, True)
    results: dict[str, list[float]] = {label: [] for label in cases}
    labels = list(cases)
    for generation in range(1, runs + 1):
        shift = generation % len(labels)
        for label in labels[shift:] + labels[:shift]:
            path, run, is_reloader = runners[label]
            atomic_write(path, _text(opts, generation))
            started = time.perf_counter()
            result = run()
            results[label].append(time.perf_counter() - started)
            if is_reloader and not result.applied:
                raise RuntimeError('reload refused: ' + result.as_text())
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--options', type=int, default=1000)
    parser.add_argument('--runs', type=int, default=30)
    parser.add_argument('--debounce', type=float, default=0.05)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory(prefix='bench-reload-') as workdir:
        lat = watch_latency(workdir, args.runs, args.debounce)
        _record.labels('Reloader.reload()', 'mutate_config_files()')
        _record.parameters(
            options=args.options,
            runs=args.runs,
            debounce_ms=args.debounce * 1000,
        )
        for stat, seconds in (
            ('median', statistics.median(lat)),
            ('p95', _percentile(lat, 95)),
        ):
            _record.figure(
                'watch',
                f'file save -> new value visible, {stat}',
                seconds * 1000,
                'ms',
                runs=len(lat),
                statistic=stat,
            )
        print(
            f'watch trigger, file save -> new value visible '
            f'(debounce {args.debounce * 1000:.0f} ms, {len(lat)} saves): '
            f'median {statistics.median(lat) * 1000:.1f} ms, '
            f'p95 {_percentile(lat, 95) * 1000:.1f} ms'
        )
        load_before = os.getloadavg()[0]
        cost = reload_cost(workdir, args.options, args.runs)
    base_runs = cost['mutate_config_files()']
    base = statistics.median(base_runs)
    print(
        f'\nreload of {args.options} options (10 changed per reload), '
        f'{args.runs} runs interleaved, medians; load average '
        f'{load_before:.2f} before, {os.getloadavg()[0]:.2f} after:'
    )
    for label, timings in cost.items():
        median = statistics.median(timings)
        # Per-run ratios against the mutate run of the same edit show the
        # noise: their interquartile range.
        ratios = sorted(t / b for t, b in zip(timings, base_runs, strict=True))
        low, high = _percentile(ratios, 25), _percentile(ratios, 75)
        _record.figure(
            'reload',
            label,
            median * 1000,
            'ms',
            upstream=base * 1000,
            ratio_spread=(low, high),
            runs=args.runs,
        )
        print(
            f'  {label:34s} {median * 1000:8.2f} ms  '
            f'ratio {median / base:5.2f}x  (per-run ratio IQR '
            f'{low:.2f}-{high:.2f})'
        )
    return 0


if __name__ == '__main__':
    sys.exit(main())
