"""One problem at one line of a policy file, as ``lint`` reports it.

``--format json`` prints a list of :meth:`Finding.as_dict` objects with the
keys ``severity``, ``code``, ``file``, ``line``, ``rule``, ``message`` and
``suggestion``: the keys of ``oslo-config-check`` with ``rule`` in place of
its ``group``/``option`` pair (a policy file has no sections).
"""

from __future__ import annotations

import dataclasses

from oslo_extras import _findings

ERROR = _findings.ERROR
WARNING = _findings.WARNING


@dataclasses.dataclass(frozen=True)
class Finding(_findings.FindingBase):
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

    def as_text(self) -> str:
        """Return ``FILE:LINE: rule: severity: message [code] (did ...)``."""
        text = f'{self.where("<policy>")}: '
        if self.rule:
            text += f'{self.rule}: '
        text += f'{self.severity}: {self.message} [{self.code}]'
        return text + self.did_you_mean()

    def sort_key(self) -> tuple[str, int, str, str]:
        return (*self.place_key(), self.rule or '', self.code)
