"""The operator's delta over the defaults: minimize, snapshot and diff.

``minimize`` keeps only the overrides that change a decision, under the
rule's current name. ``snapshot`` writes a service's defaults to a YAML file
so ``diff`` can compare two releases without both being installed.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from collections.abc import Sequence
from typing import Any

import yaml
from oslo_policy import policy

from oslo_extras.policy import defaults as defaults_mod
from oslo_extras.policy import files
from oslo_extras.policy import lint
from oslo_extras.policy import minimizer
from oslo_extras.policy import model

SNAPSHOT_FORMAT = 'oslo-policy-delta-defaults/1'


DeltaError = minimizer.DeltaError
minimize = minimizer.minimize
format_overrides = minimizer.format_overrides


# -- effective --------------------------------------------------------------


def effective_report(ruleset: model.RuleSet) -> list[dict[str, Any]]:
    """Return one JSON-ready dict per effective rule, in ruleset order.

    Keys: ``name``, ``check_str``, ``origin`` (see
    :data:`oslo_extras.policy.model.ORIGINS`), ``file``, ``line``,
    ``written_as`` (the key in the file), ``written_value`` and
    ``written_type`` (the value as YAML read it and its type: ``null``,
    ``string``, ``list``...; ``check_str`` is how oslo.policy reads it, so
    a null override is ``"@"``, never ``""``), ``scope_types``,
    ``registered``.
    """
    report = []
    for name, rule in ruleset.rules.items():
        entry = rule.entry
        scope = rule.default.scope_types if rule.default else None
        report.append(
            {
                'name': name,
                'check_str': rule.check_str,
                'origin': rule.origin,
                'file': entry.path if entry else None,
                'line': entry.line if entry else None,
                'written_as': entry.name if entry else None,
                'written_value': entry.value if entry else None,
                'written_type': _yaml_type(entry.value) if entry else None,
                'scope_types': list(scope) if scope else None,
                'registered': rule.default is not None,
            }
        )
    return report


def _yaml_type(value: Any) -> str:
    if value is None:
        return 'null'
    if isinstance(value, str):
        return 'string'
    if isinstance(value, (list, tuple)):
        return 'list'
    if isinstance(value, dict):
        return 'mapping'
    return type(value).__name__


def format_effective(report: Sequence[dict[str, Any]]) -> str:
    """Return the text form: ``name = "check"  # origin [where]``."""
    lines = []
    for item in report:
        where = item['origin']
        if item['file']:
            where += f' {item["file"]}:{item["line"]}'
            if item['written_as'] != item['name']:
                where += f' as {item["written_as"]!r}'
        if item['written_type'] not in (None, 'string'):
            where += (
                f' (written as {json.dumps(item["written_value"])}, read '
                f'as {json.dumps(item["check_str"])})'
            )
        if not item['registered']:
            where += ' (not registered)'
        if item['scope_types']:
            where += ' scope=' + ','.join(item['scope_types'])
        lines.append(
            f'{item["name"]} = {json.dumps(item["check_str"])}  # {where}'
        )
    return '\n'.join(lines) + ('\n' if lines else '')


# -- snapshot ---------------------------------------------------------------


def snapshot(
    rules: Iterable[policy.RuleDefault], namespaces: Sequence[str] = ()
) -> str:
    """Return a YAML document describing ``rules`` for a later ``diff``."""
    data: dict[str, Any] = {}
    for rule in rules:
        item: dict[str, Any] = {'check_str': rule.check_str}
        if rule.description:
            item['description'] = rule.description
        if rule.scope_types:
            item['scope_types'] = list(rule.scope_types)
        operations = getattr(rule, 'operations', None)
        if operations:
            item['operations'] = [dict(op) for op in operations]
        keys = getattr(rule, 'target_attributes', None)
        if keys:
            item['target_attributes'] = list(keys)
        old = rule.deprecated_rule
        if old:
            item['deprecated_rule'] = {
                'name': old.name,
                'check_str': old.check_str,
                'deprecated_since': old.deprecated_since,
                'deprecated_reason': old.deprecated_reason,
            }
        if rule.deprecated_for_removal:
            item['deprecated_for_removal'] = True
            item['deprecated_since'] = rule.deprecated_since
            item['deprecated_reason'] = rule.deprecated_reason
        data[rule.name] = item
    document = {
        'format': SNAPSHOT_FORMAT,
        'namespaces': list(namespaces),
        'rules': data,
    }
    return yaml.safe_dump(document, sort_keys=False, width=1000)


