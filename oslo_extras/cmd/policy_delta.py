"""``oslo-policy-delta``: manage only the operator's delta over defaults.

Subcommands: ``effective``, ``minimize``, ``diff``, ``lint``, ``snapshot``,
``test`` and ``explain``. Exit status: 0 ok, 1 findings (lint errors, or
warnings with ``--fatal-warnings``; diff changes that touch an override;
minimize refused because of a syntax error or because it could not prove
every decision unchanged; a persona matrix mismatch), 2 bad usage or
unreadable input.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence

from oslo_extras import _fileutils
from oslo_extras.cmd._common import EXIT_FINDINGS
from oslo_extras.cmd._common import EXIT_OK
from oslo_extras.cmd._common import EXIT_USAGE
from oslo_extras.cmd._common import Progress
from oslo_extras.cmd._common import UsageError
from oslo_extras.cmd._common import run_main
from oslo_extras.cmd._policy_delta_parser import PROG
from oslo_extras.cmd._policy_delta_parser import build_parser
from oslo_extras.policy import delta
from oslo_extras.policy import explain
from oslo_extras.policy import files
from oslo_extras.policy import inputs
from oslo_extras.policy import lint
from oslo_extras.policy import matrix
from oslo_extras.policy import minimizer
from oslo_extras.policy import model

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
    output = minimizer.produce(
        kept,
        layers,
        _defaults(args.namespace, args.defaults_file),
        target if target != '-' else '<minimized>',
        conf.oslo_policy.policy_default_rule,
    )
    if output.fresh:
        print(
            f'{PROG}: the file could not be edited in place keeping its '
            'comments; writing a fresh one',
            file=sys.stderr,
        )
    if output.problems:
        print(
            f'{PROG}: refusing to write: ' + '; '.join(output.problems[:2]),
            file=sys.stderr,
        )
        return EXIT_FINDINGS
    text = output.text
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
    try:
        backup = minimizer.write(target, text)
    except OSError as exc:
        raise UsageError(f'cannot write {target}: {exc}')
    summary['backup'] = backup
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
    with Progress('testing rule', len(loaded.rules)) as progress:
        results = matrix.run(
            loaded,
            ruleset,
            conf.oslo_policy.policy_default_rule,
            on_rule=progress.update,
        )
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
