"""One problem at one line of a policy file, as ``lint`` reports it.

``--format json`` prints a list of :meth:`Finding.as_dict` objects with the
keys ``severity``, ``code``, ``file``, ``line``, ``rule``, ``message`` and
``suggestion``: the keys of ``oslo-config-check`` with ``rule`` in place of
its ``group``/``option`` pair (a policy file has no sections).
"""

from __future__ import annotations

import dataclasses
from typing import Any

ERROR = 'error'
WARNING = 'warning'


@dataclasses.dataclass(frozen=True)
class Finding:
    """A problem in the operator's policy overrides.

    :param severity: :data:`ERROR` or :data:`WARNING`
    :param code: a stable identifier (``unknown-rule``)
    :param file: the policy file, or ``None`` when not about one
    :param line: 1-based line of the rule's key, or ``None``
    :param rule: the rule name as written in the file, or ``None``
    :param message: one sentence for a person
    :param suggestion: what was probably meant (a rule name), or ``None``
    """

    severity: str
    code: str
    file: str | None
    line: int | None
    rule: str | None
    message: str
    suggestion: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON object ``oslo-policy-delta lint`` prints."""
        return dataclasses.asdict(self)

    def as_text(self) -> str:
        """Return ``FILE:LINE: rule: severity: message [code] (did ...)``."""
        where = self.file or '<policy>'
        if self.line:
            where += f':{self.line}'
        text = f'{where}: '
        if self.rule:
            text += f'{self.rule}: '
        text += f'{self.severity}: {self.message} [{self.code}]'
        if self.suggestion:
            text += f" (did you mean '{self.suggestion}'?)"
        return text

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.file or '', self.line or 0, self.rule or '', self.code)
