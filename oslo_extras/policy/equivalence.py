"""Prove two rule sets decide alike: the differential check behind the tools.

Whatever ``oslo-policy-delta`` writes or advises must not change a decision.
:func:`compare` evaluates every rule of both rule sets for a set of personas
(credentials built from every role, scope and credential attribute the
checks read) and representative targets (every ``%(key)s`` the checks read,
matching, not matching and absent), with the compiled closures of
:mod:`oslo_extras.policy.compiler` (decisions identical to oslo.policy's; a
few hundred thousand evaluations take about a second). It reports every
decision that differs; the tools refuse to write when there is one.
"""

from __future__ import annotations

import dataclasses
import itertools
import zlib
from collections.abc import Iterable
from typing import Any

from oslo_extras.policy import _upstream
from oslo_extras.policy import compiler
from oslo_extras.policy import defaults as defaults_mod
from oslo_extras.policy import model

#: Values a persona's attributes and a target's keys take: the matching
#: one and another.
_MATCH = 'v1'
_OTHER = 'v2'
_SCOPES = (
    {'project_id': _MATCH},
    {'project_id': _MATCH, 'system_scope': 'all'},
    {'domain_id': _MATCH},
)


@dataclasses.dataclass(frozen=True)
class Difference:
    """One decision that differs between two rule sets.

    :param persona: the credentials
    :param target: the target dict
    :param before: the decision of the first rule set
    :param after: the decision of the second
    """

    rule: str
    persona: dict[str, Any]
    target: dict[str, Any]
    before: bool
    after: bool

    def as_text(self) -> str:
        roles = ','.join(self.persona.get('roles', ())) or 'no role'
        verb = 'allowed' if self.before else 'denied'
        now = 'allowed' if self.after else 'denied'
        return (
            f'{self.rule}: {verb} before, {now} after for roles {roles} '
            f'(persona {self.persona}, target {self.target})'
        )


@dataclasses.dataclass
class Report:
    """The result of :func:`compare`."""

    checked: int
    differences: list[Difference]
    #: decisions denied before and allowed after
    widened: int = 0
    #: decisions allowed before and denied after
    narrowed: int = 0
    #: the first widened decisions (up to the limit)
    widened_examples: list[Difference] = dataclasses.field(
        default_factory=list
    )

    @property
    def equivalent(self) -> bool:
        return not self.differences


def _leaves(check: _upstream.BaseCheck) -> Iterable[_upstream.BaseCheck]:
    yield check
    for child in getattr(check, 'rules', None) or ():
        yield from _leaves(child)
    child = getattr(check, 'rule', None)
    if isinstance(child, _upstream.BaseCheck):
        yield from _leaves(child)


def _all_checks(
    rulesets: Iterable[model.RuleSet], names: set[str] | None = None
) -> list:
    checks = []
    for ruleset in rulesets:
        for name, rule in ruleset.rules.items():
            if names is None or name in names:
                checks.append(rule.check)
        for name, default in ruleset.defaults.items():
            if names is not None and name not in names:
                continue
            checks.append(default.check)
            if default.deprecated_rule:
                checks.append(default.deprecated_rule.check)
    return checks


def _closure(rulesets: list[model.RuleSet], names: set[str]) -> set[str]:
    # The rules ``names`` reach through rule:, in either set.
    found = set(names)
    stack = list(names)
    while stack:
        name = stack.pop()
        for ruleset in rulesets:
            rule = ruleset.rules.get(name)
            if rule is None:
                continue
            for leaf in _leaves(rule.check):
                if type(leaf) is _upstream.RuleCheck and (
                    leaf.match not in found
                ):
                    found.add(leaf.match)
                    stack.append(leaf.match)
    return found


def personas(
    rulesets: Iterable[model.RuleSet], names: set[str] | None = None
) -> list[dict[str, Any]]:
    """Credentials covering every role and attribute the checks read.

    One persona per role alone, one with no role and one with every role,
    each in project, system and domain scope, with every credential
    attribute a generic check reads set to the matching value and to
    another.
    """
    roles: set[str] = set()
    attributes: dict[str, set[Any]] = {}
    for check in _all_checks(rulesets, names):
        for node in _leaves(check):
            kind = type(node)
            if kind is _upstream.RoleCheck:
                if '%(' in node.match:
                    roles.add(_MATCH)
                else:
                    roles.add(node.match)
            elif kind is _upstream.GenericCheck:
                if node.match.startswith('%(') or '%(' in node.match:
                    values = {_MATCH}
                else:
                    values = {node.match}
                    if node.match in ('True', 'False'):
                        values.add(node.match == 'True')
                attributes.setdefault(node.kind, set()).update(values)
    role_sets = [[]] + [[role] for role in sorted(roles)] + [sorted(roles)]
    matching = _creds(attributes, matching=True)
    other = _creds(attributes, matching=False)
    result = []
    for role_set, scope, attrs in itertools.product(
        role_sets, _SCOPES, (matching, other)
    ):
        persona = dict(attrs)
        persona.update(scope)
        persona['roles'] = list(role_set)
        persona.setdefault('user_id', _MATCH)
        result.append(persona)
    return result


