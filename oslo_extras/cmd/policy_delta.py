"""``oslo-policy-delta``: manage only the operator's delta over defaults.

Subcommands: ``effective``, ``minimize``, ``diff``, ``lint``, ``snapshot``,
``test`` and ``explain``. Exit status: 0 ok, 1 findings (lint errors, or
warnings with ``--fatal-warnings``; diff changes that touch an override;
minimize refused because of a syntax error or because it could not prove
every decision unchanged; a persona matrix mismatch), 2 bad usage or
unreadable input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from oslo_extras import _fileutils
from oslo_extras.cmd._common import EXIT_FINDINGS
from oslo_extras.cmd._common import EXIT_OK
from oslo_extras.cmd._common import EXIT_USAGE
from oslo_extras.cmd._common import Parser
from oslo_extras.cmd._common import UsageError
from oslo_extras.cmd._common import run_main
from oslo_extras.policy import delta
from oslo_extras.policy import explain
from oslo_extras.policy import files
from oslo_extras.policy import inputs
from oslo_extras.policy import lint
from oslo_extras.policy import matrix
from oslo_extras.policy import minimizer
from oslo_extras.policy import model

PROG = 'oslo-policy-delta'


def _common(parser: argparse.ArgumentParser, defaults_help: str) -> None:
    src = parser.add_argument_group('defaults')
    src.add_argument(
        '--namespace',
        action='append',
        default=[],
        metavar='NS',
        help='an oslo.policy.policies entry point name (repeatable)',
    )
    src.add_argument(
        '--defaults-file',
        action='append',
        default=[],
        metavar='FILE',
        help=defaults_help,
    )
    pol = parser.add_argument_group(
        'policy files (found as oslo.policy finds them)'
    )
    pol.add_argument(
        '--config-file',
        action='append',
        default=[],
        metavar='PATH',
        help="the service's config file ([oslo_policy] options; repeatable)",
    )
    pol.add_argument(
        '--config-dir',
        action='append',
        default=[],
        metavar='DIR',
        help="the service's config dir (repeatable)",
    )
    pol.add_argument(
        '--policy-file',
        metavar='PATH',
        help='overrides [oslo_policy] policy_file',
    )
    pol.add_argument(
        '--policy-dir',
        action='append',
        default=None,
        metavar='DIR',
        help='overrides [oslo_policy] policy_dirs (repeatable)',
    )
    pol.add_argument(
        '--enforce-new-defaults',
        choices=('true', 'false'),
        help='overrides [oslo_policy] enforce_new_defaults',
    )
    parser.add_argument(
        '--format',
        choices=('text', 'json'),
        default='text',
        help='output format',
    )


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG,
        description='Show, minimize, compare and lint the overrides of a '
        "service's in-code policy defaults.",
        epilog='Exit status: 0 ok, 1 findings, 2 bad usage or unreadable '
        'input.',
    )
    sub = parser.add_subparsers(
        dest='command', metavar='COMMAND', parser_class=Parser
    )
    sub.required = True
    snapshot_help = 'a defaults snapshot written by "snapshot" (repeatable)'
    p = sub.add_parser(
        'effective', help='the rules the enforcer really uses, with origins'
    )
    _common(p, snapshot_help)
    p = sub.add_parser(
        'minimize',
        help='print the smallest override file with the same decisions',
    )
    _common(p, snapshot_help)
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        '--output',
        '-o',
        metavar='PATH',
        help='write here instead of stdout ("-" is stdout)',
    )
    where.add_argument(
        '--in-place',
        action='store_true',
        help='replace the policy file (through symlinks, keeping its '
        'comments and a numbered .bak copy)',
    )
    p = sub.add_parser(
        'diff',
        help='compare two releases of the defaults against the overrides',
    )
    _common(
        p,
        'old defaults snapshot; give it twice (old, new) to compare two '
        'snapshots, else the new defaults come from --namespace',
    )
    p = sub.add_parser('lint', help='check the overrides')
    _common(p, snapshot_help)
    p.add_argument(
        '--fatal-warnings', action='store_true', help='exit 1 on warnings'
    )
    p.add_argument(
        '--select',
        action='append',
        default=[],
        metavar='CODE',
        help='report only these codes (repeatable or comma-separated)',
    )
    p.add_argument(
        '--ignore',
        action='append',
        default=[],
        metavar='CODE',
        help='never report these codes (repeatable or comma-separated)',
    )
    p = sub.add_parser(
        'test',
        help='check a persona matrix (expected allow/deny per rule)',
    )
    _common(p, snapshot_help)
    p.add_argument(
        'matrix',
        metavar='MATRIX',
        help='YAML: personas (name: credentials), target, rules (name: '
        'allow/deny lists of personas)',
    )
    p = sub.add_parser(
        'explain', help='show which checks decide a rule for a persona'
    )
    _common(p, snapshot_help)
    p.add_argument('rule', metavar='RULE', help='the rule to explain')
    p.add_argument(
        '--roles', default='', help='comma-separated roles of the persona'
    )
    p.add_argument('--project-id', help="the token's project")
    p.add_argument('--user-id', help='the user')
    p.add_argument('--domain-id', help="the token's domain (domain scope)")
    p.add_argument('--system-scope', help='"all" for a system-scoped token')
    p.add_argument(
        '--creds',
        metavar='JSON',
        help='more credentials as a JSON object (is_admin, ...)',
    )
    p.add_argument(
        '--target',
        metavar='JSON',
        default='{}',
        help='the target as a JSON object (default: {})',
    )
    p = sub.add_parser(
        'snapshot', help='write the installed defaults to a file for diff'
    )
    p.add_argument(
        '--namespace',
        action='append',
        default=[],
        metavar='NS',
        required=True,
        help='an oslo.policy.policies entry point name',
    )
    p.add_argument(
        '--output',
        '-o',
        metavar='PATH',
        default='-',
        help='where to write (default: stdout)',
    )
    return parser


# -- helpers ----------------------------------------------------------------


def _named_path(path, exists):
    # oslo.policy falls back to the defaults when its file is missing; a
    # path typed on the command line must exist, or a lint of a mistyped
    # path would pass.
    if not exists(path):
        raise UsageError(f'{path}: no such file or directory')
    return os.path.abspath(path)


def _conf(args):
    policy_file = args.policy_file and _named_path(
        args.policy_file, os.path.isfile
    )
    policy_dirs = args.policy_dir and [
        _named_path(d, os.path.isdir) for d in args.policy_dir
    ]
    try:
        conf = inputs.make_conf(
            args.config_file,
            args.config_dir,
            policy_file,
            policy_dirs,
        )
    except inputs.InputError as exc:
        raise UsageError(str(exc))
    if args.enforce_new_defaults:
        conf.set_override(
            'enforce_new_defaults',
            args.enforce_new_defaults == 'true',
            'oslo_policy',
        )
    return conf


def _defaults(namespaces, defaults_files):
    try:
        return inputs.load_defaults(namespaces, defaults_files)
    except inputs.InputError as exc:
        raise UsageError(str(exc))


def _layers(conf) -> list[files.Layer]:
    try:
        return inputs.read_layers(conf)
    except files.PolicyFileError as exc:
        raise UsageError(str(exc))


def _ruleset(args):
    conf = _conf(args)
    rules = _defaults(args.namespace, args.defaults_file)
    layers = _layers(conf)
    enforce_new = conf.oslo_policy.enforce_new_defaults
    return conf, layers, model.build(rules, layers, enforce_new), enforce_new


def _dump(data) -> None:
    json.dump(data, sys.stdout, indent=2)
    sys.stdout.write('\n')


# -- subcommands ------------------------------------------------------------


def cmd_effective(args) -> int:
    _conf_, _layers_, ruleset, _new = _ruleset(args)
    report = delta.effective_report(ruleset)
    if args.format == 'json':
        _dump(report)
    else:
        sys.stdout.write(delta.format_effective(report))
    return EXIT_OK


def cmd_minimize(args) -> int:
    conf, layers, ruleset, enforce_new = _ruleset(args)
    try:
        kept = delta.minimize(ruleset, enforce_new)
    except delta.DeltaError as exc:
        print(f'{PROG}: {exc}', file=sys.stderr)
        return EXIT_FINDINGS
    main = [layer for layer in layers if layer.kind == files.FILE]
    target = args.output or '-'
    if args.in_place:
        if any(layer.kind == files.POLICY_D for layer in layers):
            raise UsageError(
                'policy.d files are in use: give --output and replace the '
                'policy file and policy.d files with it yourself'
            )
        if not main:
            raise UsageError('no policy file found; give --output')
        target = main[0].path
    source = main[0] if len(layers) == 1 and main else None
    header = (
        'Policy overrides: only the rules that differ from the defaults.\n'
        'Written by oslo-policy-delta minimize.'
    )
    defaults = _defaults(args.namespace, args.defaults_file)
    default_rule = conf.oslo_policy.policy_default_rule
    where = target if target != '-' else '<minimized>'
    text = minimizer.render(
        kept, source, _read_text(source.path) if source else None, header
    )
    problems = minimizer.prove(defaults, layers, text, where, default_rule)
    if problems and source is not None:
        # Line editing can trip on YAML anchors and merge keys: a fresh
        # file (without the comments) may still prove equivalent.
        fresh = minimizer.format_overrides(kept, header)
        if not minimizer.prove(defaults, layers, fresh, where, default_rule):
            print(
                f'{PROG}: the file could not be edited in place keeping its '
                'comments; writing a fresh one',
                file=sys.stderr,
            )
            text, problems = fresh, []
    if problems:
        print(
            f'{PROG}: refusing to write: ' + '; '.join(problems[:2]),
            file=sys.stderr,
        )
        return EXIT_FINDINGS
    dropped = sorted(set(ruleset.overrides) - set(kept))
    renamed = sorted(set(kept) - set(ruleset.overrides))
    summary = {
        'output': target,
        'kept': list(kept),
        'dropped': dropped,
        'renamed': renamed,
        'backup': None,
    }
    if target == '-':
        sys.stdout.write(text)
        return EXIT_OK
    # Write through a symlink (a ConfigMap's name -> ..data/name), so
    # the link stays a link.
    real = os.path.realpath(target)
    try:
        backup = _backup_suffix(real) if os.path.exists(real) else None
        _fileutils.atomic_write(real, text, backup_suffix=backup)
    except OSError as exc:
        raise UsageError(f'cannot write {target}: {exc}')
    summary['backup'] = real + backup if backup else None
    if args.format == 'json':
        _dump(summary)
    else:
        print(
            f'wrote {target}: {len(kept)} override(s) kept, '
            f'{len(dropped)} dropped'
            + (f' ({", ".join(dropped)})' if dropped else '')
            + (
                f', written under new names: {", ".join(renamed)}'
                if renamed
                else ''
            )
            + (f'; backup {summary["backup"]}' if backup else '')
        )
    return EXIT_OK


def _read_text(path: str) -> str | None:
    try:
        with open(path, encoding='utf-8') as stream:
            return stream.read()
    except (OSError, UnicodeDecodeError):
        return None


def _backup_suffix(path: str) -> str:
    # Never overwrite an earlier backup: .bak, then .bak.1, .bak.2...
    if not os.path.lexists(path + '.bak'):
        return '.bak'
    number = 1
    while os.path.lexists(f'{path}.bak.{number}'):
        number += 1
    return f'.bak.{number}'


def cmd_diff(args) -> int:
    if not args.defaults_file:
        raise UsageError('diff needs --defaults-file OLD (from "snapshot")')
    if len(args.defaults_file) > 2:
        raise UsageError('give --defaults-file at most twice (old, new)')
    old = _defaults([], args.defaults_file[:1])
    if len(args.defaults_file) == 2:
        if args.namespace:
            raise UsageError(
                'give the new defaults as --namespace or as a second '
                '--defaults-file, not both'
            )
        new = _defaults([], args.defaults_file[1:])
    else:
        new = _defaults(args.namespace, [])
    conf = _conf(args)
    overrides = model.merge_layers(_layers(conf))
    changes = delta.diff(old, new, overrides)
    if args.format == 'json':
        _dump([change.as_dict() for change in changes])
    else:
        for change in changes:
            print(change.as_text())
        print(f'{len(changes)} change(s)', file=sys.stderr)
    touches_override = any(c.override is not None for c in changes)
    return EXIT_FINDINGS if touches_override else EXIT_OK


def cmd_lint(args) -> int:
    conf = _conf(args)
    rules = _defaults(args.namespace, args.defaults_file)
    enforce_new = conf.oslo_policy.enforce_new_defaults
    try:
        layers = inputs.read_layers(conf)
    except files.PolicyFileError as exc:
        findings = [lint.file_error(exc)]
        _report(findings, args.format)
        return EXIT_USAGE
    ruleset = model.build(rules, layers, enforce_new)
    findings = lint.lint(
        ruleset, layers, enforce_new, conf.oslo_policy.policy_default_rule
    )
    select, ignore = _codes(args.select), _codes(args.ignore)
    findings = [
        f
        for f in findings
        if (not select or f.code in select) and f.code not in ignore
    ]
    _report(findings, args.format)
    if any(f.is_error for f in findings):
        return EXIT_FINDINGS
    if args.fatal_warnings and findings:
        return EXIT_FINDINGS
    return EXIT_OK


def _codes(values: list[str]) -> set[str]:
    return {c.strip() for v in values for c in v.split(',') if c.strip()}


def _report(findings, fmt: str) -> None:
    if fmt == 'json':
        _dump([f.as_dict() for f in findings])
        return
    for finding in findings:
        print(finding.as_text())
    errors = sum(f.is_error for f in findings)
    print(
        f'{errors} error(s), {len(findings) - errors} warning(s)',
        file=sys.stderr,
    )


def cmd_snapshot(args) -> int:
    rules = _defaults(args.namespace, [])
    text = delta.snapshot(rules, args.namespace)
    if args.output == '-':
        sys.stdout.write(text)
        return EXIT_OK
    try:
        _fileutils.atomic_write(args.output, text)
    except OSError as exc:
        raise UsageError(f'cannot write {args.output}: {exc}')
    print(f'wrote {args.output}: {len(rules)} rule(s)', file=sys.stderr)
    return EXIT_OK


def cmd_test(args) -> int:
    conf, _layers_, ruleset, _new = _ruleset(args)
    try:
        loaded = matrix.load(args.matrix)
    except matrix.MatrixError as exc:
        raise UsageError(str(exc))
    results = matrix.run(loaded, ruleset, conf.oslo_policy.policy_default_rule)
    failed = [result for result in results if not result.ok]
    if args.format == 'json':
        _dump([result.as_dict() for result in results])
    else:
        for result in failed:
            print(result.as_text())
            print(result.trace, end='')
        print(
            f'{len(results) - len(failed)} of {len(results)} expectation(s) '
            'met',
            file=sys.stderr,
        )
    return EXIT_FINDINGS if failed else EXIT_OK


def cmd_explain(args) -> int:
    conf, _layers_, ruleset, _new = _ruleset(args)
    creds = _json_object(args.creds or '{}', '--creds')
    roles = [role for role in args.roles.split(',') if role]
    creds.setdefault('roles', roles)
    for key in ('project_id', 'user_id', 'domain_id', 'system_scope'):
        value = getattr(args, key)
        if value:
            creds[key] = value
    target = _json_object(args.target, '--target')
    result = explain.trace(
        ruleset, args.rule, target, creds, conf.oslo_policy.policy_default_rule
    )
    if args.format == 'json':
        _dump(result.as_dict())
    else:
        sys.stdout.write(result.as_text())
    return EXIT_OK


def _json_object(text: str, flag: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise UsageError(f'{flag}: not JSON: {exc}')
    if not isinstance(value, dict):
        raise UsageError(f'{flag}: expected a JSON object')
    return value


COMMANDS = {
    'effective': cmd_effective,
    'minimize': cmd_minimize,
    'diff': cmd_diff,
    'lint': cmd_lint,
    'snapshot': cmd_snapshot,
    'test': cmd_test,
    'explain': cmd_explain,
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_main(
        PROG, build_parser(), lambda args: COMMANDS[args.command](args), argv
    )


if __name__ == '__main__':
    sys.exit(main())
