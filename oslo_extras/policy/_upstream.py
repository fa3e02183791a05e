"""The only place oslo_extras.policy touches oslo.policy private internals.

oslo.policy's public API can parse a rule (``RuleDefault(...).check``) but a
syntax error then silently becomes deny-all (``!``) with a logged traceback,
and the check classes for roles, generic matches and the ``@``/``!`` constants
are not exported. The strict parser and the compiler need both, so they are
reached here, in one small module; ``tests/unit/policy/test_upstream.py``
fails loudly when upstream changes them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import MutableMapping
from typing import Any

from oslo_i18n import _lazy
from oslo_policy import _checks
from oslo_policy import _parser
from oslo_policy import policy

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
_WHITESPACE = re.compile(r'\s+')
# A check kind no real check uses; broken tokens are parsed as this kind and
# replaced afterwards, so oslo.policy's own grammar builds the tree.
_BROKEN_KIND = '__oslo_extras_broken_token__'


class RuleSyntaxError(ValueError):
    """A check string that oslo.policy would turn into deny-all."""


@dataclasses.dataclass(frozen=True)
class Parsed:
    """A policy file value as oslo.policy reads it, and what we evaluate.

    :param check: what :class:`SafeEnforcer` evaluates; the same tree as
        :attr:`upstream` except that a broken token under an odd number of
        ``not`` is read as ``@`` (so ``not <typo>`` denies instead of
        allowing everyone)
    :param upstream: what oslo.policy's ``parse_rule`` makes of the value
    :param problem: why oslo.policy logs an error for it (``''`` if it
        does not); such a rule is a ``rule-syntax`` finding
    :param note: a remark that is no error (YAML null, ``[]``, legacy
        list syntax), ``''`` if none
    :param widened_by_upstream: oslo.policy allows more than :attr:`check`
    """

    check: _checks.BaseCheck
    upstream: _checks.BaseCheck
    problem: str = ''
    note: str = ''
    widened_by_upstream: bool = False


def parse_value(value: Any) -> Parsed:
    """Parse one policy file value exactly as oslo.policy's ``parse_rule``.

    Nothing is logged. Strings are the policy language; lists are the
    legacy list-of-lists syntax (``[]`` allows everyone, as ``""`` does);
    YAML null allows everyone; a mapping's keys are read as alternatives;
    numbers and booleans make oslo.policy fail to load the file.
    """
    if value is None:
        return Parsed(
            _checks.TrueCheck(),
            _checks.TrueCheck(),
            note='a YAML null (no value): oslo.policy reads it like "" and '
            'allows everyone; write "@" if that is meant',
        )
    if isinstance(value, str):
        return _parse_text(value)
    if isinstance(value, (list, tuple)):
        if not value:
            return Parsed(
                _checks.TrueCheck(),
                _checks.TrueCheck(),
                note='an empty list: oslo.policy reads it like "" and allows '
                'everyone; write "@" if that is meant',
            )
        return _parse_list(value, 'a list')
    if isinstance(value, dict):
        parsed = _parse_list(list(value), 'a mapping')
        return dataclasses.replace(
            parsed,
            problem='a mapping, not a check string: oslo.policy reads its '
            f'keys as alternatives ({parsed.upstream})',
        )
    return Parsed(
        _checks.FalseCheck(),
        _checks.FalseCheck(),
        problem=f'a {type(value).__name__}, not a check string: oslo.policy '
        'fails to load the whole file (TypeError on every request)',
    )


def parse_strict(check_str: str) -> _checks.BaseCheck:
    """Parse ``check_str`` like oslo.policy, but raise instead of denying.

    :param check_str: a rule in the policy language (``role:admin or ...``)
    :raises RuleSyntaxError: when oslo.policy would log an error for it
    """
    parsed = _parse_text(check_str)
    if parsed.problem:
        raise RuleSyntaxError(parsed.problem)
    return parsed.check


def _is_broken(token: str) -> bool:
    # What oslo.policy's _parse_check cannot split into kind:match.
    return token not in ('!', '@') and ':' not in token


def _parse_text(check_str: str) -> Parsed:
    if not check_str:
        return Parsed(_checks.TrueCheck(), _checks.TrueCheck())
    broken: list[str] = []
    pieces = []
    for token in _WHITESPACE.split(check_str):
        clean = token.lstrip('(')
        lead = token[: len(token) - len(clean)]
        core = clean.rstrip(')')
        trail = clean[len(core) :]
        quoted = (
            len(clean) >= 2 and clean[0] == clean[-1] and (clean[0] in '\'"')
        )
        if core and core.lower() not in _KEYWORDS and not quoted:
            if _is_broken(core):
                core = f'{_BROKEN_KIND}:{len(broken)}'
                broken.append(token.strip('()'))
        pieces.append(lead + core + trail)
    state = _parser.ParseState()
    for token in _parser._parse_tokenize(' '.join(pieces)):
        # (kind, value) pairs up to oslo.policy 4.x, Token objects since.
        if isinstance(token, tuple):
            state.shift(*token)
        else:
            state.shift(token)
    try:
        tree = state.result
    except ValueError:
        return Parsed(
            _checks.FalseCheck(),
            _checks.FalseCheck(),
            problem='unbalanced parentheses or a dangling and/or/not: '
            'oslo.policy denies everyone, admins included',
        )
    return _finish(tree, broken)


def _parse_list(value: Any, what: str) -> Parsed:
    broken: list[str] = []

    def leaf(item: Any) -> Any:
        if isinstance(item, str) and not _is_broken(item):
            return item
        broken.append(repr(item) if not isinstance(item, str) else item)
        return f'{_BROKEN_KIND}:{len(broken) - 1}'

    rebuilt = []
    for inner in value:
        if isinstance(inner, str) or not isinstance(inner, (list, tuple)):
            rebuilt.append([leaf(inner)])
        else:
            rebuilt.append([leaf(item) for item in inner])
    parsed = _finish(_parser.parse_rule(rebuilt), broken)
    if parsed.problem:
        return parsed
    return dataclasses.replace(
        parsed,
        note=f'{what} in the legacy list syntax: oslo.policy reads it as '
        f'"{parsed.upstream}"; write that string instead',
    )


def _finish(tree: _checks.BaseCheck, broken: list[str]) -> Parsed:
    if not broken:
        return Parsed(tree, tree)
    upstream = _replace_broken(tree, negated=False, safe=False)
    safe = _replace_broken(tree, negated=False, safe=True)
    widened = str(upstream) != str(safe)
    names = ', '.join(f"'{name}'" for name in broken)
    problem = (
        f'{names} {"is" if len(broken) == 1 else "are"} not a check '
        "(expected kind:match, '@' or '!'): oslo.policy reads "
        f"{'it' if len(broken) == 1 else 'each'} as '!' (never true), "
        f'so the rule is "{upstream}"'
    )
    if widened:
        problem += (
            '; under "not" that allows everyone, so SafeEnforcer reads it '
            f'as \'@\' there instead ("{safe}")'
        )
    return Parsed(safe, upstream, problem, '', widened)


def _replace_broken(
    check: _checks.BaseCheck, negated: bool, safe: bool
) -> _checks.BaseCheck:
    kind = type(check)
    if kind is _checks.GenericCheck and check.kind == _BROKEN_KIND:
        # oslo.policy reads a broken token as '!'; under an odd number of
        # "not" that grants access, so the safe reading is '@' there.
        if safe and negated:
            return _checks.TrueCheck()
        return _checks.FalseCheck()
    if kind in (_checks.AndCheck, _checks.OrCheck):
        return kind(
            [_replace_broken(rule, negated, safe) for rule in check.rules]
        )
    if kind is _checks.NotCheck:
        return _checks.NotCheck(_replace_broken(check.rule, not negated, safe))
    return check


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


# A static method since oslo.policy 4.6, an instance method before (4.5.1,
# OpenStack 2025.1): calling it through an instance works with both.
_FINDER = _checks.GenericCheck('_', '_')


def find_in_dict(creds: Any, segments: list[str], match: str) -> bool:
    """``GenericCheck``'s lookup of a dotted path in the credentials."""
    return _FINDER._find_in_dict(creds, segments, match)


