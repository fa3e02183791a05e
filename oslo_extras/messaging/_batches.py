"""Batched heartbeats: one message per caller reply queue per interval.

A stock heartbeat is one reply message per running call. A caller process
waits on one reply queue for all its calls, so a server running a thousand
calls of ten callers sent a thousand messages a second where ten would do.
Callers whose driver understands a batch say so in the request's stamp
(``heartbeat_batch``); their calls join the :class:`Batch` of their reply
queue and interval, which the scheduler heartbeats as one: one message
naming every msg_id due. Other callers keep one standard heartbeat per call.

On the wire a batch is a reply message without ``_msg_id`` (a stock
waiter drops it as an unknown reply) and with ``oslo_extras_heartbeats``,
the list of msg_ids; the caller's driver turns it into one standard
heartbeat per msg_id it still waits for (:func:`split`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

from oslo_extras.messaging import _heartbeats

LOG = logging.getLogger(__name__)

#: The reply-message key naming the msg_ids a batch heartbeats.
KEY = 'oslo_extras_heartbeats'
#: Seconds a call whose work ended stays in its batch at most, should its
#: reply never be reported (:meth:`Member.replied`).
MAX_REPLY_WAIT = 60.0


def encode(msg_ids: list[str]) -> dict[str, Any]:
    """The reply message that heartbeats every call in ``msg_ids``."""
    return {'result': None, 'failure': None, 'ending': False, KEY: msg_ids}


def split(message: Mapping[str, Any]) -> list[tuple[str, dict]] | None:
    """``[(msg_id, standard heartbeat), ...]`` for each call of a batch.

    None for a message that is not a batch.
    """
    msg_ids = message.get(KEY) if isinstance(message, Mapping) else None
    if not isinstance(msg_ids, list):
        return None
    return [
        (msg_id, {'result': None, 'failure': None, 'ending': False})
        for msg_id in msg_ids
        if isinstance(msg_id, str)
    ]


class Member:
    """One call's place in a batch; quacks like :class:`_heartbeats.Beat`.

    A call stays in its batch after its work ended (:meth:`finish`) until
    its reply left (:meth:`replied`): a reply waiting for a connection
    in a burst of calls ending together is covered by the batch's
    heartbeats, which cost nothing per call. The caller ignores heartbeats
    for a call it got the reply of.
    """

    def __init__(self, batch: Batch, msg_id: str) -> None:
        self.batch = batch
        self.msg_id = msg_id
        self.interval = batch.interval
        self.sent = 0
        self.last_sent: float | None = None
        self.failed: BaseException | None = None
        self.stopped = False
        #: monotonic time its work ended (None: still running)
        self.ended: float | None = None

    def stop(self) -> None:
        self.stopped = True
        self.batch.leave(self)

    def finish(self) -> None:
        """Its work ended: the reply is next (see :meth:`replied`).

        Unlike a call's own heartbeats, no last one is sent now: the call
        stays in its batch, whose rhythm goes on until the reply left.
        """
        self.ended = time.monotonic()

    def replied(self) -> None:
        """Its reply left (or never will): no more heartbeats."""
        self.stop()


class Batch:
    """The calls of one reply queue heartbeated at one interval.

    Registered with the scheduler as one heartbeat whose ``send`` sends
    one message for every member.
    """

    def __init__(
        self,
        batches: Batches,
        reply_q: str,
        interval: float,
    ) -> None:
        self.batches = batches
        self.reply_q = reply_q
        self.interval = interval
        self.members: dict[str, Member] = {}
        self.beat: _heartbeats.Beat | None = None

    def send(self) -> None:
        now = time.monotonic()
        with self.batches.lock:
            members = list(self.members.values())
            # Never released (a path that skipped replied()): let go.
            for member in members:
                if member.ended is not None and now - member.ended > (
                    MAX_REPLY_WAIT
                ):
                    del self.members[member.msg_id]
            members = list(self.members.values())
        if not members:
            return
        try:
            self.batches.send(self.reply_q, [m.msg_id for m in members])
        except Exception as exc:
            # The reply queue is gone: every caller on it gave up.
            with self.batches.lock:
                self.batches.forget(self)
            for member in members:
                member.failed = exc
                member.stopped = True
            raise
        now = time.monotonic()
        for member in members:
            member.sent += 1
            member.last_sent = now

    def leave(self, member: Member) -> None:
        with self.batches.lock:
            if self.members.get(member.msg_id) is member:
                del self.members[member.msg_id]
            if self.members or self.beat is None:
                return
            self.batches.forget(self)
        # Outside the lock: the scheduler holds the beat's lock while it
        # calls send(), which takes the batches' lock.
        self.beat.stop()


class Batches:
    """The batches of one server, by reply queue and interval.

    :param scheduler: the server's heartbeat scheduler
    :param send: ``send(reply_q, msg_ids)`` publishes one batch message
    """

    def __init__(
        self,
        scheduler: _heartbeats.HeartbeatScheduler,
        send: Callable[[str, list[str]], None],
    ) -> None:
        self.scheduler = scheduler
        self.send = send
        self.lock = threading.Lock()
        self._batches: dict[tuple[str, float], Batch] = {}

    def join(
        self,
        reply_q: str,
        msg_id: str,
        interval: float,
        first_after: float | None = None,
    ) -> Member:
        """Heartbeat call ``msg_id`` with the others of ``reply_q``.

        The batch's next heartbeat is moved earlier when this call needs
        its first one sooner; a later one is never waited for.
        """
        first = interval if first_after is None else first_after
        first = min(interval, max(0.0, first))
        with self.lock:
            batch = self._batches.get((reply_q, interval))
            if batch is None:
                batch = Batch(self, reply_q, interval)
                self._batches[(reply_q, interval)] = batch
            member = Member(batch, msg_id)
            batch.members[msg_id] = member
            if batch.beat is None:
                batch.beat = self.scheduler.start(
                    batch.send,
                    interval,
                    label=f'batch of {reply_q}',
                    first_after=first,
                )
            else:
                self.scheduler.due_by(batch.beat, time.monotonic() + first)
        return member

    def forget(self, batch: Batch) -> None:
        """Let later calls of ``batch``'s queue start a new one.

        Called with :attr:`lock` held.
        """
        key = (batch.reply_q, batch.interval)
        if self._batches.get(key) is batch:
            del self._batches[key]

    def count(self) -> int:
        """How many batches are running."""
        with self.lock:
            return len(self._batches)
