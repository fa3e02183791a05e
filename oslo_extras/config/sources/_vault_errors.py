"""How the ``vault`` driver tells hvac and requests failures apart.

Which failures are worth a retry (:func:`transient`), a one-line reason
with no payload for any of them (:func:`describe`), and the error that
moves the source to the next server of ``urls`` (:class:`Unreachable`).
"""

from __future__ import annotations

from typing import Any

import requests

from oslo_extras.config.sources._model import BackendUnavailable


def hvac_exceptions() -> Any:
    """``hvac.exceptions``, imported on first use.

    oslo.config imports every ``oslo.config.driver`` plugin as soon as one
    source is configured; importing hvac only when a vault source is used
    keeps the other drivers' startup light.
    """
    import hvac.exceptions

    return hvac.exceptions


def transient(exc: BaseException) -> bool:
    """Whether a failed call may succeed if tried again."""
    exceptions = hvac_exceptions()
    return isinstance(
        exc,
        (
            requests.ConnectionError,
            requests.Timeout,
            exceptions.InternalServerError,
            exceptions.VaultDown,
            exceptions.BadGateway,
        ),
    )


def describe(exc: BaseException) -> str:
    """A short reason for an hvac or requests failure, with no payload."""
    exceptions = hvac_exceptions()
    if isinstance(exc, exceptions.Forbidden):
        return 'permission denied (token expired, revoked or lacking policy)'
    if isinstance(exc, exceptions.Unauthorized):
        return 'unauthorized'
    if isinstance(exc, exceptions.InvalidPath):
        return 'not found'
    if isinstance(exc, requests.Timeout):
        return 'timed out'
    if isinstance(exc, requests.exceptions.SSLError):
        return 'TLS verification failed'
    if isinstance(exc, requests.ConnectionError):
        return 'connection failed'
    if isinstance(exc, exceptions.VaultError):
        errors = '; '.join(str(e) for e in (exc.errors or [])[:2])
        # One line: server errors come as "1 error occurred:\n\t* ...".
        errors = ' '.join(errors.split())
        return f'{type(exc).__name__}: {errors}'.rstrip(': ')
    return type(exc).__name__


class Unreachable(BackendUnavailable):
    """The server in use cannot be reached (another of ``urls`` may)."""
