"""The effective rule set: defaults plus overrides, as the enforcer sees it.

:func:`build` applies oslo.policy's own precedence (``Enforcer.load_rules``
and ``_handle_deprecated_rule`` in oslo.policy 6.x) to the registered
defaults and the policy file layers, and tags every rule with where it came
from, so ``effective``, ``minimize``, ``lint`` and the runtime all agree.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from oslo_policy import policy

from oslo_extras.policy import _upstream
from oslo_extras.policy import files

#: The rule is the registered default.
DEFAULT = 'default'
#: The default OR'd with the deprecated default
#: (``enforce_new_defaults = False``).
DEFAULT_OR_DEPRECATED = 'default+deprecated'
#: The override in the policy file.
FILE = files.FILE
#: The override in a ``policy.d`` file.
POLICY_D = files.POLICY_D
#: An override written under the rule's deprecated name became live.
DEPRECATED_ALIAS = 'deprecated-alias'

ORIGINS = (DEFAULT, DEFAULT_OR_DEPRECATED, FILE, POLICY_D, DEPRECATED_ALIAS)


@dataclasses.dataclass(frozen=True)
class EffectiveRule:
    """One rule as the enforcer evaluates it.

    :param check_str: the text in force (the override as written, or the
        default's check string)
    :param check: the parsed check tree
    :param origin: one of :data:`ORIGINS`
    :param entry: the file line it came from, for overrides
    :param default: the registered default of that name, if any
    """

    name: str
    check_str: str
    check: _upstream.BaseCheck
    origin: str
    entry: files.Entry | None = None
    default: policy.RuleDefault | None = None

    @property
    def is_override(self) -> bool:
        return self.entry is not None


@dataclasses.dataclass(frozen=True)
class SyntaxProblem:
    """An override oslo.policy would silently turn into deny-all."""

    entry: files.Entry
    reason: str


@dataclasses.dataclass
class RuleSet:
    """The result of :func:`build`.

    :param rules: name → :class:`EffectiveRule`, defaults first (in
        registration order), then overrides of unknown names
    :param overrides: the merged file rules (later layers win), name → entry
    :param aliases: deprecated name → the registered rule that replaced it
    :param syntax_errors: overrides that do not parse (they are ``!`` in
        :attr:`rules`, as in oslo.policy)
    """

    rules: dict[str, EffectiveRule]
    defaults: dict[str, policy.RuleDefault]
    overrides: dict[str, files.Entry]
    aliases: dict[str, policy.RuleDefault]
    syntax_errors: list[SyntaxProblem]

    def unknown_overrides(self) -> list[files.Entry]:
        """Overrides naming neither a registered rule nor an old name."""
        return [
            entry
            for name, entry in self.overrides.items()
            if name not in self.defaults and name not in self.aliases
        ]


def parse_override(entry: files.Entry) -> tuple[_upstream.BaseCheck, str]:
    """Return ``(check, '')`` or ``(FalseCheck, reason)`` for one override."""
    if not isinstance(entry.value, str):
        return _upstream.FalseCheck(), (
            f'the check must be a string, not {type(entry.value).__name__}'
        )
    try:
        return _upstream.parse_strict(entry.value), ''
    except _upstream.RuleSyntaxError as exc:
        return _upstream.FalseCheck(), str(exc)


def merge_layers(layers: Iterable[files.Layer]) -> dict[str, files.Entry]:
    """Merge policy files in order; a later file's rule replaces earlier."""
    merged: dict[str, files.Entry] = {}
    for layer in layers:
        merged.update(layer.entries)
    return merged


def build(
    defaults: Iterable[policy.RuleDefault],
    layers: Iterable[files.Layer] = (),
    enforce_new_defaults: bool = True,
) -> RuleSet:
    """Compute the rules an oslo.policy enforcer would use.

    :param defaults: the registered rule defaults
    :param layers: policy files in the order oslo.policy applies them
        (:func:`oslo_extras.policy.files.read_layers`)
    :param enforce_new_defaults: ``[oslo_policy] enforce_new_defaults``
    """
    registered = {}
    for default in defaults:
        if default.name in registered:
            raise policy.DuplicatePolicyError(default.name)
        registered[default.name] = default
    aliases = {}
    for default in registered.values():
        old = default.deprecated_rule
        if old is not None and old.name != default.name:
            aliases.setdefault(old.name, default)
    overrides = merge_layers(layers)

    rules: dict[str, EffectiveRule] = {}
    parsed: dict[str, _upstream.BaseCheck] = {}
    problems = []
    for name, entry in overrides.items():
        check, reason = parse_override(entry)
        parsed[name] = check
        if reason:
            problems.append(SyntaxProblem(entry, reason))

    for name, default in registered.items():
        if name in overrides:
            entry = overrides[name]
            value = entry.value if isinstance(entry.value, str) else ''
            rules[name] = EffectiveRule(
                name, value, parsed[name], entry.kind, entry, default
            )
        else:
            rules[name] = _resolve_default(
                default, overrides, parsed, enforce_new_defaults
            )
    for name, entry in overrides.items():
        if name not in rules:
            value = entry.value if isinstance(entry.value, str) else ''
            rules[name] = EffectiveRule(
                name, value, parsed[name], entry.kind, entry, None
            )
    return RuleSet(rules, registered, overrides, aliases, problems)


def _resolve_default(
    default: policy.RuleDefault,
    overrides: dict[str, files.Entry],
    parsed: dict[str, _upstream.BaseCheck],
    enforce_new_defaults: bool,
) -> EffectiveRule:
    # Mirrors oslo.policy's Enforcer._handle_deprecated_rule().
    old = default.deprecated_rule
    if old is None:
        return EffectiveRule(
            default.name,
            default.check_str,
            default.check,
            DEFAULT,
            None,
            default,
        )
    if old.name != default.name and old.name in overrides:
        entry = overrides[old.name]
        check = parsed[old.name]
        if check != old.check and str(check) != f'rule:{default.name}':
            value = entry.value if isinstance(entry.value, str) else ''
            return EffectiveRule(
                default.name, value, check, DEPRECATED_ALIAS, entry, default
            )
    if not enforce_new_defaults and old.check_str != default.check_str:
        check = policy.OrCheck([default.check, old.check])
        return EffectiveRule(
            default.name,
            str(check),
            check,
            DEFAULT_OR_DEPRECATED,
            None,
            default,
        )
    return EffectiveRule(
        default.name, default.check_str, default.check, DEFAULT, None, default
    )


def default_check(
    default: policy.RuleDefault, enforce_new_defaults: bool = True
) -> _upstream.BaseCheck:
    """Return what ``default`` evaluates to when nothing overrides it."""
    return _resolve_default(default, {}, {}, enforce_new_defaults).check
