"""Keep secret values out of logs, exception texts, reports and diffs.

Every place that shows an option value goes through :func:`display` so the
rule lives in one spot: a ``secret=True`` option, or any value we were told
is secret, is shown as :data:`MASK`.
"""

from __future__ import annotations

from typing import Any

MASK = '****'


def display(value: Any, secret: bool) -> str:
    """Return ``value`` as it may be shown to a person."""
    if secret:
        return MASK
    return repr(value) if not isinstance(value, str) else value


def scrub(text: str, secrets: Any) -> str:
    """Replace every occurrence of each non-empty secret in ``text``.

    A last line of defence for texts built by libraries we do not control
    (an exception message from a client library, for instance).
    """
    for secret in secrets:
        if secret and isinstance(secret, str) and len(secret) >= 3:
            text = text.replace(secret, MASK)
    return text
