"""``oslo-config-migrate``: move deprecated options to their new names.

Plans the migration from the options' deprecation metadata (and the
``oslo_extras.config.migrations`` plugins) and shows it as a unified diff
(``--dry-run``, the default), writes it (``--in-place``, ``--output``) or
fails a CI job when anything is left to do (``--check``). Exit status: 0
done / nothing to do, 1 ``--check`` found work, 2 bad usage or unreadable
input (nothing written).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from oslo_extras.cmd._common import EXIT_FINDINGS
from oslo_extras.cmd._common import EXIT_OK
from oslo_extras.cmd._common import Parser
from oslo_extras.cmd._common import UsageError
from oslo_extras.cmd._common import add_catalog_arguments
from oslo_extras.cmd._common import add_config_path_arguments
from oslo_extras.cmd._common import add_version_argument
from oslo_extras.cmd._common import config_paths
from oslo_extras.cmd._common import load_catalog
from oslo_extras.cmd._common import run_main
from oslo_extras.config import migrate
from oslo_extras.config.migrate.plugins import load_migrations

PROG = 'oslo-config-migrate'


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG,
        description='Migrate config files written for older releases: '
        'renamed and moved options get their new names (comments travel '
        'with them, the rest of the file is kept byte for byte), conflicts '
        'keep the value oslo.config uses today, options deprecated for '
        'removal and unknown options are reported, and plugins fold '
        'complex cases (rabbit_* into transport_url, keystone auth_uri).',
        epilog='Exit status: 0 ok, 1 --check found something to migrate '
        '(or a step to do by hand), 2 bad usage or unreadable input.',
    )
    add_version_argument(parser)
    add_catalog_arguments(parser)
    add_config_path_arguments(parser.add_argument_group('what to migrate'))
    mode = parser.add_argument_group(
        'what to do'
    ).add_mutually_exclusive_group()
    mode.add_argument(
        '--dry-run',
        action='store_true',
        help='print a unified diff, secrets masked (the default)',
    )
    mode.add_argument(
        '--in-place',
        action='store_true',
        help='rewrite the files atomically, keeping mode and owner',
    )
    mode.add_argument(
        '--output',
        metavar='PATH',
        help='write the migrated file to PATH (a directory when several '
        'files are migrated)',
    )
    mode.add_argument(
        '--check',
        action='store_true',
        help='exit 1 if anything would change or needs doing by hand '
        '(for CI before an upgrade)',
    )
    opts = parser.add_argument_group('behaviour')
    opts.add_argument(
        '--backup-suffix',
        metavar='SUFFIX',
        help='with --in-place, keep the old file as FILE+SUFFIX',
    )
    opts.add_argument(
        '--remove-obsolete',
        action='store_true',
        help='delete options deprecated for removal (only reported otherwise)',
    )
    opts.add_argument(
        '--migration',
        action='append',
        default=None,
        metavar='NAME',
        help='run only these migration plugins (repeatable; default all)',
    )
    opts.add_argument(
        '--list-migrations',
        action='store_true',
        help='list the installed migration plugins, then exit',
    )
    opts.add_argument(
        '--format',
        choices=('text', 'json'),
        default='text',
        help='text: the diff on stdout, one line per change on stderr; '
        'json: {changed, files, changes: [{kind, file, line, old_group, '
        'old_name, new_group, new_name, plugin, message}], diff}',
    )
    return parser


def _write_output(plan: migrate.MigrationPlan, output: str) -> list[str]:
    if len(plan.files) == 1 and not os.path.isdir(output):
        targets = [(plan.files[0], output)]
    elif os.path.isdir(output):
        targets = [
            (f, os.path.join(output, os.path.basename(f.path)))
            for f in plan.files
        ]
    else:
        raise UsageError(
            f'--output {output}: several files are migrated, give an '
            'existing directory'
        )
    for file_plan, path in targets:
        migrate.write(path, file_plan.migrated)
    return [path for _f, path in targets]


def _report(plan: migrate.MigrationPlan, args, written: list[str]) -> None:
    changes = plan.all_changes()
    if args.format == 'json':
        data = plan.to_dict()
        data['diff'] = plan.diff()
        data['written'] = written
        for change in data['changes']:
            change['message'] = plan.mask(change['message'])
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write('\n')
        return
    if not (args.in_place or args.output or args.check):
        sys.stdout.write(plan.diff())
    for change in changes:
        print(plan.mask(str(change)), file=sys.stderr)
    edits = sum(c.edits for c in changes)
    manual = sum(c.kind == 'manual' for c in changes)
    changed = sum(f.changed for f in plan.files)
    summary = f'{edits} change(s) in {changed} file(s), {manual} to do by hand'
    if written:
        summary += '; written: ' + ', '.join(written)
    print(summary, file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    if args.list_migrations:
        for plugin in load_migrations():
            print(f'{plugin.name}: {plugin.description}')
        return EXIT_OK
    ordered = config_paths(args)
    if args.backup_suffix and not args.in_place:
        raise UsageError('--backup-suffix only makes sense with --in-place')
    catalog = load_catalog(args)
    try:
        plugins = load_migrations(args.migration)
    except KeyError as exc:
        raise UsageError(exc.args[0])
    try:
        paths = migrate.expand_sources(ordered)
        if not paths:
            raise UsageError('no config files found (empty --config-dir?)')
        migrator = migrate.Migrator(
            catalog, plugins, remove_obsolete=args.remove_obsolete
        )
        plan = migrator.plan(paths)
        written: list[str] = []
        if args.in_place:
            written = migrate.apply(plan, backup_suffix=args.backup_suffix)
        elif args.output:
            written = _write_output(plan, args.output)
    except migrate.MigrationError as exc:
        raise UsageError(str(exc))
    _report(plan, args, written)
    if args.check and (
        plan.changed or any(c.kind == 'manual' for c in plan.all_changes())
    ):
        return EXIT_FINDINGS
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    return run_main(PROG, build_parser(), run, argv)


if __name__ == '__main__':
    sys.exit(main())
