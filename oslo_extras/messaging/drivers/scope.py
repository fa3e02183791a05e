"""What the caller's thread tells the driver about the message it sends.

The driver API has no room for a per-message TTL on casts or for queue
arguments, so the client and server set them here, on their own thread,
around the upstream call that publishes or declares; the driver reads them
on that same thread. Our client also hands an extras driver the message's
stamp here (``outgoing``), which other drivers find in the context.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Iterator
from typing import Any


@dataclasses.dataclass(frozen=True)
class QueueOptions:
    """Arguments for the queues a server declares.

    :param topic: the server's target topic (names the dead-letter queue);
        None to give each queue its own (``<queue>.dead``)
    :param ttl: ``x-message-ttl`` in seconds, or None
    :param dead_letter: route expired messages to ``<topic>.dead``
    :param arguments: add ``x-message-ttl`` and the dead-letter exchange to
        the queues; False where others declare the same queues without
        them (notifiers declare notification queues), which RabbitMQ would
        refuse (``PRECONDITION_FAILED``)
    """

    topic: str | None
    ttl: float | None = None
    dead_letter: bool = False
    arguments: bool = True


class _Local(threading.local):
    # Class attributes are every thread's defaults: reading one on a
    # thread that never set it (every reply and heartbeat publish) raises
    # and catches no AttributeError.
    #: A call's TTL, when shorter than its timeout: its AMQP expiration.
    ttl: float | None = None
    #: ``[started, ttl, refused, attempts]`` of the cast or notification
    #: being sent (``started`` on the monotonic clock, when the driver's
    #: send() began): each publish attempt gets what is left of ``ttl`` as
    #: its expiration and is counted in ``attempts``; one that finds
    #: nothing left is not published and sets ``refused`` to the seconds
    #: spent (the driver's send() then raises).
    since: list | None = None
    #: When our notifier's notification began (monotonic clock), set around
    #: upstream's notifier, which sends it to each topic (and driver) in
    #: turn: the TTL of each of those sends counts from then, not from its
    #: own start (a later one starts only after an earlier one gave up).
    notify_started: float | None = None
    queue: QueueOptions | None = None
    #: ``(stamp.WirePlan, sent)`` of the RPC message about to be sent, set
    #: by our client around upstream's call()/cast() when the transport's
    #: driver takes it (``takes_outgoing_stamp``); the driver's send()
    #: takes it (and clears it) for that one message.
    outgoing: Any = None


#: This thread's values. The driver's per-message path reads and swaps
#: ``LOCAL.ttl`` and ``LOCAL.since`` inline: a function call here would cost
#: every publish.
LOCAL = _Local()


@contextlib.contextmanager
def _set(name: str, value: object) -> Iterator[None]:
    previous = getattr(LOCAL, name)
    setattr(LOCAL, name, value)
    try:
        yield
    finally:
        setattr(LOCAL, name, previous)


def queue_options(
    options: QueueOptions | None,
) -> contextlib.AbstractContextManager:
    """Declare the queues of a listener created in this block so."""
    return _set('queue', options)


def current_queue_options() -> QueueOptions | None:
    return LOCAL.queue
