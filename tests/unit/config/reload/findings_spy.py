"""Record what a reloader's validation found, run by run.

The incremental-validation tests compare each reload's findings with a
fresh full validation of the same files.
"""

from __future__ import annotations

from typing import Any


def record_findings(reloader: Any) -> list[list[Any]]:
    """Wrap ``reloader.checks.findings``; return the list each run's
    findings are appended to (the last run's are ``[-1]``)."""
    seen: list[list[Any]] = []
    findings = reloader.checks.findings

    def spy(namespace: Any = None) -> list[Any]:
        seen.append(findings(namespace))
        return seen[-1]

    reloader.checks.findings = spy
    return seen
