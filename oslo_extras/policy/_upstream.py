"""The only place oslo_extras.policy touches oslo.policy private internals.

oslo.policy's public API can parse a rule (``RuleDefault(...).check``) but a
syntax error then silently becomes deny-all (``!``) with a logged traceback,
and the check classes for roles, generic matches and the ``@``/``!`` constants
are not exported. The strict parser and the compiler need both, so they are
reached here, in one small module; ``tests/unit/policy/test_upstream.py``
fails loudly when upstream changes them.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from oslo_policy import _checks
from oslo_policy import _parser

BaseCheck = _checks.BaseCheck
Check = _checks.Check
TrueCheck = _checks.TrueCheck
FalseCheck = _checks.FalseCheck
AndCheck = _checks.AndCheck
OrCheck = _checks.OrCheck
NotCheck = _checks.NotCheck
RuleCheck = _checks.RuleCheck
RoleCheck = _checks.RoleCheck
GenericCheck = _checks.GenericCheck

_KEYWORDS = frozenset(('and', 'or', 'not'))


class RuleSyntaxError(ValueError):
    """A check string that oslo.policy would turn into deny-all."""


def parse_strict(check_str: str) -> _checks.BaseCheck:
    """Parse ``check_str`` like oslo.policy, but raise instead of denying.

    :param check_str: a rule in the policy language (``role:admin or ...``)
    :raises RuleSyntaxError: when oslo.policy would log an error and replace
        the rule by ``!``
    """
    if not check_str:
        return _checks.TrueCheck()
    # oslo.policy logs and fails closed on a check without "kind:"; find it
    # first so nothing is logged and the message names the token.
    for token in check_str.split():
        clean = token.lstrip('(').rstrip(')')
        if not clean or clean.lower() in _KEYWORDS:
            continue
        if len(clean) >= 2 and clean[0] == clean[-1] and clean[0] in '\'"':
            continue
        if clean in ('!', '@'):
            continue
        if ':' not in clean:
            raise RuleSyntaxError(
                f"'{clean}' is not a check: expected kind:match, '@' or '!'"
            )
    state = _parser.ParseState()
    for token in _parser._parse_tokenize(check_str):
        state.shift(token)
    try:
        return state.result
    except ValueError:
        raise RuleSyntaxError(
            'unbalanced parentheses or a dangling and/or/not'
        )


def call_check(
    check: _checks.BaseCheck,
    target: Any,
    creds: MutableMapping[str, Any],
    enforcer: Any,
    current_rule: str | None,
) -> bool:
    """Evaluate ``check`` exactly as oslo.policy's enforcer does."""
    return _checks._check(
        rule=check,
        target=target,
        creds=creds,
        enforcer=enforcer,
        current_rule=current_rule,
    )


def find_in_dict(creds: Any, segments: list[str], match: str) -> bool:
    """``GenericCheck``'s lookup of a dotted path in the credentials."""
    return _checks.GenericCheck._find_in_dict(creds, segments, match)