def load_snapshot(path: str) -> list[policy.RuleDefault]:
    """Read a file :func:`snapshot` wrote back into rule defaults.

    :raises DeltaError: naming the file when it is not such a snapshot
    """
    try:
        with open(path, encoding='utf-8') as stream:
            document = yaml.safe_load(stream)
    except (OSError, yaml.YAMLError) as exc:
        raise DeltaError(f'{path}: cannot read the defaults snapshot: {exc}')
    if not isinstance(document, dict) or (
        document.get('format') != SNAPSHOT_FORMAT
    ):
        raise DeltaError(
            f'{path}: not a defaults snapshot (expected format: '
            f'{SNAPSHOT_FORMAT}; write one with "oslo-policy-delta snapshot")'
        )
    rules = []
    for name, item in (document.get('rules') or {}).items():
        try:
            rules.append(_rule_from_snapshot(name, item))
        except (KeyError, TypeError, ValueError) as exc:
            raise DeltaError(f'{path}: rule {name!r}: {exc}')
    return rules


def _rule_from_snapshot(name: str, item: dict[str, Any]) -> Any:
    old = item.get('deprecated_rule')
    deprecated = None
    if old:
        deprecated = policy.DeprecatedRule(
            name=old['name'],
            check_str=old['check_str'],
            deprecated_reason=old.get('deprecated_reason'),
            deprecated_since=old.get('deprecated_since'),
        )
    common = {
        'scope_types': item.get('scope_types'),
        'deprecated_rule': deprecated,
        'deprecated_for_removal': item.get('deprecated_for_removal', False),
        'deprecated_reason': item.get('deprecated_reason'),
        'deprecated_since': item.get('deprecated_since'),
    }
    if item.get('operations'):
        return defaults_mod.ServiceRule(
            name,
            item['check_str'],
            item.get('description') or name,
            item['operations'],
            target_attributes=item.get('target_attributes', ()),
            **common,
        )
    return policy.RuleDefault(
        name, item['check_str'], item.get('description'), **common
    )


# -- diff -------------------------------------------------------------------

SHADOWED = 'shadowed'
CHANGED = 'changed'
RENAMED = 'renamed'
NEW = 'new'
REMOVED = 'removed'
_KIND_ORDER = (SHADOWED, RENAMED, REMOVED, CHANGED, NEW)


@dataclasses.dataclass(frozen=True)
class Change:
    """One difference between two releases' defaults.

    :param kind: ``shadowed`` (the default changed but an override still
        wins), ``changed`` (the default changed and is in force),
        ``renamed``, ``new`` or ``removed``
    :param name: the rule's name in the new release (old name if removed)
    :param old_name: the name in the old release, if different or removed
    :param old_check: the old default check string, if any
    :param new_check: the new default check string, if any
    :param override: the operator's override concerned, if any
    """

    kind: str
    name: str
    old_name: str | None
    old_check: str | None
    new_check: str | None
    override: files.Entry | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            'kind': self.kind,
            'rule': self.name,
            'old_name': self.old_name,
            'old_default': self.old_check,
            'new_default': self.new_check,
            'override_file': self.override.path if self.override else None,
            'override_line': self.override.line if self.override else None,
            'override': self.override.value if self.override else None,
            'message': self.message,
        }

    def as_text(self) -> str:
        return f'{self.kind}: {self.name}: {self.message}'


