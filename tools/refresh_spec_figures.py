#!/usr/bin/env python3
"""Write the figures of a benchmark record into the specs and the README.

    python tools/refresh_spec_figures.py benchmarks/results/latest.json
    python tools/refresh_spec_figures.py --check benchmarks/results/latest.json

A figure block in ``README.rst`` or ``specs/*.rst`` is everything between
two RST comments::

    .. benchmark-figures: BENCHMARK [GROUP]

    (generated: the command that prints the figures, when and where they
    were measured, and a table of them)

    .. end-benchmark-figures

BENCHMARK is a name of ``benchmarks/run.py``; GROUP picks one table of its
figures (all of them without it). The record is what
``benchmarks/run.py --record FILE`` writes. Only the blocks are rewritten;
the prose around them is left alone. ``--check`` rewrites nothing and
exits 1 if a block differs from the record.
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import json
import os
import re
import sys
import tempfile
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEGIN = re.compile(
    r'^\.\. benchmark-figures: (?P<name>\S+)(?: (?P<group>.+))?$'
)
END = '.. end-benchmark-figures'


class FigureError(Exception):
    """A block that cannot be rendered: names the file and line."""


@dataclasses.dataclass(frozen=True)
class Block:
    path: str
    line: int  # 1-based line of the opening comment
    benchmark: str
    group: str | None
    body: str  # the lines between the comments, as they are


def documents(root: str = ROOT) -> list[str]:
    """The files that may hold figure blocks, relative to ``root``."""
    return ['README.rst', *sorted(glob.glob('specs/*.rst', root_dir=root))]


def _split(path: str, text: str):
    """Yield ``('text', lines)`` and ``('block', Block)`` in order."""
    lines = text.split('\n')
    i = 0
    plain: list[str] = []
    while i < len(lines):
        match = BEGIN.match(lines[i].rstrip())
        if not match:
            if lines[i].startswith('.. benchmark-figures'):
                raise FigureError(
                    f'{path}:{i + 1}: malformed figure marker {lines[i]!r}'
                )
            if lines[i].rstrip() == END:
                raise FigureError(f'{path}:{i + 1}: {END} without a start')
            plain.append(lines[i])
            i += 1
            continue
        try:
            end = next(
                j for j in range(i + 1, len(lines)) if lines[j].rstrip() == END
            )
        except StopIteration:
            raise FigureError(
                f'{path}:{i + 1}: figure block not closed by {END}'
            ) from None
        nested = [j for j in range(i + 1, end) if BEGIN.match(lines[j])]
        if nested:
            raise FigureError(
                f'{path}:{nested[0] + 1}: figure block inside the block of '
                f'line {i + 1}'
            )
        plain.append(lines[i])
        yield 'text', plain
        plain = []
        yield (
            'block',
            Block(
                path,
                i + 1,
                match['name'],
                match['group'],
                '\n'.join(lines[i + 1 : end]),
            ),
        )
        plain.append(lines[end])
        i = end + 1
    yield 'text', plain


def blocks(path: str, text: str) -> list[Block]:
    return [item for kind, item in _split(path, text) if kind == 'block']


def _number(value: float, unit: str) -> str:
    if unit in ('count', 'calls/s', 'casts/s'):
        text = f'{value:,.0f}'
    elif unit == 'fraction':
        return f'{value:.3f}'
    elif unit == 'x':
        return f'{value:.2f}x'
    elif unit == '%':
        return f'{value:.1f} %'
    elif abs(value) >= 100:
        text = f'{value:,.0f}'
    elif abs(value) >= 10:
        text = f'{value:.1f}'
    elif abs(value) >= 1:
        text = f'{value:.2f}'
    else:  # three significant digits: 0.0123 ms
        text = f'{value:.3g}'
    return text if unit == 'count' else f'{text} {unit}'


def _value(figure: dict, key: str) -> str:
    value = figure.get(key)
    if value is None:
        return ''
    text = _number(value, figure['unit'])
    if figure.get('of') is not None:
        text += f' of {figure["of"]:,}'
    return text


def _ratio(figure: dict) -> str:
    ratio = figure.get('ratio')
    if ratio is None or figure['unit'] in ('count', 'fraction', '%'):
        return ''
    if 0 < ratio < 0.1:
        return f'1/{1 / ratio:,.0f}'
    return f'{ratio:.2f}'


def _spread(figure: dict) -> str:
    spread = figure.get('ratio_spread')
    return f'{spread[0]:.2f}-{spread[1]:.2f}' if spread else ''


def _statistic(figure: dict) -> str:
    if figure.get('runs') is None:
        return ''
    statistic = figure.get('statistic') or 'one run'
    if statistic == 'one run' or figure['runs'] == 1:
        return 'one run'
    return f'{statistic} of {figure["runs"]:,}'


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    """An RST simple table; empty columns are left out."""
    keep = [0] + [
        i for i in range(1, len(header)) if any(row[i] for row in rows)
    ]
    header = [header[i] for i in keep]
    rows = [[row[i] for i in keep] for row in rows]
    widths = [
        max(len(r[i]) for r in (header, *rows)) for i in range(len(keep))
    ]
    rule = '  '.join('=' * w for w in widths)

    def line(cells: list[str]) -> str:
        return '  '.join(
            c.ljust(w) for c, w in zip(cells, widths, strict=True)
        ).rstrip()

    return [rule, line(header), rule, *(line(r) for r in rows), rule]


def _parameter_name(key: str) -> str:
    """``debounce_ms`` reads 'debounce (ms)'."""
    for unit in ('ms', 's'):
        if key.endswith('_' + unit):
            return f'{key[: -len(unit) - 1].replace("_", " ")} ({unit})'
    return key.replace('_', ' ')


def _parameter(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int) or value.is_integer():
        return f'{value:,.0f}'
    return f'{value:g}'


def _load(values: list[float]) -> str:
    return f'{values[0]:.1f}'


def render(record: dict, benchmark: str, group: str | None, where: str) -> str:
    """The body of a figure block (between the two comments)."""
    entry = record.get('benchmarks', {}).get(benchmark)
    if entry is None:
        raise FigureError(
            f'{where}: benchmark {benchmark!r} is not in the record'
        )
    if not entry.get('command'):
        raise FigureError(
            f'{where}: the record has no command for {benchmark}'
        )
    figures = [
        f for f in entry.get('figures', []) if group in (None, f['group'])
    ]
    if not figures:
        groups = sorted({f['group'] for f in entry.get('figures', [])})
        raise FigureError(
            f'{where}: no figures of {benchmark!r} group {group!r} in the '
            f'record (groups: {", ".join(groups) or "none"})'
        )
    labels = entry.get('labels') or {}
    machine = record.get('machine', {})
    sentence = (
        f'Printed by ``{entry["command"]}`` (``{entry["script"]}``); '
        f'recorded {entry.get("date", record["date"])[:10]} on '
        f'{machine.get("cpus")} CPUs, load '
        f'average {_load(entry["load_before"])} before and '
        f'{_load(entry["load_after"])} after'
    )
    if entry.get('exit_status'):
        sentence += f', exit status {entry["exit_status"]}'
    # An entry re-recorded on its own (run.py --update) has its own note.
    note = entry.get('note', record.get('note'))
    if note:
        sentence += f' ({note})'
    header = [
        group or benchmark,
        labels.get('ours') or 'value',
        labels.get('upstream') or 'upstream',
        'ours/upstream',
        'per-run IQR',
        'statistic',
    ]
    rows = [
        [f['name'], _value(f, 'value'), _value(f, 'upstream'), _ratio(f)]
        + [_spread(f), _statistic(f)]
        for f in figures
    ]
    sentence += '.'
    if entry.get('parameters'):
        sentence += ' Sizes: ' + '; '.join(
            f'{_parameter_name(key)} {_parameter(value)}'
            for key, value in entry['parameters'].items()
        )
        sentence += '.'
    wrapped = textwrap.wrap(
        sentence, 79, break_long_words=False, break_on_hyphens=False
    )
    return '\n'.join(['', *wrapped, '', *_table(header, rows), ''])


def refresh(path: str, text: str, record: dict) -> str:
    """``text`` with every figure block rendered from ``record``."""
    parts: list[str] = []
    for kind, item in _split(path, text):
        if kind == 'text':
            parts.extend(item)
        else:
            where = f'{path}:{item.line}'
            parts.extend(
                render(record, item.benchmark, item.group, where).split('\n')
            )
    return '\n'.join(parts)


def _write(path: str, text: str) -> None:
    """Replace ``path`` atomically, keeping its mode."""
    mode = os.stat(path).st_mode
    fd, temp = tempfile.mkstemp(dir=os.path.dirname(path), prefix='.figures-')
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as stream:
            stream.write(text)
        os.chmod(temp, mode & 0o7777)
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('record', help='a benchmarks/run.py --record file')
    parser.add_argument(
        '--check',
        action='store_true',
        help='change nothing; exit 1 if a figure block differs',
    )
    parser.add_argument('--root', default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        with open(args.record, encoding='utf-8') as stream:
            record = json.load(stream)
    except (OSError, ValueError) as exc:
        parser.exit(2, f'{parser.prog}: cannot read {args.record}: {exc}\n')
    stale = []
    try:
        for name in documents(args.root):
            path = os.path.join(args.root, name)
            with open(path, encoding='utf-8') as stream:
                text = stream.read()
            new = refresh(name, text, record)
            if new != text:
                stale.append(name)
                if not args.check:
                    _write(path, new)
    except FigureError as exc:
        parser.exit(2, f'{parser.prog}: {exc}\n')
    for name in stale:
        print(f'{"stale" if args.check else "refreshed"}: {name}')
    return 1 if args.check and stale else 0


if __name__ == '__main__':
    sys.exit(main())
