"""The result of a check: one problem at one place in one config file."""

from __future__ import annotations

import dataclasses

from oslo_extras import _findings

ERROR = _findings.ERROR
WARNING = _findings.WARNING


@dataclasses.dataclass(frozen=True)
class Finding(_findings.FindingBase):
    """A problem found in a configuration.

    Messages never contain the value of a secret option.

    :param severity: :data:`ERROR` or :data:`WARNING`
    :param code: a stable identifier (``unknown-option``) for
        ``--select``/``--ignore`` and for machines reading ``--format json``
    :param file: the config file, or ``None`` when the problem is not in one
        (a required option that no file sets)
    :param line: 1-based line number in ``file``, or ``None``
    :param group: the group (section) concerned, as written in the file
    :param option: the option concerned, as written in the file
    :param message: one sentence for a person
    :param suggestion: what was probably meant (a name), or ``None``
    """

    severity: str
    code: str
    file: str | None
    line: int | None
    group: str | None
    option: str | None
    message: str
    suggestion: str | None = None

    def as_text(self) -> str:
        """Return ``FILE:LINE: [group] option: message (did you mean 'x'?)``.

        The severity and code follow in brackets: ``[error: unknown-option]``.
        """
        where = self.where('<config>')
        subject = f'[{self.group}]' if self.group else ''
        if self.option:
            subject = f'{subject} {self.option}'.strip()
        text = f'{where}: {subject}: ' if subject else f'{where}: '
        text += self.message + self.did_you_mean()
        return f'{text} [{self.severity}: {self.code}]'

    def sort_key(self) -> tuple[str, int, str, str, str]:
        return (
            *self.place_key(),
            self.group or '',
            self.option or '',
            self.code,
        )
