"""Keep secret values out of logs, exception texts, reports and diffs.

Every place that shows an option value goes through :func:`display` so the
rule lives in one spot: a ``secret=True`` option, or any value we were told
is secret, is shown as :data:`MASK`.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterable
from collections.abc import Iterator
from typing import Any

MASK = '****'


def display(value: Any, secret: bool) -> str:
    """Return ``value`` as it may be shown to a person."""
    if secret:
        return MASK
    return repr(value) if not isinstance(value, str) else value


def quoted_forms(secret: str) -> list[str]:
    """The forms in which a message may show ``secret``, longest first.

    Libraries quote a value they reject: ``repr()`` escapes newlines,
    backslashes and control characters, JSON escapes them differently, and
    oslo.config's number types strip the whitespace around a value before
    quoting it. Masking only the raw string would let each of those through.
    """
    forms = {secret, secret.strip()}
    for form in list(forms):
        forms.add(repr(form)[1:-1])
        forms.add(json.dumps(form)[1:-1])
        forms.add(json.dumps(form, ensure_ascii=False)[1:-1])
    return sorted((f for f in forms if len(f) >= 3), key=len, reverse=True)


def scrub(text: str, secrets: Any) -> str:
    """Replace every occurrence of each non-empty secret in ``text``.

    A last line of defence for texts built by libraries we do not control
    (an exception message from a client library, for instance). Each
    secret is also masked in its escaped and stripped forms
    (:func:`quoted_forms`).
    """
    forms: set[str] = set()
    for secret in secrets:
        if secret and isinstance(secret, str) and len(secret) >= 3:
            forms.update(quoted_forms(secret))
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, MASK)
    return text


def secret_fragments(values: Iterable[str]) -> Iterator[str]:
    """Yield each secret value and any password inside it.

    A secret ``transport_url`` or ``connection`` URL holds a password that
    could also turn up on its own elsewhere (in a mistyped option, say).
    """
    for value in values:
        if not value:
            continue
        yield value
        for part in value.split(','):
            try:
                password = urllib.parse.urlsplit(part.strip()).password
            except ValueError:
                continue
            if password:
                yield password
                yield urllib.parse.unquote(password)
