"""What a reload did, option by option, with secrets masked.

A :class:`ReloadReport` is returned by every
:meth:`~oslo_extras.config.reload.Reloader.reload` and handed to nothing
else: it is safe to log or print, because a secret option's values are
replaced by :data:`~oslo_extras.config.masking.MASK` when the report is
built, not when it is shown.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from oslo_extras.config import masking
from oslo_extras.config.masking import MASK

#: The change is visible to readers.
APPLIED = 'applied'
#: The option is not ``mutable=True``: the old value stays until a restart.
NEEDS_RESTART = 'needs-restart'
#: The whole reload was refused; ``reason`` says why for this option.
REJECTED = 'rejected'


@dataclasses.dataclass(frozen=True)
class OptionChange:
    """One option whose typed value differs between old and new config.

    :param group: the group name (``DEFAULT`` for the default group)
    :param option: the option ``dest``
    :param status: :data:`APPLIED`, :data:`NEEDS_RESTART` or
        :data:`REJECTED`
    :param old: the old typed value, or :data:`MASK` for a secret
    :param new: the new typed value, or :data:`MASK` for a secret; for a
        value that failed to parse, ``None``
    :param secret: whether the option is ``secret=True``
    :param reason: why the change was rejected or not applied
    """

    group: str
    option: str
    status: str
    old: Any
    new: Any
    secret: bool = False
    reason: str | None = None

    @classmethod
    def build(
        cls,
        group: str,
        option: str,
        status: str,
        old: Any,
        new: Any,
        secret: bool,
        reason: str | None = None,
    ) -> OptionChange:
        """Build a change, masking both values of a secret option."""
        if secret:
            old, new = MASK, MASK
        return cls(group, option, status, old, new, secret, reason)

    def as_text(self) -> str:
        text = (
            f'[{self.group}] {self.option}: {self.status} '
            f'({self.old!r} -> {self.new!r})'
        )
        if self.reason:
            text += f': {self.reason}'
        return text


@dataclasses.dataclass(frozen=True)
class CallbackError:
    """A subscriber or mutate hook that raised; the reload still stands.

    :param callback: the callback's qualified name
    :param group: the group of the change it was called for (or ``None``
        for a mutate hook)
    :param option: the option of the change (or ``None``)
    :param error: the exception type and message, secrets scrubbed
    """

    callback: str
    group: str | None
    option: str | None
    error: str


@dataclasses.dataclass
class ReloadReport:
    """The outcome of one reload.

    :param trigger: what asked for the reload (``api``, ``sighup``,
        ``watch``, ``poll``, ``sources``)
    :param generation: the config generation readers see afterwards
    :param applied: True when the candidate passed validation and was
        installed (even with nothing to change)
    :param changes: every option whose typed value differs, sorted
    :param errors: why the reload was refused (empty when applied)
    :param warnings: validation warnings that did not stop the reload
    :param callback_errors: subscribers or hooks that raised
    :param duration: seconds spent, parse to last callback
    """

    trigger: str = 'api'
    generation: int = 0
    applied: bool = False
    changes: list[OptionChange] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    callback_errors: list[CallbackError] = dataclasses.field(
        default_factory=list
    )
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        """Applied, and every subscriber ran without raising."""
        return self.applied and not self.callback_errors

    def with_status(self, status: str) -> list[OptionChange]:
        """Return the changes with one status."""
        return [c for c in self.changes if c.status == status]

    @property
    def applied_changes(self) -> list[OptionChange]:
        return self.with_status(APPLIED)

    @property
    def needs_restart(self) -> list[OptionChange]:
        return self.with_status(NEEDS_RESTART)

    @property
    def rejected(self) -> list[OptionChange]:
        return self.with_status(REJECTED)

    def change(self, group: str, option: str) -> OptionChange | None:
        """Return the change of ``[group] option``, if it changed."""
        for item in self.changes:
            if (item.group, item.option) == (group, option):
                return item
        return None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (values already masked)."""
        return dataclasses.asdict(self)

    def as_text(self) -> str:
        """Return a few human lines: outcome, then one line per change."""
        if self.applied:
            head = (
                f'config reload ({self.trigger}) applied, generation '
                f'{self.generation}: {len(self.applied_changes)} applied, '
                f'{len(self.needs_restart)} need a restart'
            )
        else:
            head = f'config reload ({self.trigger}) rejected, old config kept:'
        lines = [head]
        if not self.applied:
            lines += ['  error: ' + text for text in self.errors]
        lines += ['  ' + change.as_text() for change in self.changes]
        lines += ['  warning: ' + text for text in self.warnings]
        lines += [
            f'  callback {e.callback} failed'
            + (f' for [{e.group}] {e.option}' if e.option else '')
            + f': {e.error}'
            for e in self.callback_errors
        ]
        return '\n'.join(lines)


def scrubbed(value: Any, secrets: list[str]) -> Any:
    """Return ``value`` with every secret in its strings masked."""
    if isinstance(value, str):
        return masking.scrub(value, secrets)
    if isinstance(value, list):
        return [scrubbed(v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: scrubbed(v, secrets) for k, v in value.items()}
    return value
