"""The effective rule set: defaults plus overrides, as the enforcer sees it.

:func:`build` applies oslo.policy's own precedence (``Enforcer.load_rules``
and ``_handle_deprecated_rule`` in oslo.policy 6.x) to the registered
defaults and the policy file layers, and tags every rule with where it came
from, so ``effective``, ``minimize``, ``lint`` and the runtime all agree.
It compares parsed checks as the installed oslo.policy does: before 5.0
checks have no ``__eq__``, so an old-name override is always live there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from collections.abc import Mapping

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
    """An override oslo.policy logs an error for (or, as a note, reads in a
    surprising way: YAML null, ``[]``, the legacy list syntax).

    :param reason: what oslo.policy does with it, in one sentence
    :param widened_by_upstream: oslo.policy allows more than
        :class:`SafeEnforcer` for it (a broken token under ``not``)
    """

    entry: files.Entry
    reason: str
    widened_by_upstream: bool = False
    code: str = 'rule-syntax'


@dataclasses.dataclass
class RuleSet:
    """The result of :func:`build`.

    :param rules: name → :class:`EffectiveRule`, defaults first (in
        registration order), then overrides of unknown names
    :param overrides: the merged file rules (later layers win), name → entry
    :param aliases: deprecated name → every registered rule that replaced
        it (several when one old rule was split into new ones)
    :param syntax_errors: overrides oslo.policy logs an error for (in
        :attr:`rules` they read as oslo.policy reads them, except a broken
        token under ``not``, which denies)
    :param notes: overrides read in a surprising but valid way (YAML null,
        ``[]``, legacy list syntax)
    :param upstream_checks: rule name → oslo.policy's reading of its check,
        for the rules whose check reads a broken token under ``not`` as
        ``@`` (see :meth:`exact_checks`)
    """

    rules: dict[str, EffectiveRule]
    defaults: dict[str, policy.RuleDefault]
    overrides: dict[str, files.Entry]
    aliases: dict[str, tuple[policy.RuleDefault, ...]]
    syntax_errors: list[SyntaxProblem]
    notes: list[SyntaxProblem] = dataclasses.field(default_factory=list)
    upstream_checks: dict[str, _upstream.BaseCheck] = dataclasses.field(
        default_factory=dict
    )

    def exact_checks(self) -> dict[str, _upstream.BaseCheck] | None:
        """Every rule's check as oslo.policy reads it, or ``None`` when
        that is :attr:`rules` itself.

        SafeEnforcer evaluates a ``rule:`` reference under an odd number of
        ``not`` with these (``compiler.Table``'s ``exact_checks``); every
        tool that decides as SafeEnforcer does must pass them too.
        """
        if not self.upstream_checks:
            return None
        return {
            name: self.upstream_checks.get(name, rule.check)
            for name, rule in self.rules.items()
        }

    def unknown_overrides(self) -> list[files.Entry]:
        """Overrides naming neither a registered rule nor an old name."""
        return [
            entry
            for name, entry in self.overrides.items()
            if name not in self.defaults and name not in self.aliases
        ]


def parse_override(entry: files.Entry) -> _upstream.Parsed:
    """Parse one override as oslo.policy does (see ``parse_value``)."""
    return _upstream.parse_value(entry.value)


def check_text(entry: files.Entry, check: _upstream.BaseCheck) -> str:
    """The override's text in force: as written when it is a string."""
    return entry.value if isinstance(entry.value, str) else str(check)


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
    upstream_reading: bool = False,
) -> RuleSet:
    """Compute the rules an oslo.policy enforcer would use.

    :param defaults: the registered rule defaults
    :param layers: policy files in the order oslo.policy applies them
        (:func:`oslo_extras.policy.files.read_layers`)
    :param enforce_new_defaults: ``[oslo_policy] enforce_new_defaults``
    :param upstream_reading: read a broken token under ``not`` as
        oslo.policy does (``!``) instead of as SafeEnforcer does (``@``)
    """
    registered = {}
    for default in defaults:
        if default.name in registered:
            raise policy.DuplicatePolicyError(default.name)
        registered[default.name] = default
    grouped: dict[str, list[policy.RuleDefault]] = {}
    for default in registered.values():
        old = default.deprecated_rule
        if old and old.name != default.name:
            grouped.setdefault(old.name, []).append(default)
    aliases = {name: tuple(group) for name, group in grouped.items()}
    overrides = merge_layers(layers)

    rules: dict[str, EffectiveRule] = {}
    parsed: dict[str, _upstream.BaseCheck] = {}
    problems = []
    notes = []
    # id(entry) -> oslo.policy's reading, where ours differs.
    upstream_of: dict[int, _upstream.BaseCheck] = {}
    for name, entry in overrides.items():
        result = parse_override(entry)
        parsed[name] = result.upstream if upstream_reading else result.check
        if result.widened_by_upstream and not upstream_reading:
            upstream_of[id(entry)] = result.upstream
        if result.problem:
            problems.append(
                SyntaxProblem(
                    entry, result.problem, result.widened_by_upstream
                )
            )
        elif result.note:
            code = 'legacy-syntax' if entry.value else 'empty-check'
            notes.append(SyntaxProblem(entry, result.note, code=code))

    for name, default in registered.items():
        if name in overrides:
            rules[name] = _overridden(name, overrides[name], parsed, default)
        else:
            rules[name] = resolve_default(
                default, overrides, parsed, enforce_new_defaults
            )
    for name, entry in overrides.items():
        if name not in rules:
            rules[name] = _overridden(name, entry, parsed, None)
    # A rule whose check is an override's (its own, or an old name's it
    # took): the override's upstream reading, where it differs.
    upstream_checks = {
        name: upstream_of[id(rule.entry)]
        for name, rule in rules.items()
        if rule.entry is not None
        and id(rule.entry) in upstream_of
        and rule.check is parsed[rule.entry.name]
    }
    return RuleSet(
        rules, registered, overrides, aliases, problems, notes, upstream_checks
    )


def _overridden(
    name: str,
    entry: files.Entry,
    parsed: Mapping[str, _upstream.BaseCheck],
    default: policy.RuleDefault | None,
) -> EffectiveRule:
    """The rule an override sets (``default`` None: a rule no one
    registered)."""
    return EffectiveRule(
        name,
        check_text(entry, parsed[name]),
        parsed[name],
        entry.kind,
        entry,
        default,
    )


def resolve_default(
    default: policy.RuleDefault,
    overrides: dict[str, files.Entry],
    parsed: dict[str, _upstream.BaseCheck],
    enforce_new_defaults: bool,
) -> EffectiveRule:
    # Mirrors oslo.policy's Enforcer._handle_deprecated_rule().
    old = default.deprecated_rule
    if not old:
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
            return EffectiveRule(
                default.name,
                check_text(entry, check),
                check,
                DEPRECATED_ALIAS,
                entry,
                default,
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
    return resolve_default(default, {}, {}, enforce_new_defaults).check


def is_default(
    check: _upstream.BaseCheck, default: policy.RuleDefault
) -> bool:
    """Whether ``check`` equals the default in both ``enforce_new_defaults``
    modes (an override equal to the new default still pins it when the
    deprecated default would be OR'd in)."""
    text = str(check)
    return all(
        text == str(default_check(default, mode)) for mode in (True, False)
    )
