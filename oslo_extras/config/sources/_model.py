"""The data every source and driver exchanges: errors, fetch results and
refresh reports. No behaviour lives here, so every other module of the
package can import it."""

from __future__ import annotations

import dataclasses
from typing import Any

#: (group, option) as oslo.config names them (``DEFAULT`` for no group).
Key = tuple[str, str]


class SourceError(Exception):
    """A configuration source cannot give a value it is responsible for.

    The message names the source, the option and the reason, never the
    value.

    :param source: the source group name (``[DEFAULT] config_source`` entry)
    :param reason: why, with no secret in it
    :param key: the ``(group, option)`` concerned, if any
    """

    def __init__(self, source: str, reason: str, key: Key | None = None):
        self.source = source
        self.reason = reason
        self.key = key
        where = f'[{key[0]}] {key[1]}: ' if key else ''
        super().__init__(f'config source [{source}]: {where}{reason}')


class BackendUnavailable(Exception):
    """The whole backend could not be read (raised by ``fetch``)."""


@dataclasses.dataclass
class FetchResult:
    """What one batch read of a backend returned.

    :param values: ``(group, option) -> raw value``
    :param locations: ``(group, option) -> path`` inside the backend
    :param errors: ``(group, option) -> reason`` for secrets the source
        serves that could not be read (missing path or field, bad
        permissions, ...). A whole group that is missing (a ``groups``
        entry with no secret) uses the option name ``*``.
    :param ttl: seconds the backend says these values stay valid (a Vault
        lease), or None
    """

    # Never in a repr (a traceback with locals, a debugger, an error
    # reporter): the values are the secrets.
    values: dict[Key, Any] = dataclasses.field(
        default_factory=dict, repr=False
    )
    locations: dict[Key, str] = dataclasses.field(default_factory=dict)
    errors: dict[Key, str] = dataclasses.field(default_factory=dict)
    ttl: float | None = None


@dataclasses.dataclass
class RefreshReport:
    """The outcome of :meth:`RefreshableSource.refresh`.

    :param changed: ``(group, option)`` whose value changed (an option
        that appeared counts as changed)
    :param failed: ``(group, option, reason)`` kept at their last good
        value (an option that disappeared from the backend is one)
    :param missing: ``(group, option)`` of those failures where a backend
        that answered has no usable value (a deleted secret, or a value
        the option's type refuses), as opposed to a backend that could not
        be read; the reload capability refuses a reload while one is
        missing
    """

    changed: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    failed: list[tuple[str, str, str]] = dataclasses.field(
        default_factory=list
    )
    missing: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failed
