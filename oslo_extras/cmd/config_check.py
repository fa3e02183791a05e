"""``oslo-config-check``: strict validation of a service's config files.

Accepts ``oslo-config-validator``'s flags and adds config dirs, several
files, type/range/choice checks, suggestions and JSON output. Exit status:
0 no error, 1 errors (or warnings with ``--fatal-warnings``), 2 bad usage or
unreadable input.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence

import yaml

from oslo_extras import _suggest
from oslo_extras._fileutils import atomic_write
from oslo_extras.cmd._common import EXIT_FINDINGS
from oslo_extras.cmd._common import EXIT_OK
from oslo_extras.cmd._common import EXIT_USAGE
from oslo_extras.cmd._common import Parser
from oslo_extras.cmd._common import UsageError
from oslo_extras.cmd._common import add_catalog_arguments
from oslo_extras.cmd._common import add_config_path_arguments
from oslo_extras.cmd._common import add_version_argument
from oslo_extras.cmd._common import config_paths
from oslo_extras.cmd._common import load_catalog
from oslo_extras.cmd._common import run_main
from oslo_extras.cmd._common import with_progress
from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.catalog.opt_data import catalog_to_data
from oslo_extras.config.checks.defaults import DEFAULT_EXCLUDED_OPTIONS
from oslo_extras.config.configset import DIR
from oslo_extras.config.configset import FILE
from oslo_extras.config.configset import ConfigSet
from oslo_extras.config.findings import Finding
from oslo_extras.config.inifile import ConfigFileError
from oslo_extras.config.validate import CHECK_FAILED
from oslo_extras.config.validate import PARSE_ERROR
from oslo_extras.config.validate import Validator
from oslo_extras.config.validate import known_codes
from oslo_extras.config.validate import load_checks

PROG = 'oslo-config-check'


def _codes(values: list[str]) -> list[str]:
    return [c.strip() for v in values for c in v.split(',') if c.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG,
        description='Check config files against the options a service '
        'knows: unknown groups and options (with suggestions), values of '
        'the wrong type or out of range, required options, deprecated '
        'names, duplicates and group-name case.',
        epilog='Exit status: 0 no error, 1 errors found (or warnings with '
        '--fatal-warnings), 2 bad usage or unreadable input.',
    )
    add_version_argument(parser)
    add_catalog_arguments(parser)
    what = parser.add_argument_group('what to check')
    add_config_path_arguments(what, aliases=['--input-file'])
    what.add_argument(
        '--each',
        nargs='+',
        action='extend',
        default=[],
        metavar='PATH',
        help='check each PATH (a config file, or a dir of .conf files) as '
        'an independent config set, e.g. one per host, with one catalog; '
        'findings name their set; the exit status is the worst',
    )
    parser.add_argument(
        '--export-opt-data',
        metavar='FILE',
        help='write the catalog (from --namespace/--opt-data) as '
        'oslo-config-generator --format yaml data that --opt-data reads '
        'back with nothing lost (JSON when FILE ends in .json, - for '
        'stdout), then exit',
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
        '--nofatal-warnings',
        action='store_false',
        dest='fatal_warnings',
        help='exit 0 on warnings (the default; as oslo-config-validator)',
    )
    out.add_argument(
        '--check-defaults',
        action='store_true',
        help='also warn about every value that differs from its default '
        '(non-default), as oslo-config-validator --check-defaults',
    )
    out.add_argument(
        '--exclude-options',
        action='append',
        default=None,
        metavar='REGEX',
        help='option names (full regex match, repeatable or '
        'comma-separated) --check-defaults skips; default: '
        + ', '.join(DEFAULT_EXCLUDED_OPTIONS),
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


def _summary(findings: list[Finding]) -> str:
    errors = sum(f.is_error for f in findings)
    return f'{errors} error(s), {len(findings) - errors} warning(s)'


def _report(findings: list[Finding], fmt: str) -> None:
    if fmt == 'json':
        json.dump([f.as_dict() for f in findings], sys.stdout, indent=2)
        sys.stdout.write('\n')
        return
    for finding in findings:
        print(finding.as_text())
    print(_summary(findings), file=sys.stderr)


def _report_sets(results: list[tuple[str, list[Finding]]], fmt: str) -> None:
    """Report ``--each``: JSON objects gain ``config_set``; text gets a
    ``== SET ==`` line before the findings of each set that has some."""
    if fmt == 'json':
        objects = [
            {**f.as_dict(), 'config_set': name}
            for name, findings in results
            for f in findings
        ]
        json.dump(objects, sys.stdout, indent=2)
        sys.stdout.write('\n')
        return
    for name, findings in results:
        if findings:
            print(f'== {name} ==')
        for finding in findings:
            print(finding.as_text())
        print(f'{name}: {_summary(findings)}', file=sys.stderr)
    every = [f for _name, findings in results for f in findings]
    print(f'{len(results)} config set(s): {_summary(every)}', file=sys.stderr)


def _checked_codes(values: list[str], flag: str, known: set[str]) -> list[str]:
    """The codes of ``--select``/``--ignore``; a UsageError for a typo.

    A misspelt code would otherwise select nothing and pass every file.
    """
    codes = _codes(values)
    for code in codes:
        if code not in known:
            close = _suggest.suggest(code, sorted(known))
            hint = f" (did you mean '{close[0]}'?)" if close else ''
            raise UsageError(f'{flag}: unknown code {code!r}{hint}')
    return codes


def _option_patterns(values: list[str] | None) -> list[str]:
    if values is None:
        return list(DEFAULT_EXCLUDED_OPTIONS)
    patterns = _codes(values)
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise UsageError(
                f'--exclude-options: bad regex {pattern!r}: {exc}'
            ) from None
    return patterns


def run(args: argparse.Namespace) -> int:
    checks = load_checks()
    if args.list_checks:
        for check in checks:
            print(f'{type(check).__name__}: {", ".join(check.codes)}')
        return EXIT_OK
    known = known_codes(checks) | {PARSE_ERROR, CHECK_FAILED}
    select = _checked_codes(args.select, '--select', known)
    ignore = _checked_codes(args.ignore, '--ignore', known)
    exclude_options = _option_patterns(args.exclude_options)
    if args.export_opt_data:
        return _export(load_catalog(args), args.export_opt_data)
    if args.each and getattr(args, 'ordered', None):
        raise UsageError(
            '--each cannot be combined with --config-file or --config-dir'
        )
    sets = (
        [
            (path, [(DIR if os.path.isdir(path) else FILE, path)])
            for path in args.each
        ]
        if args.each
        else [('', config_paths(args))]
    )
    catalog = load_catalog(args)
    validator = Validator(
        catalog,
        checks=checks,
        select=select,
        ignore=ignore,
        exclude_groups=args.exclude_group,
        check_defaults=args.check_defaults,
        exclude_options=exclude_options,
    )
    if not args.each:
        findings = _check_set(validator, sets[0][1])
        _report(findings, args.format)
        return _status(findings, args.fatal_warnings)
    results = []
    worst = EXIT_OK
    for name, ordered in with_progress(
        sets, 'checking', describe=lambda config_set: config_set[0]
    ):
        try:
            findings = _check_set(validator, ordered)
        except UsageError as exc:
            print(f'{PROG}: error: {name}: {exc}', file=sys.stderr)
            worst = EXIT_USAGE
            continue
        results.append((name, findings))
        worst = max(worst, _status(findings, args.fatal_warnings))
    _report_sets(results, args.format)
    return worst


def _check_set(
    validator: Validator, ordered: list[tuple[str, str]]
) -> list[Finding]:
    """Validate one config set; UsageError when it holds no file."""
    try:
        if not ConfigSet.expand(ordered):
            # Checking nothing must not pass a CI job.
            raise UsageError('no config files found (empty --config-dir?)')
    except ConfigFileError:
        pass  # validate() reports it as a parse-error finding
    return validator.validate(ordered=ordered)


def _status(findings: list[Finding], fatal_warnings: bool) -> int:
    unreadable = [f for f in findings if f.code == PARSE_ERROR]
    if unreadable:
        print(f'{PROG}: error: {unreadable[0].as_text()}', file=sys.stderr)
        return EXIT_USAGE
    if any(f.is_error for f in findings):
        return EXIT_FINDINGS
    if fatal_warnings and findings:
        return EXIT_FINDINGS
    return EXIT_OK


def _export(catalog: OptionCatalog, path: str) -> int:
    """Write ``catalog`` as generator data to ``path`` (``-``: stdout)."""
    data = catalog_to_data(catalog)
    if path.endswith('.json'):
        text = json.dumps(data, indent=1, default=str) + '\n'
    else:
        text = yaml.safe_dump(data, default_flow_style=False, sort_keys=False)
    if path == '-':
        sys.stdout.write(text)
        return EXIT_OK
    try:
        atomic_write(path, text)
    except OSError as exc:
        raise UsageError(
            f'--export-opt-data: {path}: {exc.strerror}'
        ) from None
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    return run_main(PROG, build_parser(), run, argv)


if __name__ == '__main__':
    sys.exit(main())