def _creds(attributes: dict[str, set[Any]], matching: bool) -> dict:
    creds: dict[str, Any] = {}
    for kind, values in sorted(attributes.items()):
        if '.' in kind or kind.startswith(("'", '"')) or kind == 'role':
            # Literal comparisons and nested paths: set the first
            # segment only when it is a plain attribute.
            head = kind.split('.')[0]
            if head.startswith(("'", '"')) or not head.isidentifier():
                continue
            value: Any = _MATCH if matching else _OTHER
            for segment in reversed(kind.split('.')[1:]):
                value = {segment: value}
            creds.setdefault(head, value)
            continue
        pick = sorted(values, key=str)[0]
        creds[kind] = pick if matching else _OTHER
    return creds


def targets(
    rulesets: Iterable[model.RuleSet], names: set[str] | None = None
) -> list[dict[str, Any]]:
    """Targets with every key the checks read: matching, other, absent."""
    keys: set[str] = set()
    literal: dict[str, str] = {}
    for check in _all_checks(rulesets, names):
        for node in _leaves(check):
            if isinstance(node, _upstream.Check) and (
                type(node) is not _upstream.RuleCheck
            ):
                found = defaults_mod.target_keys(node.match)
                keys |= found
                if type(node) is _upstream.GenericCheck and found:
                    text = node.kind.strip('\'"')
                    if text != node.kind or text in ('True', 'False'):
                        for key in found:
                            literal.setdefault(key, text)
    result = [
        {key: _MATCH for key in keys},
        {key: _OTHER for key in keys},
        {},
    ]
    if literal:
        result.append({key: literal.get(key, _MATCH) for key in keys})
    return result


_BUILTIN = (
    _upstream.TrueCheck,
    _upstream.FalseCheck,
    _upstream.AndCheck,
    _upstream.OrCheck,
    _upstream.NotCheck,
    _upstream.RuleCheck,
    _upstream.RoleCheck,
    _upstream.GenericCheck,
)
_OPAQUE = '__oslo_extras_opaque_'


def _stand_in(check: _upstream.BaseCheck, opaque: set[str]):
    """Replace checks the compiler delegates (``http:``, extensions) by a
    credential lookup each persona answers deterministically: the check is
    never called (no HTTP request), yet the same check text decides alike
    in both sets and differently across personas."""
    kind = type(check)
    if kind in (_upstream.AndCheck, _upstream.OrCheck):
        return kind([_stand_in(rule, opaque) for rule in check.rules])
    if kind is _upstream.NotCheck:
        return _upstream.NotCheck(_stand_in(check.rule, opaque))
    if kind in _BUILTIN:
        return check
    key = f'{_OPAQUE}{zlib.crc32(str(check).encode())}'
    opaque.add(key)
    return _upstream.GenericCheck(key, 'yes')


def _table(
    ruleset: model.RuleSet, default_rule: Any, opaque: set[str]
) -> compiler.Table:
    exact = ruleset.exact_checks()
    return compiler.Table(
        {
            name: _stand_in(rule.check, opaque)
            for name, rule in ruleset.rules.items()
        },
        default_rule,
        # "not rule:x" reads x as oslo.policy does, as SafeEnforcer does.
        None
        if exact is None
        else {name: _stand_in(check, opaque) for name, check in exact.items()},
    )


def compare(
    before: model.RuleSet,
    after: model.RuleSet,
    default_rule: Any = 'default',
    limit: int = 20,
    names: set[str] | None = None,
) -> Report:
    """Evaluate every rule of both sets for every persona and target.

    The rules compared are the registered ones and every name both sets
    define; a name only one set defines (an old name dropped by
    ``minimize``) is not enforced by the service.

    :param default_rule: ``[oslo_policy] policy_default_rule``
    :param limit: stop collecting differences after this many
    :param names: compare only these rules (personas and targets then come
        from them and the rules they reach)
    """
    # What a service can enforce: its registered rules, and the names both
    # sets define. A dropped old name or unused helper decides nothing.
    compared = list(
        dict.fromkeys(
            [
                *before.defaults,
                *after.defaults,
                *(name for name in before.rules if name in after.rules),
            ]
        )
    )
    reach = None
    if names is not None:
        compared = [name for name in compared if name in names]
        reach = _closure([before, after], set(compared))
    opaque: set[str] = set()
    old = _table(before, default_rule, opaque)
    new = _table(after, default_rule, opaque)
    people = personas((before, after), reach)
    for index, persona in enumerate(people):
        for key in opaque:
            bit = (index + int(key[len(_OPAQUE) :])) % 2
            persona[key] = 'yes' if bit else 'no'
    places = targets((before, after), reach)
    differences: list[Difference] = []
    examples: list[Difference] = []
    checked = widened = narrowed = 0
    for name in compared:
        old_fn, new_fn = old.lookup(name), new.lookup(name)
        for persona in people:
            for target in places:
                checked += 1
                was = _decide(old_fn, target, persona, name)
                now = _decide(new_fn, target, persona, name)
                if was == now:
                    continue
                if now is True:
                    widened += 1
                    if len(examples) < limit:
                        examples.append(
                            Difference(name, persona, target, was, now)
                        )
                else:
                    narrowed += 1
                if len(differences) < limit:
                    differences.append(
                        Difference(name, persona, target, was, now)
                    )
    return Report(checked, differences, widened, narrowed, examples)


def _decide(function, target, persona, name) -> bool | str:
    if function is None:
        return False
    try:
        return bool(function(dict(target), dict(persona), None, name))
    except Exception as exc:
        # A rule: cycle fails on every call: an outcome of its own.
        return type(exc).__name__
