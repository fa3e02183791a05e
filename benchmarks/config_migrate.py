#!/usr/bin/env python3
"""Benchmark: plan and apply a migration of a 5,000-line multi-file config.

A synthetic service has 40 groups of 25 options; a third of them have an old
name, some moved from ``[DEFAULT]``, some are multi-valued. Five files of
1,000 lines mix old names, new names, conflicts, comments and blank lines.

Compared in the same run, on the same files, against what oslo.config
itself does at service start: parse the files and read every option (the
reads are where it resolves deprecated names). Medians of several runs.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from unittest import mock

import _record
from oslo_config import cfg

from oslo_extras.config import migrate
from oslo_extras.config.catalog import OptionCatalog

GROUPS, OPTS_PER_GROUP, FILES, LINES_PER_FILE = 40, 25, 5, 1000
RUNS = 21


def service_opts() -> list[tuple[str, list[cfg.Opt]]]:
    out = []
    for g in range(GROUPS):
        opts = []
        for o in range(OPTS_PER_GROUP):
            kind = o % 6
            if kind == 0:
                opt = cfg.StrOpt(f'opt{o}', deprecated_name=f'old_opt{o}')
            elif kind == 1:
                opt = cfg.IntOpt(
                    f'opt{o}',
                    deprecated_name=f'g{g}_opt{o}',
                    deprecated_group='DEFAULT',
                )
            elif kind == 2:
                opt = cfg.MultiStrOpt(f'opt{o}', deprecated_name=f'm_opt{o}')
            elif kind == 3:
                opt = cfg.StrOpt(f'opt{o}', secret=True)
            else:
                opt = cfg.StrOpt(f'opt{o}')
            opts.append(opt)
        out.append((f'group{g}', opts))
    return out


def line_for(g: int, o: int, n: int) -> tuple[str, str]:
    """Return (section, line) for option o of group g, variant n."""
    kind = o % 6
    value = f'v{g}x{o}x{n}' if kind != 1 else str(n)
    if kind == 0:
        name = f'old_opt{o}' if n % 3 else f'opt{o}'
    elif kind == 1:
        return (
            ('DEFAULT', f'g{g}_opt{o} = {value}')
            if n % 2
            else (f'group{g}', f'opt{o} = {value}')
        )
    elif kind == 2:
        name = f'm_opt{o}' if n % 2 else f'opt{o}'
    else:
        name = f'opt{o}'
    return f'group{g}', f'{name} = {value}'


def write_files(root: str) -> list[str]:
    paths = []
    for f in range(FILES):
        sections: dict[str, list[str]] = {}
        count, n = 0, f
        while count < LINES_PER_FILE:
            g, o = n % GROUPS, (n * 7) % OPTS_PER_GROUP
            section, line = line_for(g, o, n)
            block = sections.setdefault(section, [])
            if n % 5 == 0:
                block.append(f'# note about {line.split(" ")[0]}')
                count += 1
            block.append(line)
            if n % 4 == 0:
                block.append('')
                count += 1
            count += 1
            n += FILES
        text = ''.join(
            f'[{name}]\n' + '\n'.join(lines) + '\n\n'
            for name, lines in sections.items()
        )
        path = os.path.join(root, f'{f:02d}.conf')
        with open(path, 'w') as stream:
            stream.write(text)
        paths.append(path)
    return paths


def oslo_config_read(opts, paths) -> None:
    conf = cfg.ConfigOpts()
    for group, group_opts in opts:
        conf.register_opts(group_opts, group=group)
    args = [a for p in paths for a in ('--config-file', p)]
    conf(args, project='bench', default_config_files=[])
    for group, group_opts in opts:
        node = conf[group]
        for opt in group_opts:
            getattr(node, opt.dest)


def oslo_config_parse(paths) -> None:
    for path in paths:
        cfg.ConfigParser(path, {}).parse()


def median_time(func, runs=RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    opts = service_opts()
    catalog = OptionCatalog()
    for group, group_opts in opts:
        catalog.add_opts(group, group_opts)
    root = tempfile.mkdtemp(prefix='bench-migrate-')
    try:
        paths = write_files(root)
        total = sum(len(open(p).read().splitlines()) for p in paths)
        migrator = migrate.Migrator(catalog, migrations=[])
        plan = migrator.plan(paths)
        edits = sum(c.edits for c in plan.all_changes())

        t_plan = median_time(lambda: migrator.plan(paths))

        def plan_and_apply():
            work = os.path.join(root, 'work')
            shutil.rmtree(work, ignore_errors=True)
            os.mkdir(work)
            copies = [shutil.copy(p, work) for p in paths]
            start = time.perf_counter()
            migrate.apply(
                migrator.plan(copies), state_dir=os.path.join(root, 'state')
            )
            return time.perf_counter() - start

        t_apply = statistics.median(plan_and_apply() for _ in range(RUNS))
        # oslo.config logs each deprecation; keep that out of the timing.
        with (
            mock.patch.object(cfg, 'oslo_log', None),
            mock.patch.object(cfg.LOG, 'warning'),
        ):
            t_read = median_time(lambda: oslo_config_read(opts, paths))
        t_parse = median_time(lambda: oslo_config_parse(paths))
    finally:
        shutil.rmtree(root)

    _record.labels('oslo-config-migrate', 'oslo.config parse + read')
    _record.parameters(
        files=len(paths),
        lines=total,
        options=GROUPS * OPTS_PER_GROUP,
        edits=edits,
        runs=RUNS,
    )
    _record.figure(
        'migrate',
        'plan (--check/--dry-run)',
        t_plan * 1000,
        'ms',
        upstream=t_read * 1000,
        runs=RUNS,
    )
    _record.figure(
        'migrate',
        'plan + apply (--in-place)',
        t_apply * 1000,
        'ms',
        upstream=t_read * 1000,
        runs=RUNS,
    )
    _record.figure(
        'migrate',
        'oslo.config parse only (no option read)',
        None,
        'ms',
        upstream=t_parse * 1000,
        runs=RUNS,
    )
    print(
        f'{len(paths)} files, {total} lines, '
        f'{GROUPS * OPTS_PER_GROUP} options, {edits} edits planned'
    )
    print(
        f'plan (oslo-config-migrate --check/--dry-run): '
        f'{t_plan * 1000:8.1f} ms'
    )
    print(
        f'plan + apply (--in-place, atomic writes):     '
        f'{t_apply * 1000:8.1f} ms'
    )
    print(
        f'oslo.config parse only (iniparser):           '
        f'{t_parse * 1000:8.1f} ms'
    )
    print(
        f'oslo.config parse + read every option:        '
        f'{t_read * 1000:8.1f} ms'
    )
    print(
        f'ratio plan / oslo.config parse+read:          '
        f'{t_plan / t_read:8.2f}x'
    )
    print(
        f'ratio plan+apply / oslo.config parse+read:    '
        f'{t_apply / t_read:8.2f}x'
    )
    return 0


if __name__ == '__main__':
    sys.exit(main())
