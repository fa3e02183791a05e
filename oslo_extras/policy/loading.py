"""Reading policy files for the runtime, and why a load is refused.

:func:`read` turns the files :func:`oslo_extras.policy.files.policy_paths`
found into layers, a rule set and the findings that decide whether
:class:`~oslo_extras.policy.runtime.SafeEnforcer` accepts them.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from oslo_extras.policy import files
from oslo_extras.policy import lint
from oslo_extras.policy import model
from oslo_extras.policy import reload_delta

#: Findings that stop a strict start and any reload.
BLOCKING = frozenset(('policy-file', 'rule-syntax'))
#: Findings that stop a strict start and a strict reload (a YAML null or
#: [] allows everyone in oslo.policy: in strict mode that is no accident
#: to accept).
STRICT_BLOCKING = frozenset(('unknown-rule', 'empty-check'))
#: At most this many unknown names get a "did you mean" at load time: a
#: file of thousands of unknown names must not make loading quadratic.
SUGGESTIONS = 50


class PolicyLoadError(Exception):
    """The policy files were refused; :attr:`findings` says why."""

    def __init__(self, findings: list) -> None:
        self.findings = findings
        super().__init__(
            'policy refused: ' + '; '.join(f.as_text() for f in findings)
        )


class WideningRefused(Exception):
    """A reload that widens access, refused until confirmed."""

    def __init__(self, change: reload_delta.ReloadDelta) -> None:
        self.change = change
        examples = '; '.join(d.as_text() for d in change.examples)
        super().__init__(
            f'the new policy widens access ({change.as_text()}): '
            f'{examples}; confirm with SIGHUP (config mutation) or '
            'reload(allow_widening=True), or turn off '
            '[oslo_extras_policy] refuse_widening_reload'
        )


def read(
    paths: list[tuple[str, str]],
    had_rules: dict[str, bool],
    build: Callable[[list[files.Layer]], model.RuleSet],
    default_rule: str | None,
):
    """Return ``(layers, ruleset, findings)``; layers and ruleset are
    ``None`` when a file cannot be used at all.

    :param had_rules: path -> whether it had rules at the last load (a
        file that had rules and is now 0 bytes is being written)
    :param build: makes the rule set from the layers
    :param default_rule: the name of the fallback rule (known, not a typo)
    """
    try:
        layers = [files.read_layer(path, kind) for path, kind in paths]
    except files.PolicyFileError as exc:
        return None, None, [lint.file_error(exc)]
    for layer in layers:
        if not layer.entries and had_rules.get(layer.path):
            if os.path.getsize(layer.path) == 0:
                # An editor caught mid-write, not a decision to drop every
                # override: a comment or {} says that.
                exc = files.PolicyFileError(
                    layer.path,
                    None,
                    'is empty (being written?); to drop every override '
                    'leave a comment or {} in it',
                )
                return None, None, [lint.file_error(exc)]
    ruleset = build(layers)
    findings = [
        lint.Finding(
            lint.ERROR,
            'rule-syntax',
            p.entry.path,
            p.entry.line,
            p.entry.name,
            p.reason,
        )
        for p in ruleset.syntax_errors
    ]
    findings.extend(
        lint.Finding(
            lint.ERROR,
            note.code,
            note.entry.path,
            note.entry.line,
            note.entry.name,
            note.reason,
        )
        for note in ruleset.notes
        if note.code == 'empty-check'
    )
    findings.extend(lint.unknown_rules(ruleset, default_rule, SUGGESTIONS))
    return layers, ruleset, findings