def diff(
    old_rules: Iterable[policy.RuleDefault],
    new_rules: Iterable[policy.RuleDefault],
    overrides: dict[str, files.Entry],
) -> list[Change]:
    """Compare two releases' defaults against the operator's overrides.

    :param old_rules: the defaults the overrides were written for
    :param new_rules: the defaults of the release being deployed
    :param overrides: name → entry, as
        :func:`oslo_extras.policy.model.merge_layers` returns
    """
    old = {rule.name: rule for rule in old_rules}
    new = {rule.name: rule for rule in new_rules}
    renamed_from = {}
    for rule in new.values():
        dep = rule.deprecated_rule
        if (
            rule.name not in old
            and dep
            and dep.name != rule.name
            and dep.name in old
            # Still registered: not renamed, whatever the new rule says.
            and dep.name not in new
        ):
            renamed_from[rule.name] = dep.name
    referenced = _referenced(overrides, new.values())
    split_into: dict[str, list[str]] = {}
    for new_name, old_name in renamed_from.items():
        split_into.setdefault(old_name, []).append(new_name)
    changes = []
    for name, rule in new.items():
        old_name = renamed_from.get(name, name)
        before = old.get(old_name)
        override = overrides.get(name) or (
            overrides.get(old_name) if old_name != name else None
        )
        if before is None:
            dep = rule.deprecated_rule
            note = _override_note(override)
            if override is None and dep and dep.name in overrides:
                override = overrides[dep.name]
                note = (
                    f"; your override of '{dep.name}' at {override.path}:"
                    f'{override.line} (its deprecated name, still a '
                    'registered rule) applies to it too'
                )
            changes.append(
                Change(
                    NEW,
                    name,
                    None,
                    None,
                    rule.check_str,
                    override,
                    f'new rule, default {json.dumps(rule.check_str)}' + note,
                )
            )
            continue
        moved = old_name != name
        check_changed = _normal(before.check_str) != _normal(rule.check_str)
        scope_changed = _scopes(before) != _scopes(rule)
        what = _what_changed(before, rule, check_changed, scope_changed)
        if moved:
            siblings = split_into[old_name]
            note = ''
            if override is not None and override.name == old_name:
                note = (
                    f'; your override at {override.path}:'
                    f'{override.line} uses the old name: '
                    + (
                        'keep it (rule: references it) and also write it '
                        'under the new name'
                        + ('s' if len(siblings) > 1 else '')
                        if old_name in referenced
                        else 'rename it'
                        if len(siblings) == 1
                        else 'oslo.policy applies it to each new rule; '
                        'write it under each of them (minimize does)'
                    )
                )
            origin = (
                f'renamed from {old_name}'
                if len(siblings) == 1
                else f'split from {old_name} into {", ".join(siblings)}'
            )
            changes.append(
                Change(
                    RENAMED,
                    name,
                    old_name,
                    before.check_str,
                    rule.check_str,
                    override,
                    origin + (f'; {what}' if what else '') + note,
                )
            )
            continue
        if not what:
            continue
        if override is not None:
            changes.append(
                Change(
                    SHADOWED,
                    name,
                    None,
                    before.check_str,
                    rule.check_str,
                    override,
                    f'{what}, but your override at {override.path}:'
                    f'{override.line} ({json.dumps(override.value)}) still '
                    'wins: review it',
                )
            )
        else:
            changes.append(
                Change(
                    CHANGED,
                    name,
                    None,
                    before.check_str,
                    rule.check_str,
                    None,
                    f'{what}; no override, the new default applies',
                )
            )
    taken = set(renamed_from.values())
    for name, rule in old.items():
        if name in new or name in taken:
            continue
        override = overrides.get(name)
        changes.append(
            Change(
                REMOVED,
                name,
                name,
                rule.check_str,
                None,
                override,
                'removed'
                + (
                    f'; your override at {override.path}:{override.line} is '
                    'now ignored'
                    + (
                        ' as a rule, but rule: references it: keep it'
                        if name in referenced
                        else ': delete it'
                    )
                    if override
                    else ''
                ),
            )
        )
    return sorted(changes, key=lambda c: (_KIND_ORDER.index(c.kind), c.name))


def _referenced(overrides, rules) -> set[str]:
    # Names some rule: check uses, in the overrides or the new defaults.
    found: set[str] = set()
    checks = [model.parse_override(e).check for e in overrides.values()]
    checks += [rule.check for rule in rules]
    for check in checks:
        found |= lint._rule_refs(check)
    return found


def _override_note(override: files.Entry | None) -> str:
    if override is None:
        return ''
    return f'; overridden at {override.path}:{override.line}'


def _what_changed(before, after, check_changed, scope_changed) -> str:
    parts = []
    if check_changed:
        parts.append(
            f'default changed from {json.dumps(before.check_str)} to '
            f'{json.dumps(after.check_str)}'
        )
    if scope_changed:
        parts.append(
            f'scope changed from {_scope_text(before)} to {_scope_text(after)}'
        )
    return ' and '.join(parts)


def _normal(check_str: str) -> str:
    # Compare parsed forms so whitespace and parentheses do not count.
    return str(policy.RuleDefault('x', check_str).check)


def _scopes(rule: policy.RuleDefault) -> tuple[str, ...]:
    return tuple(sorted(rule.scope_types or ()))


def _scope_text(rule: policy.RuleDefault) -> str:
    return ','.join(_scopes(rule)) or 'any'
