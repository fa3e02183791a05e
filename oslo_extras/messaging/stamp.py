"""The fields a client stamps on a message, and how a server reads them.

The client's serializer writes them as request-context keys
(``oslo_extras_*``). The extras drivers (``rabbit-extras``,
``fake-extras``) then move them out of the context into one top-level key
of the message body, ``oslo_extras``, which stock servers and listeners
never look at: endpoints of a stock server see the caller's context
unchanged, with or without a context serializer. Other drivers (kafka) keep
them in the context; our servers read either place.

The TTL is sent relative (``ttl``) together with the sender's wall clock
(``sent``). A broker that measures TTL itself (RabbitMQ ``expiration``)
needs only the relative value, so clock skew does not matter there: the
driver then marks the stamp ``broker_ttl`` and servers skip the sender-clock
check. The mark is the sender's view: a server's ``rabbit-extras``
connection removes it from what it consumes from a queue that does not
expire messages (a stream), whatever the sender's configuration said.
Otherwise the server compares ``sent + ttl`` with its own clock, allowing
for a declared skew. It always measures the time the message waited inside
the server with a monotonic clock, which no skew can affect.
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
#: The message-body key the extras drivers carry the stamp in.
BODY_KEY = 'oslo_extras'
#: Set in the body stamp when the broker enforces the TTL (AMQP expiration).
BROKER_TTL = 'broker_ttl'
#: Set in the body stamp when the caller's driver takes batched heartbeats
#: (one message per reply queue naming many calls, see ``_batches``).
HEARTBEAT_BATCH = 'heartbeat_batch'


@dataclasses.dataclass(frozen=True)
class Stamp:
    """What a client said about one message.

    :param ttl: seconds the message may live, or None
    :param sent: sender's wall-clock time (``time.time()``) at sending
    :param heartbeat: heartbeat interval the caller asked for, or None
    :param broker_ttl: the broker expired it after ``ttl`` in its queue
    :param heartbeat_batch: the caller takes batched heartbeats
    """

    ttl: float | None = None
    sent: float | None = None
    heartbeat: float | None = None
    broker_ttl: bool = False
    heartbeat_batch: bool = False

    def write(self, ctxt: MutableMapping[str, Any]) -> None:
        """Add the stamp to a serialized request context."""
        # Unrolled: every message sent comes here.
        if self.ttl is not None:
            ctxt[TTL] = self.ttl
        if self.sent is not None:
            ctxt[SENT] = self.sent
        if self.heartbeat is not None:
            ctxt[HEARTBEAT] = self.heartbeat

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

    @classmethod
    def take(
        cls,
        ctxt: MutableMapping[str, Any],
        message: MutableMapping[str, Any],
    ) -> Stamp:
        """Remove the stamp from a received message and its context.

        The body key wins; context keys (other drivers, older clients) are
        removed either way so that endpoints never see them.
        """
        body = message.pop(BODY_KEY, None)
        # Every message received comes here: plain dicts skip the ABC
        # checks, and a context without stamp keys is left alone.
        # Operators, not method calls: no Python-level call for a message
        # whose stamp is in the body (every extras-driver message).
        if (
            type(ctxt) is dict
            and TTL not in ctxt
            and SENT not in ctxt
            and HEARTBEAT not in ctxt
        ):
            from_ctxt = None
        elif isinstance(ctxt, MutableMapping):
            from_ctxt = cls.pop(ctxt)
        else:
            from_ctxt = None
        if body is not None and (
            type(body) is dict or isinstance(body, Mapping)
        ):
            ttl = body['ttl'] if 'ttl' in body else None
            sent = body['sent'] if 'sent' in body else None
            heartbeat = body['heartbeat'] if 'heartbeat' in body else None
            # _fast_numbers() inline: what our clients send is floats.
            if not (
                # x == x: NaN reads as unset (see _number()).
                (ttl is None or (type(ttl) is float and ttl == ttl))
                and (sent is None or (type(sent) is float and sent == sent))
                and (
                    heartbeat is None
                    or (type(heartbeat) is float and heartbeat == heartbeat)
                )
            ):
                ttl, sent, heartbeat = _fast_numbers(ttl, sent, heartbeat)
            return cls(
                ttl=ttl,
                sent=sent,
                heartbeat=heartbeat,
                broker_ttl=BROKER_TTL in body and body[BROKER_TTL] is True,
                heartbeat_batch=HEARTBEAT_BATCH in body
                and body[HEARTBEAT_BATCH] is True,
            )
        return from_ctxt or EMPTY

    def body(self) -> dict[str, Any]:
        """The stamp as the ``oslo_extras`` message-body value."""
        fields: dict[str, Any] = {
            name: value
            for name, value in (
                ('ttl', self.ttl),
                ('sent', self.sent),
                ('heartbeat', self.heartbeat),
            )
            if value is not None
        }
        if self.broker_ttl:
            fields[BROKER_TTL] = True
        if self.heartbeat_batch:
            fields[HEARTBEAT_BATCH] = True
        return fields

    def deadline(self) -> float | None:
        """Return the sender's wall-clock deadline, or None."""
        if self.ttl is None or self.sent is None:
            return None
        return self.sent + self.ttl


