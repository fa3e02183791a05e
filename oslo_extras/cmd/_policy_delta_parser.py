"""The argument parser of ``oslo-policy-delta`` (kept apart from the
subcommands so the CLI reference and the man page can be built from it)."""

from __future__ import annotations

import argparse

from oslo_extras.cmd._common import Parser
from oslo_extras.cmd._common import add_version_argument

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
    add_version_argument(parser)
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
