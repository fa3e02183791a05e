#!/usr/bin/env python3
"""Precision and recall of oslo-config-check and oslo-config-validator.

    python benchmarks/config_check_corpus.py

Needs the real-world tier's services (``python3 run.py realworld`` installs
them). Runs both tools over the corpus of ``tests/realworld/config_check``
(real deployment files, valid for the services installed from PyPI) and
over the same files with injected mistakes (one per copy: misspelt option
or group, option in the wrong group, bad integer, out-of-range integer, bad
boolean, bad choice), one process per service, and prints one table:

* on the valid files, true findings are the errors ``expected.yaml``
  accepts (options removed upstream...), false findings every other error;
* an injected fault is found when ``oslo-config-check`` reports it at its
  line with the right code and suggestion, or when
  ``oslo-config-validator`` (which prints no line) names its group and
  option;
* precision = true / (true + false) over both, recall = faults found /
  faults injected.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import _record  # noqa: E402

from tests.realworld.config_check import corpus  # noqa: E402

SERVICES = ('nova', 'cinder', 'glance', 'keystone', 'neutron')


def _worker(service: str) -> dict:
    proc = subprocess.run(
        [
            sys.executable,
            '-m',
            'tests.realworld.config_check.worker',
            service,
            '--upstream',
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)


def _ours(items, results) -> dict:
    true = false = found = faults = 0
    for item in items:
        result = results[item.name]
        accepted = {(a.line, a.code) for a in item.accepted}
        for f in result['library']:
            if f['severity'] != 'error':
                continue
            if (f['line'], f['code']) in accepted:
                true += 1
            else:
                false += 1
        faults += len(result['faults'])
        found += sum(f['found'] for f in result['faults'])
    return _row(true, false, found, faults)


def _accepted_names(item, result) -> set[tuple[str, str | None]]:
    """(group, option) of the accepted findings; option None: a group."""
    accepted = {(a.line, a.code) for a in item.accepted}
    return {
        (f['group'], f['option'])
        for f in result['library']
        if (f['line'], f['code']) in accepted
    }


def _upstream(items, results) -> dict:
    true = false = found = faults = 0
    for item in items:
        result = results[item.name]
        accepted = _accepted_names(item, result)
        baseline = {tuple(e) for e in result['upstream']}
        for group, option in baseline:
            if (group, option) in accepted or (group, None) in accepted:
                true += 1
            else:
                false += 1
        for fault in result['faults']:
            faults += 1
            new = {tuple(e) for e in fault['upstream']} - baseline
            found += any(
                group == fault['group']
                and (fault['option'] is None or option == fault['option'])
                for group, option in new
            )
    return _row(true, false, found, faults)


def _row(true: int, false: int, found: int, faults: int) -> dict:
    tp = true + found
    return {
        'true': true,
        'false': false,
        'found': found,
        'faults': faults,
        'precision': tp / (tp + false) if tp + false else 1.0,
        'recall': found / faults if faults else 1.0,
    }


def _by_kind(items, results) -> list[tuple[str, int, int, int]]:
    rows = []
    for kind in corpus.KINDS:
        ours = theirs = total = 0
        for item in items:
            result = results[item.name]
            baseline = {tuple(e) for e in result['upstream']}
            for fault in result['faults']:
                if fault['kind'] != kind:
                    continue
                total += 1
                ours += fault['found']
                new = {tuple(e) for e in fault['upstream']} - baseline
                theirs += any(
                    g == fault['group']
                    and (fault['option'] is None or o == fault['option'])
                    for g, o in new
                )
        rows.append((kind, total, ours, theirs))
    return rows


def main() -> int:
    items = corpus.load()
    results: dict = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for part in pool.map(_worker, SERVICES):
            results.update(part)
    services = sorted({i.service for i in items})
    print(
        f'corpus: {len(items)} valid files of {", ".join(services)}; '
        f'{sum(len(r["faults"]) for r in results.values())} injected faults'
    )
    print()
    header = (
        'tool',
        'valid: true errors',
        'valid: false errors',
        'faults found',
        'precision',
        'recall',
    )
    rows = []
    ours_stats = _ours(items, results)
    theirs_stats = _upstream(items, results)
    kinds = _by_kind(items, results)
    for name, stats in (
        ('oslo-config-check', ours_stats),
        ('oslo-config-validator', theirs_stats),
    ):
        rows.append(
            (
                name,
                str(stats['true']),
                str(stats['false']),
                f'{stats["found"]} / {stats["faults"]}',
                f'{stats["precision"]:.3f}',
                f'{stats["recall"]:.3f}',
            )
        )
    _print_table(header, rows)
    _emit(ours_stats, theirs_stats, kinds, len(items))
    print()
    _print_table(
        (
            'fault kind',
            'injected',
            'oslo-config-check',
            'oslo-config-validator',
        ),
        [(k, str(t), str(o), str(u)) for k, t, o, u in kinds],
    )
    return 0


def _emit(ours: dict, theirs: dict, kinds, files: int) -> None:
    """The figures of both tables, for benchmarks/run.py --record."""
    _record.labels('oslo-config-check', 'oslo-config-validator')
    _record.parameters(
        files=files, services=len(SERVICES), faults=ours['faults']
    )
    for name, key in (
        ('valid files: true errors', 'true'),
        ('valid files: false errors', 'false'),
    ):
        _record.figure(
            'corpus', name, ours[key], 'count', upstream=theirs[key]
        )
    _record.figure(
        'corpus',
        'injected faults found',
        ours['found'],
        'count',
        upstream=theirs['found'],
        of=ours['faults'],
        runs=None,
    )
    for key in ('precision', 'recall'):
        _record.figure(
            'corpus',
            key,
            ours[key],
            'fraction',
            upstream=theirs[key],
            runs=None,
        )
    for kind, total, found_ours, found_theirs in kinds:
        _record.figure(
            'fault kinds',
            kind,
            found_ours,
            'count',
            upstream=found_theirs,
            of=total,
            runs=None,
        )


def _print_table(header, rows) -> None:
    """An RST simple table."""
    widths = [
        max(len(r[i]) for r in (header, *rows)) for i in range(len(header))
    ]
    rule = '  '.join('=' * w for w in widths)
    print(rule)
    cells = (h.ljust(w) for h, w in zip(header, widths, strict=True))
    print('  '.join(cells).rstrip())
    print(rule)
    for row in rows:
        cells = (c.ljust(w) for c, w in zip(row, widths, strict=True))
        print('  '.join(cells).rstrip())
    print(rule)


if __name__ == '__main__':
    sys.exit(main())
