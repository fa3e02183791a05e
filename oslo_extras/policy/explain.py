"""Why a rule allows or denies: the decision trace behind ``explain``.

:func:`trace` walks the effective check tree of one rule for given
credentials and target, evaluating every node exactly as the enforcer does
(through :mod:`oslo_extras.policy.compiler`), following ``rule:``
references, and marks which checks decided and which were never evaluated
(``and``/``or`` stop early, as in oslo.policy).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from oslo_extras.policy import _upstream
from oslo_extras.policy import compiler
from oslo_extras.policy import model

ALLOW = 'allow'
DENY = 'deny'
SKIPPED = 'not evaluated'


@dataclasses.dataclass
class Step:
    """One node of the trace.

    :param depth: nesting level, for indentation
    :param check: the check's text (``role:admin``, ``rule:x``, ``or``)
    :param outcome: :data:`ALLOW`, :data:`DENY` or :data:`SKIPPED`
    :param note: where a ``rule:`` comes from, or why a node decided
    """

    depth: int
    check: str
    outcome: str
    note: str = ''

    def as_text(self) -> str:
        mark = {'allow': '+', 'deny': '-'}.get(self.outcome, ' ')
        text = f'{"  " * self.depth}{mark} {self.check}  [{self.outcome}]'
        return text + (f'  {self.note}' if self.note else '')

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class Explanation:
    """The decision on one rule and the steps that led to it."""

    rule: str
    decision: str
    origin: str
    scope: str
    steps: list[Step]

    def as_text(self) -> str:
        lines = [
            f'{self.rule}: {self.decision.upper()} ({self.origin})',
            f'scope: {self.scope}',
        ]
        lines += [step.as_text() for step in self.steps]
        return '\n'.join(lines) + '\n'

    def as_dict(self) -> dict[str, Any]:
        return {
            'rule': self.rule,
            'decision': self.decision,
            'origin': self.origin,
            'scope': self.scope,
            'steps': [step.as_dict() for step in self.steps],
        }


def _origin(rule: model.EffectiveRule | None) -> str:
    if rule is None:
        return 'no such rule: the default rule decides'
    if rule.entry is not None:
        where = f'{rule.entry.path}:{rule.entry.line}'
        if rule.entry.name != rule.name:
            where += f" as '{rule.entry.name}'"
        return f'{rule.origin} {where}'
    return rule.origin


def _token_scope(creds: dict[str, Any]) -> str:
    if creds.get('system') or creds.get('system_scope'):
        return 'system'
    if creds.get('domain_id'):
        return 'domain'
    return 'project'


def trace(
    ruleset: model.RuleSet,
    name: str,
    target: dict[str, Any],
    creds: dict[str, Any],
    default_rule: Any = 'default',
) -> Explanation:
    """Explain the decision on rule ``name`` for ``creds`` and ``target``.

    Decisions match ``SafeEnforcer.enforce()`` (and so oslo.policy's).
    """
    creds = dict(creds)
    if creds.get('system_scope'):
        creds['system'] = creds['system_scope']
    table = compiler.Table(
        {n: rule.check for n, rule in ruleset.rules.items()},
        default_rule,
        ruleset.exact_checks(),
    )
    rule = ruleset.rules.get(name)
    default = ruleset.defaults.get(name)
    steps: list[Step] = []
    scope = 'any'
    if default is not None and default.scope_types:
        token = _token_scope(creds)
        allowed = ', '.join(default.scope_types)
        if token not in default.scope_types:
            return Explanation(
                name,
                DENY,
                _origin(rule),
                f'{token} token, rule needs {allowed}: denied before any '
                'check',
                [],
            )
        scope = f'{token} token, rule allows {allowed}'
    if rule is None:
        fallback = (
            ruleset.rules.get(default_rule)
            if isinstance(default_rule, str)
            else None
        )
        if fallback is None:
            return Explanation(
                name, DENY, 'no such rule and no default rule', scope, []
            )
        origin = (
            f"no such rule: the default rule '{default_rule}' decides "
            f'({_origin(fallback)})'
        )
        outcome = _walk(
            fallback.check, table, ruleset, target, creds, name, 0, steps
        )
        return Explanation(name, outcome, origin, scope, steps)
    outcome = _walk(rule.check, table, ruleset, target, creds, name, 0, steps)
    return Explanation(name, outcome, _origin(rule), scope, steps)


def _evaluate(check, table, target, creds, name, negated=False) -> str:
    function = compiler.compile_check(check, table, negated)
    try:
        return ALLOW if function(dict(target), creds, None, name) else DENY
    except (TypeError, RecursionError):
        return DENY


def _walk(
    check,
    table,
    ruleset,
    target,
    creds,
    name,
    depth,
    steps,
    seen=(),
    negated=False,
):
    # negated: under an odd number of "not", where a rule: reference is
    # read as oslo.policy reads it (table.exact), as the enforcer does.
    # Both reading tables are one when the rule set has no broken token
    # under "not", and then upstream_checks is empty.
    kind = type(check)
    if kind in (_upstream.AndCheck, _upstream.OrCheck):
        word = 'and' if kind is _upstream.AndCheck else 'or'
        index = len(steps)
        steps.append(Step(depth, word, SKIPPED))
        stop = DENY if word == 'and' else ALLOW
        outcome = ALLOW if word == 'and' else DENY
        for child in check.rules:
            if outcome == stop:
                _skip(child, depth + 1, steps)
                continue
            result = _walk(
                child,
                table,
                ruleset,
                target,
                creds,
                name,
                depth + 1,
                steps,
                seen,
                negated,
            )
            if result == stop:
                outcome = stop
        steps[index].outcome = outcome
        return outcome
    if kind is _upstream.NotCheck:
        index = len(steps)
        steps.append(Step(depth, 'not', SKIPPED))
        inner = _walk(
            check.rule,
            table,
            ruleset,
            target,
            creds,
            name,
            depth + 1,
            steps,
            seen,
            not negated,
        )
        outcome = DENY if inner == ALLOW else ALLOW
        steps[index].outcome = outcome
        return outcome
    if kind is _upstream.RuleCheck:
        outcome = _evaluate(check, table, target, creds, name, negated)
        ref = ruleset.rules.get(check.match)
        if ref is None:
            steps.append(Step(depth, str(check), outcome, 'no such rule'))
            return outcome
        if check.match in seen:
            steps.append(Step(depth, str(check), outcome, 'cycle'))
            return outcome
        steps.append(Step(depth, str(check), outcome, _origin(ref)))
        ref_check = ref.check
        if negated:
            # As the compiler: the reference and all it reaches are read
            # as oslo.policy reads them (table.exact, whose exact is
            # itself; without exact checks it is the table itself).
            table = table.exact
        if table.exact is table:
            ref_check = ruleset.upstream_checks.get(check.match, ref_check)
        _walk(
            ref_check,
            table,
            ruleset,
            target,
            creds,
            name,
            depth + 1,
            steps,
            (*seen, check.match),
            negated,
        )
        return outcome
    outcome = _evaluate(check, table, target, creds, name)
    steps.append(Step(depth, str(check), outcome))
    return outcome


def _skip(check, depth, steps) -> None:
    steps.append(Step(depth, str(check), SKIPPED))
