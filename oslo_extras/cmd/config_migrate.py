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
from oslo_extras.cmd._common import Progress
from oslo_extras.cmd._common import UsageError
from oslo_extras.cmd._common import add_catalog_arguments
from oslo_extras.cmd._common import add_config_path_arguments
from oslo_extras.cmd._common import add_version_argument
from oslo_extras.cmd._common import config_paths
from oslo_extras.cmd._common import load_catalog
from oslo_extras.cmd._common import run_main
from oslo_extras.config import migrate
from oslo_extras.config.migrate.history import ReleaseCatalog
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
        help='write the migrated file to PATH; with several files (or a '
        'PATH ending in /) a directory, created if needed, that mirrors '
        "the files' paths below their common parent",
    )
    mode.add_argument(
        '--rollback',
        action='store_true',
        help='restore the files the last --in-place run changed (from the '
        'journal in --state-dir), then exit',
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
        '--state-dir',
        metavar='DIR',
        help='where --in-place keeps its journal and copies of the '
        'originals for --rollback (default: $XDG_STATE_HOME/'
        'oslo-config-migrate or ~/.local/state/oslo-config-migrate)',
    )
    opts.add_argument(
        '--remove-obsolete',
        action='store_true',
        help='delete options that past releases removed and the installed '
        'code no longer reads (reported otherwise); options deprecated for '
        'removal but still read are never deleted',
    )
    opts.add_argument(
        '--from-release',
        metavar='SERIES',
        help='the release the files were written for (e.g. queens): only '
        'renames and removals of later releases are applied',
    )
    opts.add_argument(
        '--to-release',
        metavar='SERIES',
        help='only renames and removals up to this release are applied',
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


def output_paths(paths: Sequence[str], output: str) -> list[str]:
    """Return where ``--output`` puts each migrated file.

    One file goes to ``output`` itself unless it is a directory (or ends
    with ``/``); several files mirror their paths below their common
    parent, so ``svc.conf`` and ``svc.conf.d/svc.conf`` stay apart.
    """
    as_dir = os.path.isdir(output) or output.endswith(os.sep)
    if len(paths) == 1 and not as_dir:
        targets = [output]
    elif len(paths) == 1:
        targets = [os.path.join(output, os.path.basename(paths[0]))]
    else:
        real = [os.path.abspath(p) for p in paths]
        root = os.path.commonpath([os.path.dirname(p) for p in real])
        targets = [
            os.path.join(output, os.path.relpath(p, root)) for p in real
        ]
    inputs = {os.path.realpath(p) for p in paths}
    for target in targets:
        if os.path.realpath(target) in inputs:
            raise UsageError(
                f'--output {output}: would overwrite the input {target}; '
                'use --in-place for that'
            )
    return targets


def _write_output(plan: migrate.MigrationPlan, output: str) -> list[str]:
    targets = output_paths([f.path for f in plan.files], output)
    return migrate.write_outputs(
        [
            (path, f.migrated)
            for f, path in zip(plan.files, targets, strict=True)
        ]
    )


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
    if args.rollback:
        try:
            restored = migrate.rollback(args.state_dir)
        except migrate.MigrationError as exc:
            raise UsageError(str(exc))
        print(
            'restored: ' + (', '.join(restored) or 'nothing (unchanged)'),
            file=sys.stderr,
        )
        return EXIT_OK
    ordered = config_paths(args)
    if args.state_dir and not args.in_place:
        raise UsageError('--state-dir only makes sense with --in-place')
    if args.backup_suffix and not args.in_place:
        raise UsageError('--backup-suffix only makes sense with --in-place')
    catalog = load_catalog(args)
    try:
        plugins = load_migrations(args.migration)
    except KeyError as exc:
        raise UsageError(exc.args[0])
    try:
        history = ReleaseCatalog.load(
            from_release=args.from_release,
            to_release=args.to_release,
            namespaces=args.namespace or None,
        )
    except ValueError as exc:
        raise UsageError(f'--from-release/--to-release: {exc}')
    try:
        paths = migrate.expand_sources(ordered)
        if not paths:
            raise UsageError('no config files found (empty --config-dir?)')
        migrator = migrate.Migrator(
            catalog,
            plugins,
            remove_obsolete=args.remove_obsolete,
            history=history,
        )
        with Progress('migrating', len(paths)) as progress:
            plan = migrator.plan(paths, on_file=progress.update)
        written: list[str] = []
        if args.in_place:
            written = migrate.apply(
                plan,
                backup_suffix=args.backup_suffix,
                state_dir=args.state_dir,
            )
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
