"""What the caller's thread tells the driver about the message it sends.

The driver API has no room for a per-message TTL on casts or for queue
arguments, so the client and server set them here, on their own thread,
around the upstream call that publishes or declares; the driver reads them
on that same thread.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Iterator

_LOCAL = threading.local()


@dataclasses.dataclass(frozen=True)
class QueueOptions:
    """Arguments for the queues a server declares.

    :param topic: the server's target topic (names the dead-letter queue)
    :param ttl: ``x-message-ttl`` in seconds, or None
    :param dead_letter: route expired messages to ``<topic>.dead``
    """

    topic: str
    ttl: float | None = None
    dead_letter: bool = False


@contextlib.contextmanager
def message_ttl(ttl: float | None) -> Iterator[None]:
    """Publish messages sent in this block with AMQP ``expiration``."""
    previous = getattr(_LOCAL, 'ttl', None)
    _LOCAL.ttl = ttl
    try:
        yield
    finally:
        _LOCAL.ttl = previous


def current_ttl() -> float | None:
    return getattr(_LOCAL, 'ttl', None)


@contextlib.contextmanager
def queue_options(options: QueueOptions | None) -> Iterator[None]:
    """Declare the queues of a listener created in this block so."""
    previous = getattr(_LOCAL, 'queue', None)
    _LOCAL.queue = options
    try:
        yield
    finally:
        _LOCAL.queue = previous


def current_queue_options() -> QueueOptions | None:
    return getattr(_LOCAL, 'queue', None)
