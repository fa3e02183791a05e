"""The fields a client stamps on a message, and how a server reads them.

They travel as request-context keys (``_context_oslo_extras_*`` on AMQP),
which every driver carries and stock servers ignore: an oslo.context
``RequestContext.from_dict()`` drops unknown keys.

The TTL is sent relative (``ttl``) together with the sender's wall clock
(``sent``). A broker that measures TTL itself (RabbitMQ ``expiration``) needs
only the relative value, so clock skew does not matter there; the server
check compares ``sent + ttl`` with its own clock, allowing for a declared
skew, and also measures the time the message waited inside the server with
a monotonic clock, which no skew can affect.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from collections.abc import MutableMapping
from typing import Any

PREFIX = 'oslo_extras_'
TTL = PREFIX + 'ttl'
SENT = PREFIX + 'sent'
HEARTBEAT = PREFIX + 'heartbeat'
KEYS = (TTL, SENT, HEARTBEAT)


@dataclasses.dataclass(frozen=True)
class Stamp:
    """What a client said about one message.

    :param ttl: seconds the message may live, or None
    :param sent: sender's wall-clock time (``time.time()``) at sending
    :param heartbeat: heartbeat interval the caller asked for, or None
    """

    ttl: float | None = None
    sent: float | None = None
    heartbeat: float | None = None

    def write(self, ctxt: MutableMapping[str, Any]) -> None:
        """Add the stamp to a serialized request context."""
        for key, value in (
            (TTL, self.ttl),
            (SENT, self.sent),
            (HEARTBEAT, self.heartbeat),
        ):
            if value is not None:
                ctxt[key] = value

    @classmethod
    def pop(cls, ctxt: MutableMapping[str, Any]) -> Stamp:
        """Remove the stamp from ``ctxt`` (endpoints never see it)."""
        return cls(
            ttl=_number(ctxt.pop(TTL, None)),
            sent=_number(ctxt.pop(SENT, None)),
            heartbeat=_number(ctxt.pop(HEARTBEAT, None)),
        )

    @classmethod
    def read(cls, ctxt: Mapping[str, Any]) -> Stamp:
        """Read the stamp from ``ctxt`` without changing it."""
        return cls.pop(dict(ctxt))

    def deadline(self) -> float | None:
        """Return the sender's wall-clock deadline, or None."""
        if self.ttl is None or self.sent is None:
            return None
        return self.sent + self.ttl


def now() -> float:
    return time.time()


def _number(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None
