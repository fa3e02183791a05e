"""The rules an ``Enforcer(overwrite=False)`` keeps across reloads.

oslo.policy's ``Enforcer`` built with ``overwrite=False`` (glance's) never
resets its rules on a reload: ``set_rules(rules, overwrite=False)`` merges
each re-read file into the rules it already has. So an override removed
from a file (or a whole deleted file) stays in force until ``clear()``,
and a registered rule keeps the check it entered with (its deprecated
default is not resolved again). Which files are merged on a reload:

* the main policy file when it changed (or on a forced reload); a deleted
  one merges nothing;
* every ``policy_dirs`` file, in order, when the main file or any
  ``policy.d`` file changed.

:func:`applied_layers` says which layers a reload merges and
:func:`keep_entered` keeps the rules that were already in force.
"""

from __future__ import annotations

import dataclasses

from oslo_extras.policy import files
from oslo_extras.policy import model

#: The path of the synthetic layer holding every override merged so far.
ACCUMULATED = '<accumulated policy overrides>'


def applied_layers(
    layers: list[files.Layer],
    before: list[tuple[str, str]] | None,
    before_signature: tuple | None,
    after: list[tuple[str, str]],
    after_signature: tuple,
    force: bool,
) -> list[files.Layer]:
    """The layers a reload merges, in order.

    :param before: ``(path, kind)`` of the last accepted load (``None``:
        none yet); ``after``: of the files read now
    :param before_signature: :func:`oslo_extras.policy.files.signature` of
        the last accepted load; ``after_signature``: of the files read now
    """
    old = {item[0]: item for item in before_signature or ()}
    new = {item[0]: item for item in after_signature}

    def split(paths):
        main = [path for path, kind in paths if kind == files.FILE]
        dirs = [path for path, kind in paths if kind != files.FILE]
        return main, dirs

    old_main, old_dirs = split(before or [])
    new_main, new_dirs = split(after)
    # A main file that is gone reads as empty in oslo.policy: it merges
    # nothing, but policy.d is applied again on top.
    main_changed = (
        force
        or before is None
        or old_main != new_main
        or any(old.get(path) != new.get(path) for path in new_main)
    )
    dirs_changed = (
        main_changed
        or old_dirs != new_dirs
        or any(old.get(path) != new.get(path) for path in new_dirs)
    )
    return [
        layer
        for layer in layers
        if (main_changed if layer.kind == files.FILE else dirs_changed)
    ]


def merge(
    accumulated: dict[str, files.Entry], layers: list[files.Layer]
) -> dict[str, files.Entry]:
    """``accumulated`` updated with ``layers`` in order (a new dict)."""
    merged = dict(accumulated)
    for layer in layers:
        merged.update(layer.entries)
    return merged


def as_layer(accumulated: dict[str, files.Entry]) -> files.Layer:
    """One layer holding every override in force."""
    return files.Layer(ACCUMULATED, files.FILE, dict(accumulated), [])


def keep_entered(
    previous: model.RuleSet | None,
    built: model.RuleSet,
    accumulated: dict[str, files.Entry],
) -> model.RuleSet:
    """``built``, except that a rule already in force and not overridden
    now keeps the check it had (oslo.policy only fills in missing rules).
    """
    if previous is None:
        return built
    rules = dict(built.rules)
    upstream = dict(built.upstream_checks)
    for name, rule in previous.rules.items():
        if name in accumulated or name not in rules:
            continue
        rules[name] = rule
        upstream.pop(name, None)
        if name in previous.upstream_checks:
            upstream[name] = previous.upstream_checks[name]
    return dataclasses.replace(built, rules=rules, upstream_checks=upstream)
