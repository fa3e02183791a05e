"""Machine-readable figures of a benchmark, beside its printed output.

Each benchmark script prints its figures for a person and also hands them
to :func:`figure`. When ``benchmarks/run.py --record FILE`` runs the script
it sets ``OSLO_EXTRAS_BENCH_FIGURES`` to a scratch file; each figure is
appended to it as one JSON line and ``run.py`` gathers them into the
record. Run by hand, without the variable, the calls do nothing: the
printed output is unchanged.

The record is what ``tools/refresh_spec_figures.py`` writes into the
specs and the README, so a figure a spec shows is one this module saw.
"""

from __future__ import annotations

import json
import math
import os

ENV = 'OSLO_EXTRAS_BENCH_FIGURES'

# Units the spec renderer knows how to print.
UNITS = frozenset(
    {'s', 'ms', 'µs', 'count', 'fraction', '%', 'calls/s', 'casts/s', 'x'}
)


def _append(entry: dict) -> None:
    path = os.environ.get(ENV)
    if not path:
        return
    # One short line per write with O_APPEND: child processes may share it.
    with open(path, 'a', encoding='utf-8') as stream:
        stream.write(json.dumps(entry, ensure_ascii=False) + '\n')


def _number(value: float | int, what: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f'{what} must be a number, not {value!r}')
    if not math.isfinite(value):
        raise ValueError(f'{what} must be finite, not {value!r}')
    return value


def labels(ours: str, upstream: str | None = None) -> None:
    """Name the two sides compared (e.g. 'oslo-config-check' and
    'oslo-config-validator'); the spec tables use them as headings."""
    _append({'kind': 'labels', 'ours': ours, 'upstream': upstream})


def parameters(**values: object) -> None:
    """Sizes and settings of this run (options, files, rounds...)."""
    _append({'kind': 'parameters', 'values': values})


def figure(
    group: str,
    name: str,
    value: float | int | None,
    unit: str,
    *,
    upstream: float | int | None = None,
    of: int | None = None,
    ratio_spread: tuple[float, float] | None = None,
    runs: int | None = None,
    statistic: str | None = 'median',
) -> None:
    """One figure: ``value`` of ours, and ``upstream``'s on the same work.

    ``group`` is the part of the benchmark (one spec table each), ``name``
    the row. ``ratio`` (ours / upstream) is derived here so every reader
    computes it the same way; ``value`` is ``None`` for a figure of
    upstream's alone. ``of`` is the total a count is out of
    (faults found of faults injected). ``ratio_spread`` is the
    interquartile range of per-run ratios, where the runs pair up.
    ``runs`` and ``statistic`` say what the value summarises (``None`` for
    a plain count).
    """
    if value is None and upstream is None:
        raise ValueError(f'{name}: neither value nor upstream')
    if unit not in UNITS:
        raise ValueError(f'unknown unit {unit!r} (one of {sorted(UNITS)})')
    entry: dict = {
        'kind': 'figure',
        'group': group,
        'name': name,
        'value': None if value is None else _number(value, name),
        'unit': unit,
        'runs': runs,
        'statistic': statistic if runs is not None else None,
    }
    if of is not None:
        entry['of'] = _number(of, name)
    if upstream is not None:
        entry['upstream'] = _number(upstream, name)
        ratio = value / upstream if value is not None and upstream else None
        entry['ratio'] = ratio
    if ratio_spread is not None:
        low, high = ratio_spread
        entry['ratio_spread'] = [_number(low, name), _number(high, name)]
    _append(entry)


def read(path: str) -> dict:
    """What a script emitted: ``{'labels', 'parameters', 'figures'}``."""
    result: dict = {'labels': {}, 'parameters': {}, 'figures': []}
    if not os.path.exists(path):
        return result
    with open(path, encoding='utf-8') as stream:
        for line in stream:
            if not line.strip():
                continue
            entry = json.loads(line)
            kind = entry.pop('kind')
            if kind == 'labels':
                result['labels'] = entry
            elif kind == 'parameters':
                result['parameters'].update(entry['values'])
            else:
                result['figures'].append(entry)
    return result
