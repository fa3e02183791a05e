"""What a policy reload changes: rules added, removed, changed, and widened.

The runtime logs this for every reload that changes something, and the
opt-in guard (``[oslo_extras_policy] refuse_widening_reload``) refuses a
reload whose new rules allow a persona what the old ones denied: a file
truncated at a line boundary by an interrupted write, a deleted file, or an
edit that opens more than meant. Only the changed rules, and the rules that
reach them through ``rule:``, are evaluated, so the cost follows the size of
the edit, not of the rule set.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from oslo_extras.policy import equivalence
from oslo_extras.policy import lint
from oslo_extras.policy import model


@dataclasses.dataclass
class ReloadDelta:
    """The difference between two rule sets, as a reload sees it.

    :param widened: persona decisions denied before and allowed after
    :param narrowed: persona decisions allowed before and denied after
    :param examples: a few widened decisions, for the log
    """

    added: list[str]
    removed: list[str]
    changed: list[str]
    widened: int
    narrowed: int
    examples: list[equivalence.Difference]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def as_text(self) -> str:
        parts = [
            f'{len(self.added)} rule(s) added',
            f'{len(self.removed)} removed',
            f'{len(self.changed)} changed',
            f'{self.widened} persona decision(s) widen',
            f'{self.narrowed} narrow',
        ]
        text = ', '.join(parts)
        names = (self.changed + self.added + self.removed)[:5]
        if names:
            text += ' (' + ', '.join(names) + ')'
        return text


def _texts(ruleset: model.RuleSet | None) -> dict[str, str]:
    if ruleset is None:
        return {}
    return {name: str(rule.check) for name, rule in ruleset.rules.items()}


def _reaching(ruleset: model.RuleSet, changed: set[str]) -> set[str]:
    # Rules that reach a changed rule through rule: (reverse closure).
    users: dict[str, set[str]] = {}
    for name, rule in ruleset.rules.items():
        for ref in lint._rule_refs(rule.check):
            users.setdefault(ref, set()).add(name)
    found = set(changed)
    stack = list(changed)
    while stack:
        for user in users.get(stack.pop(), ()):
            if user not in found:
                found.add(user)
                stack.append(user)
    return found


def describe(
    before: model.RuleSet | None,
    after: model.RuleSet,
    default_rule: Any = 'default',
) -> ReloadDelta:
    """Compare the rule sets of two loads (``before`` ``None``: first)."""
    old, new = _texts(before), _texts(after)
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    changed = sorted(n for n in set(old) & set(new) if old[n] != new[n])
    if before is None or not (added or removed or changed):
        return ReloadDelta(added, removed, changed, 0, 0, [])
    touched = set(added) | set(removed) | set(changed)
    names = _reaching(before, touched) | _reaching(after, touched)
    report = equivalence.compare(
        before, after, default_rule, limit=3, names=names
    )
    return ReloadDelta(
        added,
        removed,
        changed,
        report.widened,
        report.narrowed,
        report.widened_examples,
    )
