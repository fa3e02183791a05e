"""Lint the operator's overrides against the registered defaults.

Codes (severity):

``policy-file`` (error)
    the file cannot be read, is not YAML or is not a mapping
``rule-syntax`` (error)
    oslo.policy logs an error for the check; the message says what it reads
    instead (``!`` for a whole rule that does not parse, ``!`` for each
    token that is no check, so ``not <typo>`` allows everyone there while
    ``SafeEnforcer`` denies: the one decision that differs, on purpose)
``empty-check`` (error)
    a YAML null or ``[]``: oslo.policy allows everyone, as for ``""``
``legacy-syntax`` (warning)
    the old list-of-lists syntax; the message gives the string it means
``rule-name-not-string`` (error)
    a key YAML reads as a number, boolean or null (``1``, ``yes``): no
    ``enforce()`` call ever finds it; quote it
``unknown-rule`` (error)
    no service registers that name and it is no old name either;
    oslo.policy keeps it silently. Comes with a "did you mean"
``undefined-reference`` (error)
    ``rule:x`` where no rule ``x`` exists
``cycle`` (error)
    rules that reference themselves through ``rule:``
``unknown-target-attribute`` (warning)
    ``%(key)s`` that the operation never passes in its target
``deprecated-name`` (warning)
    an override under a rule's old name
``shadowed-by-new-name`` (warning)
    an override under an old name that is ignored because the new name is
    overridden too, or because it equals the old default
``deprecated-for-removal`` (warning)
    an override of a rule that will go away
``redundant-override`` (warning)
    an override equal to the default (``minimize`` drops it)
``duplicate-rule`` (warning)
    a rule written twice in one file (YAML keeps the last)
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Iterator

from oslo_extras import _suggest
from oslo_extras.policy import _upstream
from oslo_extras.policy import defaults as defaults_mod
from oslo_extras.policy import files
from oslo_extras.policy import model
from oslo_extras.policy.findings import ERROR
from oslo_extras.policy.findings import WARNING
from oslo_extras.policy.findings import Finding


def file_error(exc: files.PolicyFileError) -> Finding:
    """Return the finding for a file that could not be read at all."""
    return Finding(ERROR, 'policy-file', exc.path, exc.line, None, exc.reason)


def lint(
    ruleset: model.RuleSet,
    layers: Iterable[files.Layer] = (),
    enforce_new_defaults: bool = True,
    default_rule: str | None = 'default',
) -> list[Finding]:
    """Return every finding for ``ruleset``, sorted by file and line.

    :param ruleset: from :func:`oslo_extras.policy.model.build`
    :param layers: the files it was built from (for repeated keys)
    :param enforce_new_defaults: as the service runs
    :param default_rule: ``[oslo_policy] policy_default_rule``, the rule
        used for names nobody defines (a known name, not a typo)
    """
    found: list[Finding] = []
    for layer in layers:
        for entry in layer.duplicates:
            found.append(
                _at(
                    entry,
                    WARNING,
                    'duplicate-rule',
                    'written more than once in this file; only the last '
                    'one counts',
                )
            )
        for entry in layer.unreachable:
            found.append(
                _at(
                    entry,
                    ERROR,
                    'rule-name-not-string',
                    f'YAML reads the key {entry.name} as a '
                    'number, boolean or null, not a string: oslo.policy '
                    'keeps it where no enforce() call finds it; quote it',
                )
            )
    for problem in ruleset.syntax_errors:
        found.append(_at(problem.entry, ERROR, 'rule-syntax', problem.reason))
    for note in ruleset.notes:
        severity = ERROR if note.code == 'empty-check' else WARNING
        found.append(_at(note.entry, severity, note.code, note.reason))
    found.extend(unknown_rules(ruleset, default_rule))
    found.extend(_references(ruleset))
    found.extend(_target_attributes(ruleset))
    found.extend(_deprecations(ruleset, enforce_new_defaults))
    return sorted(found, key=Finding.sort_key)


def unknown_rules(
    ruleset: model.RuleSet,
    default_rule: str | None = 'default',
    suggestions: int | None = None,
) -> list[Finding]:
    """Return ``unknown-rule`` findings with "did you mean" suggestions.

    :param default_rule: the name of the fallback rule, which is known
    :param suggestions: look up a suggestion for at most this many names
        (each lookup scans every registered name; ``None``: all)
    """
    known = _suggest.Suggester([*ruleset.defaults, *ruleset.aliases])
    referenced = referenced_names(ruleset)
    result = []
    for entry in ruleset.unknown_overrides():
        if entry.name == default_rule or entry.name in referenced:
            # A helper rule the operator defined for rule: references.
            continue
        matches = []
        if suggestions is None or len(result) < suggestions:
            matches = known.suggest(entry.name)
        result.append(
            _at(
                entry,
                ERROR,
                'unknown-rule',
                'no service registers this rule; oslo.policy keeps it but '
                'never enforces it',
                matches[0] if matches else None,
            )
        )
    return result


def referenced_names(ruleset: model.RuleSet) -> set[str]:
    """Every name some rule references through ``rule:``."""
    referenced: set[str] = set()
    for rule in ruleset.rules.values():
        referenced |= _rule_refs(rule.check)
    return referenced


def _nodes(check: _upstream.BaseCheck) -> Iterator[_upstream.BaseCheck]:
    """Yield every node of a check tree (and/or children, not's child)."""
    yield check
    for child in getattr(check, 'rules', None) or ():
        yield from _nodes(child)
    child = getattr(check, 'rule', None)
    if isinstance(child, _upstream.BaseCheck):
        yield from _nodes(child)


def _rule_refs(check: _upstream.BaseCheck) -> set[str]:
    return {
        node.match
        for node in _nodes(check)
        if type(node) is _upstream.RuleCheck
    }


def _references(ruleset: model.RuleSet) -> list[Finding]:
    result = []
    names = list(ruleset.rules)
    cyclic = cycle_members(ruleset)
    for name, rule in ruleset.rules.items():
        if rule.entry is None:
            continue
        for ref in sorted(_rule_refs(rule.check)):
            if ref not in ruleset.rules:
                matches = _suggest.suggest(ref, names)
                result.append(
                    _at(
                        rule.entry,
                        ERROR,
                        'undefined-reference',
                        f"'rule:{ref}' names no rule; it is always denied",
                        matches[0] if matches else None,
                    )
                )
        if name in cyclic:
            result.append(
                _at(
                    rule.entry,
                    ERROR,
                    'cycle',
                    'references itself through rule: (enforcing it never '
                    'ends)',
                )
            )
    return result


def cycle_members(ruleset: model.RuleSet) -> set[str]:
    """Names of the rules on a ``rule:`` cycle (Tarjan, linear time)."""
    graph = {
        name: [ref for ref in _rule_refs(rule.check) if ref in ruleset.rules]
        for name, rule in ruleset.rules.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    members: set[str] = set()
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph[node]:
                    members.update(component)
    return members


def provided_targets(ruleset: model.RuleSet) -> tuple[dict, set[str]]:
    """Return ``({rule: declared target keys}, every key any rule uses)``.

    A rule declared with :func:`oslo_extras.policy.defaults.rule` names its
    keys; for other rules the keys their default check strings read count.
    """
    declared = {}
    everything: set[str] = set()
    for name, default in ruleset.defaults.items():
        keys = set(getattr(default, 'target_attributes', ()) or ())
        if keys:
            declared[name] = keys
        everything |= keys | defaults_mod.target_keys(default.check_str)
        if default.deprecated_rule:
            everything |= defaults_mod.target_keys(
                default.deprecated_rule.check_str
            )
    return declared, everything


def _check_target_keys(check: _upstream.BaseCheck) -> set[str]:
    # Only the match side of a check is formatted with the target.
    found: set[str] = set()
    for node in _nodes(check):
        if isinstance(node, _upstream.Check) and type(node) is not (
            _upstream.RuleCheck
        ):
            found |= defaults_mod.target_keys(node.match)
    return found


#: Target namespaces services fill at run time, that no default reads:
#: keystone passes a list call's query filters as ``filter_attr.<name>``.
SERVICE_TARGET_NAMESPACES = frozenset(('filter_attr',))


def _parents(keys: Iterable[str]) -> set[str]:
    return {key.rsplit('.', 1)[0] for key in keys if '.' in key}


def _passed(key: str, allowed: set[str], parents: set[str]) -> bool:
    # keystone passes whole objects (target.credential, target.project):
    # any attribute of an object some default reads is passed too.
    if key in allowed:
        return True
    if key.endswith('_id') and f'target.{key[:-3]}' in parents:
        # keystone adds the URL's ids (/v3/projects/{project_id}) to the
        # target beside the object itself (target.project).
        return True
    if '.' in key:
        if key.rsplit('.', 1)[0] in parents:
            return True
        root = key.split('.', 1)[0]
        if root in SERVICE_TARGET_NAMESPACES:
            return True
        # A service whose defaults read target.<entity>.<attr> (keystone)
        # passes the whole object of the call there: any attribute of any
        # entity under it can be real (target.prior_role.domain_id).
        if root == 'target' and any(p.startswith('target') for p in parents):
            return True
    return False


def _target_attributes(ruleset: model.RuleSet) -> list[Finding]:
    declared, everything = provided_targets(ruleset)
    every_parent = _parents(everything)
    result = []
    for name, rule in ruleset.rules.items():
        if rule.entry is None:
            continue
        allowed = declared.get(name, everything)
        parents = _parents(allowed) if name in declared else every_parent
        for key in sorted(_check_target_keys(rule.check)):
            if not _passed(key, allowed, parents):
                matches = _suggest.suggest(key, sorted(allowed))
                result.append(
                    _at(
                        rule.entry,
                        WARNING,
                        'unknown-target-attribute',
                        f"reads target '%({key})s' that no operation of "
                        'this rule provides; that check is always false',
                        matches[0] if matches else None,
                    )
                )
    return result


def _deprecations(
    ruleset: model.RuleSet, enforce_new_defaults: bool
) -> list[Finding]:
    result = []
    for old_name, news in ruleset.aliases.items():
        entry = ruleset.overrides.get(old_name)
        if entry is None:
            continue
        result.extend(_alias_findings(ruleset, old_name, news, entry))
    for name, rule in ruleset.rules.items():
        default = rule.default
        if rule.entry is None or default is None:
            continue
        if rule.origin in (model.FILE, model.POLICY_D):
            if default.deprecated_for_removal:
                since = default.deprecated_since
                result.append(
                    _at(
                        rule.entry,
                        WARNING,
                        'deprecated-for-removal',
                        'the rule is deprecated for removal'
                        + (f' since {since}' if since else '')
                        + '; the override will be ignored',
                    )
                )
            if (
                model.is_default(rule.check, default)
                and not _is_referenced_alias(name, ruleset)
                and not _is_live_old_name(name, ruleset)
            ):
                result.append(
                    _at(
                        rule.entry,
                        WARNING,
                        'redundant-override',
                        'equal to the default; remove it (minimize does)',
                    )
                )
    return result


def _names(defaults: Iterable) -> str:
    return ', '.join(f"'{default.name}'" for default in defaults)


def _alias_findings(
    ruleset: model.RuleSet,
    old_name: str,
    news: tuple,
    entry: files.Entry,
) -> list[Finding]:
    live = [
        d
        for d in news
        if ruleset.rules[d.name].origin == model.DEPRECATED_ALIAS
    ]
    ignored = [d for d in news if d not in live]
    registered = old_name in ruleset.defaults
    # As oslo.policy: the DeprecatedRule's release, else the rule's.
    since = news[0].deprecated_rule.deprecated_since or (
        news[0].deprecated_since
    )
    since_text = f' (since {since})' if since else ''
    suggestion = news[0].name if len(news) == 1 else None
    if live and registered:
        # Still a rule of its own: the override stays; never advise
        # renaming or removing it.
        message = (
            f'a registered rule and also the old name of {_names(news)}'
            f'{since_text}; this override is live for {_names(live)} too: '
            'write those overrides explicitly to keep them when the old '
            'name goes'
        )
        return [_at(entry, WARNING, 'deprecated-name', message)]
    if live and _is_referenced_name(old_name, ruleset):
        message = (
            f'old name of {_names(news)}{since_text}; the override is live '
            f'under the new name{"s" if len(live) > 1 else ""} and '
            f"'rule:{old_name}' references it: keep it and also write it "
            f'under {_names(live)} (minimize does)'
        )
        return [_at(entry, WARNING, 'deprecated-name', message, suggestion)]
    if live:
        target = (
            f'rename it to {_names(live)}'
            if len(news) == 1
            else f'write it under each of {_names(live)} (minimize does)'
        )
        message = (
            f'old name of {_names(news)}{since_text}; the override is live '
            f'under the new name{"s" if len(live) > 1 else ""}: {target}'
        )
        return [_at(entry, WARNING, 'deprecated-name', message, suggestion)]
    if registered or _is_referenced_name(old_name, ruleset):
        return []
    message = (
        f'old name of {_names(ignored)}; this override is ignored (the new '
        'name is overridden, or it equals the old default): remove it'
    )
    return [_at(entry, WARNING, 'shadowed-by-new-name', message, suggestion)]


def _is_referenced_name(name: str, ruleset: model.RuleSet) -> bool:
    return any(name in _rule_refs(r.check) for r in ruleset.rules.values())


def _is_referenced_alias(name: str, ruleset: model.RuleSet) -> bool:
    # Overriding a new name (even with its default) keeps an old-name
    # override from becoming live; then it is not redundant.
    default = ruleset.defaults.get(name)
    old = default.deprecated_rule if default is not None else None
    return bool(old and old.name != name and old.name in ruleset.overrides)


def _is_live_old_name(name: str, ruleset: model.RuleSet) -> bool:
    # A registered rule that is also another rule's deprecated name: its
    # override, even one equal to its own default, can be what the other
    # rule enforces (oslo.policy before 5.0 compares checks by identity, so
    # every such override is live there); removing it changes that rule.
    return any(
        ruleset.rules[new.name].origin == model.DEPRECATED_ALIAS
        for new in ruleset.aliases.get(name, ())
    )


def _at(
    entry: files.Entry,
    severity: str,
    code: str,
    message: str,
    suggestion: str | None = None,
) -> Finding:
    return Finding(
        severity,
        code,
        entry.path,
        entry.line,
        entry.name,
        message,
        suggestion,
    )
