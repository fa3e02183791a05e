"""``oslo-config-check``: strict validation of a service's config files.

Accepts ``oslo-config-validator``'s flags and adds config dirs, several
files, type/range/choice checks, suggestions and JSON output. Exit status:
0 no error, 1 errors (or warnings with ``--fatal-warnings``), 2 bad usage or
unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence

from oslo_extras.config.catalog import CatalogError
from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.configset import DIR
from oslo_extras.config.configset import FILE
from oslo_extras.config.findings import Finding
from oslo_extras.config.validate import PARSE_ERROR
from oslo_extras.config.validate import Validator
from oslo_extras.config.validate import load_checks

PROG = 'oslo-config-check'
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad arguments or unreadable input: exit 2 with one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, never the whole usage
        raise UsageError(message)


class _Ordered(argparse.Action):
    """Keep --config-file and --config-dir in command-line order."""

    def __call__(self, parser, namespace, values, option_string=None):
        ordered = getattr(namespace, 'ordered', None) or []
        kind = DIR if option_string == '--config-dir' else FILE
        ordered.append((kind, values))
        namespace.ordered = ordered


def _codes(values: list[str]) -> list[str]:
    return [c.strip() for v in values for c in v.split(',') if c.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description='Check config files against the options a service '
        'knows: unknown groups and options (with suggestions), values of '
        'the wrong type or out of range, required options, deprecated '
        'names, duplicates and group-name case.',
        epilog='Exit status: 0 no error, 1 errors found (or warnings with '
        '--fatal-warnings), 2 bad usage or unreadable input.',
    )
    src = parser.add_argument_group('where the options come from')
    src.add_argument(
        '--namespace',
        action='append',
        default=[],
        metavar='NS',
        help='an oslo.config.opts namespace, as for oslo-config-generator '
        '(repeatable)',
    )
    src.add_argument(
        '--opt-data',
        action='append',
        default=[],
        metavar='FILE',
        help='oslo-config-generator --format yaml|json output (repeatable)',
    )
    src.add_argument(
        '--group-pattern',
        action='append',
        default=[],
        metavar='PATTERN=GROUP',
        help="sections matching PATTERN take GROUP's options, for dynamic "
        "sections (e.g. 'backend_*=backend_defaults')",
    )
    files = parser.add_argument_group('what to check')
    for flag, helptext in (
        ('--config-file', 'a config file (repeatable; later wins)'),
        ('--input-file', 'same as --config-file (oslo-config-validator)'),
        ('--config-dir', 'a config dir: its *.conf files, sorted'),
    ):
        files.add_argument(
            flag,
            action=_Ordered,
            dest='ordered',
            metavar='PATH',
            help=helptext,
        )
    out = parser.add_argument_group('what to report')
    out.add_argument(
        '--exclude-group',
        action='append',
        default=[],
        metavar='GROUP',
        help='do not check this group (repeatable)',
    )
    out.add_argument(
        '--select',
        action='append',
        default=[],
        metavar='CODE',
        help='report only these codes (repeatable or comma-separated)',
    )
    out.add_argument(
        '--ignore',
        action='append',
        default=[],
        metavar='CODE',
        help='never report these codes (repeatable or comma-separated)',
    )
    out.add_argument(
        '--fatal-warnings',
        action='store_true',
        help='exit 1 on warnings too',
    )
    out.add_argument(
        '--format',
        choices=('text', 'json'),
        default='text',
        help='text: FILE:LINE: [group] option: message; json: a list of '
        'objects with severity, code, file, line, group, option, message, '
        'suggestion',
    )
    out.add_argument(
        '--list-checks',
        action='store_true',
        help='list the installed checks and their codes, then exit',
    )
    return parser


def load_catalog(
    namespaces: Sequence[str],
    opt_data: Sequence[str],
    group_patterns: Sequence[str] = (),
) -> OptionCatalog:
    """Build the catalog the options come from; UsageError when it can't."""
    if not namespaces and not opt_data:
        raise UsageError('give at least one --namespace or --opt-data')
    try:
        with warnings.catch_warnings():
            # Libraries warn on import (eventlet...); not the user's concern.
            warnings.simplefilter('ignore')
            catalog = OptionCatalog.from_namespaces(namespaces)
            for path in opt_data:
                catalog.merge(OptionCatalog.from_opt_data(path))
    except CatalogError as exc:
        raise UsageError(str(exc))
    for spec in group_patterns:
        pattern, sep, template = spec.partition('=')
        if not sep or not pattern or not template:
            raise UsageError(f'--group-pattern wants PATTERN=GROUP: {spec!r}')
        if template not in catalog:
            raise UsageError(f'--group-pattern: unknown group {template!r}')
        catalog.add_group_pattern(pattern, template)
    return catalog


def _report(findings: list[Finding], fmt: str) -> None:
    if fmt == 'json':
        json.dump([f.as_dict() for f in findings], sys.stdout, indent=2)
        sys.stdout.write('\n')
        return
    for finding in findings:
        print(finding.as_text())
    errors = sum(f.is_error for f in findings)
    warns = len(findings) - errors
    print(f'{errors} error(s), {warns} warning(s)', file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    if args.list_checks:
        for check in load_checks():
            print(f'{type(check).__name__}: {", ".join(check.codes)}')
        return EXIT_OK
    if not getattr(args, 'ordered', None):
        raise UsageError('give at least one --config-file or --config-dir')
    catalog = load_catalog(args.namespace, args.opt_data, args.group_pattern)
    validator = Validator(
        catalog,
        select=_codes(args.select),
        ignore=_codes(args.ignore),
        exclude_groups=args.exclude_group,
    )
    findings = validator.validate(ordered=args.ordered)
    _report(findings, args.format)
    unreadable = [f for f in findings if f.code == PARSE_ERROR]
    if unreadable:
        print(f'{PROG}: error: {unreadable[0].as_text()}', file=sys.stderr)
        return EXIT_USAGE
    if any(f.is_error for f in findings):
        return EXIT_FINDINGS
    if args.fatal_warnings and findings:
        return EXIT_FINDINGS
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return run(args)
    except UsageError as exc:
        print(f'{PROG}: error: {exc}', file=sys.stderr)
        return EXIT_USAGE


if __name__ == '__main__':
    sys.exit(main())