def context_creds(enforcer: Any, ctx: Any) -> dict[str, Any]:
    """The credentials ``Enforcer.enforce()`` builds from a RequestContext.

    Through the enforcer's own ``_map_context_attributes_into_creds`` hook,
    so a service's enforcer subclass that overrides it decides the same
    under SafeEnforcer as under oslo.policy.
    """
    return enforcer._map_context_attributes_into_creds(ctx)


#: Messages of denials kept per enforcer state (one per rule name called).
_MAX_MESSAGES = 10_000


class Refusals:
    """The exceptions ``Enforcer.enforce()`` raises, messages built once.

    ``PolicyNotAuthorized`` and ``InvalidScope`` only format a message (with
    oslo.i18n for the first) and hand it to ``Exception``; formatting it was
    most of the cost of a denial. The first denial of a rule builds the
    exception with oslo.policy's own constructor; later ones are made with
    ``__new__`` from its ``args``: same type, ``args``, text and (empty)
    attributes. An exception with attributes of its own, or a message that
    is no plain ``str`` (``oslo_i18n.enable_lazy()`` makes it a lazily
    translated ``Message``), is built by the constructor every time.
    """

    def __init__(self) -> None:
        self._not_authorized: dict[str, tuple] = {}
        self._scope: dict[tuple[str, str], tuple] = {}

    def not_authorized(
        self, rule: str, target: Any, creds: MutableMapping[str, Any]
    ) -> policy.PolicyNotAuthorized:
        """``PolicyNotAuthorized(rule, target, creds)``."""
        args = self._not_authorized.get(rule)
        if args is not None and not _lazy.USE_LAZY:
            return _NEW(policy.PolicyNotAuthorized, *args)
        error = policy.PolicyNotAuthorized(rule, target, creds)
        if _plain(error) and len(self._not_authorized) < _MAX_MESSAGES:
            self._not_authorized[rule] = error.args
        return error

    def invalid_scope(
        self, name: str, default: policy.RuleDefault, token_scope: str
    ) -> policy.InvalidScope:
        """``InvalidScope(default, default.scope_types, token_scope)``.

        :param name: ``default.name`` (a property, slower to read)
        """
        key = (name, token_scope)
        args = self._scope.get(key)
        if args is not None:
            return _NEW(policy.InvalidScope, *args)
        error = policy.InvalidScope(default, default.scope_types, token_scope)
        if _plain(error):
            self._scope[key] = error.args
        return error


_NEW = BaseException.__new__


def _plain(error: BaseException) -> bool:
    # Only args, made of plain strings: nothing a rebuilt copy could lack.
    return not vars(error) and all(type(arg) is str for arg in error.args)
