"""Turn oslo.policy check trees into plain Python closures.

oslo.policy evaluates a tree node by node through ``_checks._check``, which
calls ``inspect.getfullargspec`` on every node and ``ast.literal_eval`` on
every generic check, on every request. The closures built here do the same
comparisons with those costs paid once, at load time. Only the check classes
oslo.policy ships are compiled, matched by exact type; anything else (HTTP
checks, extension and custom checks, subclasses) is called through
oslo.policy itself, so decisions stay identical.

Each compiled function has the signature ``fn(target, creds, enforcer,
current_rule) -> bool``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

from oslo_extras.policy import _upstream

CheckFn = Callable[[Any, Any, Any, Any], Any]


class Table:
    """Compiled rules by name, with oslo.policy's default-rule fallback.

    :param checks: rule name → check tree (an oslo.policy ``Rules``)
    :param default_rule: the name (or check) used for unknown names
    :param exact_checks: the same rules as oslo.policy reads them, when
        ``checks`` reads a broken token under ``not`` as ``@`` (deny):
        a ``rule:`` reference under an odd number of ``not`` evaluates
        these, so reading a typo as deny never makes ``not rule:x``
        allow what oslo.policy denies
    """

    def __init__(
        self,
        checks: Mapping[str, _upstream.BaseCheck],
        default_rule: Any = None,
        exact_checks: Mapping[str, _upstream.BaseCheck] | None = None,
    ) -> None:
        self.exact = (
            self if exact_checks is None else Table(exact_checks, default_rule)
        )
        self.functions: dict[str, CheckFn] = {}
        for name, check in checks.items():
            self.functions[name] = compile_check(check, self)
        self.fallback: CheckFn | None = None
        if isinstance(default_rule, _upstream.BaseCheck):
            self.fallback = compile_check(default_rule, self)
        elif default_rule and default_rule in self.functions:
            self.fallback = self.functions[default_rule]

    def lookup(self, name: str) -> CheckFn | None:
        """Return the function for ``name`` like ``Rules.__getitem__``."""
        function = self.functions.get(name)
        if function is None:
            return self.fallback
        return function


def compile_check(
    check: _upstream.BaseCheck, table: Table, negated: bool = False
) -> CheckFn:
    """Return a closure that decides exactly as ``check`` does.

    :param check: an oslo.policy check tree
    :param table: where ``rule:`` references are looked up at call time
    :param negated: ``check`` sits under an odd number of ``not``: its
        ``rule:`` references are looked up in ``table.exact``
    """
    kind = type(check)
    if kind is _upstream.TrueCheck:
        return _true
    if kind is _upstream.FalseCheck:
        return _false
    if kind is _upstream.AndCheck:
        return _and(
            [compile_check(rule, table, negated) for rule in check.rules]
        )
    if kind is _upstream.OrCheck:
        return _or(
            [compile_check(rule, table, negated) for rule in check.rules]
        )
    if kind is _upstream.NotCheck:
        return _not(compile_check(check.rule, table, not negated))
    if kind is _upstream.RuleCheck:
        return _rule(check.match, table.exact if negated else table)
    if kind is _upstream.RoleCheck:
        return _role(check.match)
    if kind is _upstream.GenericCheck:
        generic = _generic(check.kind, check.match)
        if generic is not None:
            return generic
    return _delegate(check)


def _true(target, creds, enforcer, current_rule):
    return True


def _false(target, creds, enforcer, current_rule):
    return False


def _and(functions: list[CheckFn]) -> CheckFn:
    def check(target, creds, enforcer, current_rule):
        for function in functions:
            if not function(target, creds, enforcer, current_rule):
                return False
        return True

    return check


def _or(functions: list[CheckFn]) -> CheckFn:
    def check(target, creds, enforcer, current_rule):
        for function in functions:
            if function(target, creds, enforcer, current_rule):
                return True
        return False

    return check


def _not(function: CheckFn) -> CheckFn:
    def check(target, creds, enforcer, current_rule):
        return not function(target, creds, enforcer, current_rule)

    return check


def _rule(name: str, table: Table) -> CheckFn:
    # The table never changes once built (a reload builds a new one), so
    # the referenced function is looked up on first use only.
    resolved: list[CheckFn | None] = []

    def check(target, creds, enforcer, current_rule):
        if not resolved:
            resolved.append(table.lookup(name))
        function = resolved[0]
        # RuleCheck turns any KeyError of the referenced rule into a denial.
        if function is None:
            return False
        # A rule: cycle ends in RecursionError; SafeEnforcer then lets
        # oslo.policy fail the call its own way.
        try:
            return function(target, creds, enforcer, current_rule)
        except KeyError:
            return False

    return check


def _role(match: str) -> CheckFn:
    if '%' not in match:
        # No target key: the lower-cased role is known at load time.
        static = match.lower()

        def check_static(target, creds, enforcer, current_rule):
            if type(target) is not dict:
                # Keep oslo.policy's errors for odd targets.
                match % target
            if 'roles' in creds:
                return _has_role(creds['roles'], static)
            return False

        return check_static

    def check(target, creds, enforcer, current_rule):
        try:
            wanted = match % target
        except KeyError:
            return False
        if 'roles' in creds:
            return _has_role(creds['roles'], wanted.lower())
        return False

    return check


def _has_role(roles: Any, wanted: str) -> bool:
    """``wanted in [role.lower() for role in roles]``, without the list.

    Every role is lowered, as oslo.policy does: a role that is no string
    (``None``, an int, a list) raises even after a match. Nothing is
    compared after a match, as ``in`` does.
    """
    found = False
    for role in roles:
        lowered = role.lower()
        if not found and lowered == wanted:
            found = True
    return found


def _generic(kind: str, match: str) -> CheckFn | None:
    try:
        literal = str(ast.literal_eval(kind))
    except ValueError:
        literal = None
    except Exception:
        # oslo.policy would raise this on every call; let it.
        return None
    if literal is not None:

        def check_literal(target, creds, enforcer, current_rule):
            try:
                value = match % target
            except KeyError:
                return False
            return value == literal

        return check_literal

    segments = kind.split('.')
    find = _upstream.find_in_dict
    if len(segments) == 1:
        key = segments[0]

        def check_key(target, creds, enforcer, current_rule):
            # GenericCheck._find_in_dict for a one-segment path: the
            # value, or any item of a list value, as a string.
            try:
                value = match % target
            except KeyError:
                return False
            try:
                found = creds[key]
            except KeyError:
                return False
            if isinstance(found, list):
                return any(value == str(item) for item in found)
            return value == str(found)

        return check_key

    def check_path(target, creds, enforcer, current_rule):
        try:
            value = match % target
        except KeyError:
            return False
        return find(creds, segments, value)

    return check_path


def _delegate(rule: _upstream.BaseCheck) -> CheckFn:
    call = _upstream.call_check

    def check(target, creds, enforcer, current_rule):
        return call(rule, target, creds, enforcer, current_rule)

    return check
