"""What config check findings and policy lint findings have in common.

Both capabilities report one problem at one place in one file with a
severity, a stable code, a message and maybe a suggestion; each keeps its
own dataclass (its own fields and text), built on :class:`FindingBase`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

ERROR = 'error'
WARNING = 'warning'


class FindingBase:
    """The shared behaviour of a frozen ``Finding`` dataclass.

    The dataclass has the fields ``severity`` (:data:`ERROR` or
    :data:`WARNING`), ``code``, ``file``, ``line``, ``message`` and
    ``suggestion``; these annotations are not fields themselves.
    """

    severity: str
    code: str
    file: str | None
    line: int | None
    message: str
    suggestion: str | None

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_dict(self) -> dict[str, Any]:
        """Return the object ``--format json`` prints: the fields in order."""
        return dataclasses.asdict(self)

    def where(self, no_file: str) -> str:
        """Return ``FILE:LINE``, ``FILE`` without a line, ``no_file``
        without a file."""
        where = self.file or no_file
        if self.line:
            where += f':{self.line}'
        return where

    def did_you_mean(self) -> str:
        """Return `` (did you mean 'x'?)``, or nothing without a suggestion."""
        if self.suggestion:
            return f" (did you mean '{self.suggestion}'?)"
        return ''

    def place_key(self) -> tuple[str, int]:
        """The first part of a sort key: by file, then line."""
        return (self.file or '', self.line or 0)
