"""``minimize``: the smallest overrides that keep every decision.

:func:`minimize` picks the overrides to keep; :func:`render` writes them,
editing the operator's own file line by line where it can (comments and
layout stay); :func:`prove` re-reads the rendered text and compares every
decision with :mod:`oslo_extras.policy.equivalence`, in both
``enforce_new_defaults`` modes. The CLI writes nothing unless :func:`prove`
found no difference.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from typing import Any

from oslo_policy import policy

from oslo_extras import _fileutils
from oslo_extras.policy import equivalence
from oslo_extras.policy import files
from oslo_extras.policy import lint
from oslo_extras.policy import model


class DeltaError(Exception):
    """The delta cannot be computed or would change a decision."""


def minimize(
    ruleset: model.RuleSet, enforce_new_defaults: bool = True
) -> dict[str, Any]:
    """Return the smallest overrides giving the same effective rules.

    Drops overrides equal to the default in both ``enforce_new_defaults``
    modes (so the file stays right when the option flips), writes an
    override given under a deprecated name under every new name it is live
    for (one old rule can have been split into several), drops old names
    oslo.policy ignores, and
    keeps rules no service registers (helper rules, typos: lint reports
    those) and old names that are still registered rules or referenced by
    ``rule:``.

    :raises DeltaError: when an override has a syntax error (fix it first)
    """
    if ruleset.syntax_errors:
        first = ruleset.syntax_errors[0]
        raise DeltaError(
            f'{first.entry.path}:{first.entry.line}: {first.entry.name}: '
            f'{first.reason}; fix the syntax errors first'
        )
    referenced = lint.referenced_names(ruleset)
    kept: dict[str, Any] = {}
    for name, entry in ruleset.overrides.items():
        news = ruleset.aliases.get(name, ())
        if name in ruleset.defaults:
            rule = ruleset.rules[name]
            if not model.is_default(rule.check, rule.default):
                kept[name] = entry.value
        for new in news:
            live = ruleset.rules[new.name]
            if live.origin == model.DEPRECATED_ALIAS:
                kept[new.name] = entry.value
        if news and (name in referenced or name in ruleset.defaults):
            # rule:old-name stays meaningful, or the old name is a rule
            # of its own: keep it as written, and keep every new name's own
            # override, even one equal to the default: it is what stops the
            # old name from becoming live there.
            kept[name] = entry.value
            for new in news:
                if new.name in ruleset.overrides:
                    kept[new.name] = ruleset.overrides[new.name].value
        if name not in ruleset.defaults and not news:
            kept[name] = entry.value
    return kept


def format_overrides(overrides: dict[str, Any], header: str = '') -> str:
    """Return a policy file with one ``"name": "check"`` line per rule."""
    lines = [f'# {line}' if line else '#' for line in header.splitlines()]
    if not overrides:
        lines.append('# No overrides: every rule uses its default.')
    for name, check_str in overrides.items():
        lines.append(f'{json.dumps(name)}: {json.dumps(check_str)}')
    return '\n'.join(lines) + '\n'


def render(
    kept: dict[str, Any],
    layer: files.Layer | None,
    text: str | None,
    header: str = '',
) -> str:
    """Return the minimized file, edited from ``text`` when given.

    Lines of dropped rules are removed; kept rules stay as written, with
    their comments; rules written under new names are appended. Without
    ``text`` (or for JSON), a fresh file is written.
    """
    if text is None or layer is None or text.lstrip().startswith('{'):
        return format_overrides(kept, header)
    drop: set[int] = set()
    for name, entry in layer.entries.items():
        if name in kept and kept[name] == entry.value:
            continue
        end = entry.end_line or entry.line
        drop.update(range(entry.line, end + 1))
    for entry in layer.duplicates + layer.unreachable:
        end = entry.end_line or entry.line
        drop.update(range(entry.line, end + 1))
    lines = text.splitlines(keepends=True)
    out = [line for number, line in enumerate(lines, 1) if number not in drop]
    if out and not out[-1].endswith('\n'):
        out[-1] += '\n'
    added = {
        name: value
        for name, value in kept.items()
        if name not in layer.entries or layer.entries[name].value != value
    }
    if added:
        out.append(
            '# Written by oslo-policy-delta minimize under the current '
            'rule names:\n'
        )
        out.extend(
            f'{json.dumps(name)}: {json.dumps(value)}\n'
            for name, value in added.items()
        )
    return ''.join(out)


def prove(
    defaults: Sequence[policy.RuleDefault],
    layers: Sequence[files.Layer],
    rendered: str,
    path: str,
    default_rule: Any = 'default',
) -> list[str]:
    """Compare every decision of ``layers`` with ``rendered`` replacing them.

    :returns: one line per problem, the first a summary (empty when every
        decision is kept in both ``enforce_new_defaults`` modes)
    """
    try:
        new_layer = files.parse_layer(rendered, path)
    except files.PolicyFileError as exc:
        return [f'the minimized file does not parse: {exc}']
    problems = []
    for enforce_new in (True, False):
        before = model.build(defaults, layers, enforce_new)
        after = model.build(defaults, [new_layer], enforce_new)
        report = equivalence.compare(before, after, default_rule, limit=3)
        if report.equivalent:
            continue
        problems.append(
            f'with enforce_new_defaults={enforce_new} it would change '
            f'{report.widened + report.narrowed} of {report.checked} '
            f'decisions ({report.widened} widen, {report.narrowed} narrow)'
        )
        examples = report.widened_examples or report.differences
        problems.extend(d.as_text() for d in examples)
    return problems


HEADER = (
    'Policy overrides: only the rules that differ from the defaults.\n'
    'Written by oslo-policy-delta minimize.'
)


@dataclasses.dataclass
class Output:
    """What ``minimize`` would write, and whether it may.

    :param problems: empty when every decision was proven unchanged
    :param fresh: the operator's file could not be edited line by line
        (YAML anchors on dropped lines): a fresh file without its comments
    """

    text: str
    problems: list[str]
    fresh: bool = False


def produce(
    kept: dict[str, Any],
    layers: Sequence[files.Layer],
    defaults: Sequence[policy.RuleDefault],
    where: str,
    default_rule: Any = 'default',
) -> Output:
    """Render ``kept`` (editing the policy file when it is the only layer)
    and prove it; fall back to a fresh file when the edit cannot be proven.
    """
    source = None
    if len(layers) == 1 and layers[0].kind == files.FILE:
        source = layers[0]
    text = render(
        kept, source, _read_text(source.path) if source else None, HEADER
    )
    problems = prove(defaults, layers, text, where, default_rule)
    if problems and source is not None:
        fresh = format_overrides(kept, HEADER)
        if not prove(defaults, layers, fresh, where, default_rule):
            return Output(fresh, [], fresh=True)
    return Output(text, problems)


def write(path: str, text: str) -> str | None:
    """Replace ``path`` atomically, through symlinks, keeping a backup.

    A symlink (a ConfigMap's ``name -> ..data/name``) stays a link: its
    target is rewritten. Backups are never overwritten: ``.bak``, then
    ``.bak.1``, ``.bak.2``...

    :returns: the backup's path, or ``None`` when there was no file
    :raises OSError: when the file cannot be written
    """
    real = os.path.realpath(path)
    suffix = _backup_suffix(real) if os.path.exists(real) else None
    _fileutils.atomic_write(real, text, backup_suffix=suffix)
    return real + suffix if suffix else None


def _read_text(path: str) -> str | None:
    try:
        with open(path, encoding='utf-8') as stream:
            return stream.read()
    except (OSError, UnicodeDecodeError):
        return None


def _backup_suffix(path: str) -> str:
    if not os.path.lexists(path + '.bak'):
        return '.bak'
    number = 1
    while os.path.lexists(f'{path}.bak.{number}'):
        number += 1
    return f'.bak.{number}'