def move_to_body(
    ctxt: Any, message: Mapping[str, Any], broker_ttl: bool = False
) -> tuple[Any, dict[str, Any]]:
    """Return copies of ``ctxt`` and ``message`` with the stamp moved.

    Called by the extras drivers on the sending side.

    :param ctxt: the serialized request context (a dict)
    :param message: the request or notification body
    :param broker_ttl: the broker will expire the message after its TTL
    """
    ctxt, message, _ = to_wire(ctxt, message, broker_ttl)
    return ctxt, message


def to_wire(
    ctxt: Any,
    message: Mapping[str, Any],
    broker_ttl: bool = False,
    heartbeat_batch: bool = False,
) -> tuple[Any, dict[str, Any], float | None]:
    """Like :func:`move_to_body`, also returning the stamped TTL (or None).

    One pass over the context: this runs for every message sent.

    :param heartbeat_batch: the sender takes batched heartbeats; said only
        when the message asks for heartbeats
    """
    # Three ``in`` tests, not keys().isdisjoint(): no method calls.
    if (type(ctxt) is not dict and not isinstance(ctxt, Mapping)) or (
        TTL not in ctxt and SENT not in ctxt and HEARTBEAT not in ctxt
    ):
        return ctxt, dict(message), None
    ctxt = dict(ctxt)
    # Not inline as in take(): our clients hand the extras drivers a
    # planned stamp directly; keys come here for the other messages.
    ttl, sent, heartbeat = _fast_numbers(
        ctxt.pop(TTL, None), ctxt.pop(SENT, None), ctxt.pop(HEARTBEAT, None)
    )
    fields: dict[str, Any] = {}
    if ttl is not None:
        fields['ttl'] = ttl
    if sent is not None:
        fields['sent'] = sent
    if heartbeat is not None:
        fields['heartbeat'] = heartbeat
        if heartbeat_batch:
            fields[HEARTBEAT_BATCH] = True
    if broker_ttl and ttl is not None:
        fields[BROKER_TTL] = True
    return ctxt, {**message, BODY_KEY: fields}, ttl


#: What a message nobody stamped carries.
EMPTY = Stamp()


class WirePlan:
    """A send plan's stamp as the extras drivers put it in the body.

    Worked out once per plan. Our client hands it to an extras driver
    directly (``scope.LOCAL.outgoing``, with the message's send time)
    instead of writing context keys the driver would pop again.

    :param stamp: the plan's stamp (``sent`` kept only when fixed)
    """

    __slots__ = ('fields', 'ttl', 'heartbeat')

    def __init__(self, stamp: Stamp) -> None:
        #: ``ttl``, ``sent`` and ``heartbeat`` as set (no flags)
        self.fields = stamp.body()
        self.ttl = stamp.ttl
        self.heartbeat = stamp.heartbeat is not None


def outgoing_to_wire(
    message: Mapping[str, Any],
    outgoing: tuple[WirePlan, float | None],
    broker_ttl: bool = False,
    heartbeat_batch: bool = False,
) -> tuple[dict[str, Any], float | None]:
    """Like :func:`to_wire` for a stamp handed over as ``(plan, sent)``.

    Returns the message with the body stamp and the stamped TTL.
    """
    wire, sent = outgoing
    if not wire.fields and sent is None:
        return {**message}, None  # nothing stamped: no body key
    fields = {**wire.fields}
    if sent is not None:
        fields['sent'] = sent
    if heartbeat_batch and wire.heartbeat:
        fields[HEARTBEAT_BATCH] = True
    if broker_ttl and wire.ttl is not None:
        fields[BROKER_TTL] = True
    return {**message, BODY_KEY: fields}, wire.ttl


#: The wall clock of ``sent`` (``time.time`` itself: every message sent
#: reads it; a module attribute, so tests can move one sender's clock).
now = time.time


def _fast_numbers(
    ttl: Any, sent: Any, heartbeat: Any
) -> tuple[float | None, float | None, float | None]:
    """:func:`_number` of each, in one call (every message comes here)."""
    # What our clients send: floats, and None for what they did not set.
    if (
        # x == x: NaN reads as unset (see _number()).
        (ttl is None or (type(ttl) is float and ttl == ttl))
        and (sent is None or (type(sent) is float and sent == sent))
        and (
            heartbeat is None
            or (type(heartbeat) is float and heartbeat == heartbeat)
        )
    ):
        return ttl, sent, heartbeat
    return _number(ttl), _number(sent), _number(heartbeat)


def _number(value: Any) -> float | None:
    # NaN reads as unset: it compares false with everything, so a NaN TTL
    # would switch off every age check, the server's own TTL too.
    try:
        number = None if value is None else float(value)
    except (TypeError, ValueError, OverflowError):  # 10**400: overflow
        return None
    return number if number == number else None
