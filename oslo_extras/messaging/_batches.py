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


#: A batch message also names the calls due within this fraction of an
#: interval after the first (they get theirs a little early).
COALESCE = 0.25
#: A call that arrives after its first heartbeat's time gets it within this
#: fraction of an interval (see :func:`first_due_in`).
LATE_WINDOW = 0.1


def first_due_in(
    interval: float,
    first_after: float | None,
    latest_after: float | None = None,
) -> float:
    """Seconds until a joining call's first batch heartbeat is due.

    On time, when its rhythm says (``first_after``). Late (that moment
    passed while the request waited in queues), within
    :data:`LATE_WINDOW` of an interval, but never after ``latest_after``
    (the last moment that leaves the heartbeat time to reach its caller):
    after a backlog, requests of one caller process arrive a millisecond
    apart, and pulling their batch to "now" for each of them sent one
    message per request, the very cost batching saves, on the thread that
    takes the backlog in. Never later than one interval from now.
    """
    first = interval if first_after is None else first_after
    if first <= 0 and latest_after is not None:
        first = min(interval * LATE_WINDOW, latest_after)
    return min(interval, max(0.0, first))


class Member:
    """One call's place in a batch; quacks like :class:`_heartbeats.Beat`.

    A call stays in its batch after its work ended (:meth:`finish`) until
    its reply left (:meth:`replied`): a reply waiting for a connection
    in a burst of calls ending together is covered by the batch's
    heartbeats, which cost nothing per call. The caller ignores heartbeats
    for a call it got the reply of.
    """

    def __init__(self, batch: Batch, msg_id: str, due: float) -> None:
        self.batch = batch
        self.msg_id = msg_id
        self.interval = batch.interval
        #: monotonic time its next heartbeat is due
        self.due = due
        self.sent = 0
        self.last_sent: float | None = None
        #: the last heartbeat's failure; None once one got through again
        self.failed: BaseException | None = None
        #: heartbeats that failed, in all
        self.failures = 0
        self.stopped = False
        #: monotonic time its work ended (None: still running)
        self.ended: float | None = None

    @property
    def wake(self) -> float:
        """The scheduler's due time for its next heartbeat.

        The scheduler lets a heartbeat leave ``SEND_AHEAD`` early; a
        batch message leaves when its first call is due (and takes along
        those due soon after, see :meth:`Batch.send`).
        """
        return self.due + self.interval * _heartbeats.SEND_AHEAD

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
        # stop() and Batch.leave() inline: every batched call ends here.
        self.stopped = True
        batch = self.batch
        with batch.batches.lock:
            if batch.members.get(self.msg_id) is self:
                del batch.members[self.msg_id]


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
        """Heartbeat, in one message, the members that are due.

        Each member's next heartbeat is due one interval after its last
        (its first as :func:`first_due_in` says). A message leaves when
        the first is due and names every member due within
        :data:`COALESCE` of an interval after it, not every member: naming
        all woke every waiting call of the caller for each message, and
        after a backlog, when arriving calls pull the batch forward one
        after another, that cost the callers more CPU than the server
        spent. Members heartbeated together are due together again, so a
        batch settles at about one message per interval.
        """
        now = time.monotonic()
        horizon = now + self.interval * COALESCE
        with self.batches.lock:
            # Never released (a path that skipped replied()): let go.
            for member in list(self.members.values()):
                if member.ended is not None and now - member.ended > (
                    MAX_REPLY_WAIT
                ):
                    del self.members[member.msg_id]
            if not self.members:
                # Idle since its last heartbeat was due: end it. Its
                # scheduler holds the beat's lock while it calls us.
                self.batches.forget(self)
                if self.beat is not None:
                    self.beat.stopped = True
                return
            due = [m for m in self.members.values() if m.due <= horizon]
        if due:
            try:
                self.batches.send(self.reply_q, [m.msg_id for m in due])
            except Exception as exc:
                # The reply queue is missing, maybe for a moment only (its
                # caller reconnecting): try again soon, as a call's own
                # heartbeats do (_heartbeats.RETRY_AFTER).
                retry = now + self.interval * _heartbeats.RETRY_AFTER
                if all(m.failed is None for m in due):
                    LOG.warning(
                        'Heartbeats for %d calls of %s failed, trying '
                        'again: %s',
                        len(due),
                        self.reply_q,
                        exc,
                    )
                for member in due:
                    if member.failed is None:
                        member.due = retry
                    else:
                        member.due = now + self.interval
                    member.failed = exc
                    member.failures += 1
            else:
                confirmed = time.monotonic()
                lateness = self.batches.scheduler.lateness
                for member in due:
                    lateness.append(confirmed - member.due)
                    member.sent += 1
                    member.last_sent = confirmed
                    member.failed = None
                    # Its caller's next silence starts now.
                    member.due = now + self.interval
        with self.batches.lock:
            following = min(
                (m.wake for m in self.members.values()), default=None
            )
        if following is not None and self.beat is not None:
            self.batches.scheduler.due_by(self.beat, following)

    def leave(self, member: Member) -> None:
        """Take ``member`` out; an emptied batch stays for the next call.

        Sequential calls on one reply queue reuse its batch and beat
        instead of each making (and scheduling) new ones; the batch ends
        when its next heartbeat is due and finds no member (:meth:`send`).
        """
        with self.batches.lock:
            if self.members.get(member.msg_id) is member:
                del self.members[member.msg_id]


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
        latest_after: float | None = None,
    ) -> Member:
        """Heartbeat call ``msg_id`` with the others of ``reply_q``.

        The batch's next heartbeat is moved earlier when this call needs
        its first one sooner; a later one is never waited for.

        :param first_after: seconds until the call's first heartbeat is
            due by its rhythm (one interval after its caller sent it)
        :param latest_after: seconds until its first heartbeat must leave
            at the latest for its caller to get it in time; used once the
            rhythm's time has passed (see :func:`first_due_in`)
        """
        # first_due_in() inline, without min()/max() calls: every batched
        # call comes here.
        first = interval if first_after is None else first_after
        if first <= 0 and latest_after is not None:
            first = min(interval * LATE_WINDOW, latest_after)
        if first > interval:
            first = interval
        elif first < 0.0:
            first = 0.0
        with self.lock:
            batch = self._batches.get((reply_q, interval))
            if batch is None:
                batch = Batch(self, reply_q, interval)
                self._batches[(reply_q, interval)] = batch
            now = time.monotonic()
            member = Member(batch, msg_id, now + first)
            batch.members[msg_id] = member
            # member.wake without the property call (every batched call).
            wake = member.due + interval * _heartbeats.SEND_AHEAD
            if batch.beat is None:
                batch.beat = self.scheduler.start(
                    batch.send,
                    interval,
                    label=f'batch of {reply_q}',
                    first_after=wake - now,
                    own_lateness=False,
                )
            else:
                beat = batch.beat
                scheduler = self.scheduler
                # Already due by then (a sequential caller's batch, reused):
                # no due_by(), no scheduler lock. Safe without that lock:
                # we hold self.lock, so the beat's next send() sees this
                # member and moves the due time to it; _push() sets
                # ``scheduled`` after ``due``, and a beat taken off the heap
                # is not ``scheduled``. A closed scheduler, or one whose
                # thread must start again (a restart), goes through
                # due_by().
                if not (
                    beat.scheduled
                    and beat.due is not None
                    and beat.due <= wake
                    and scheduler._thread is not None
                    and not scheduler._closed
                ):
                    scheduler.due_by(beat, wake)
        return member

    def forget(self, batch: Batch) -> None:
        """Let later calls of ``batch``'s queue start a new one (it ended).

        Called with :attr:`lock` held.
        """
        key = (batch.reply_q, batch.interval)
        if self._batches.get(key) is batch:
            del self._batches[key]

    def count(self) -> int:
        """How many batches heartbeat calls (idle ones not counted)."""
        with self.lock:
            return sum(1 for batch in self._batches.values() if batch.members)

    def registered(self) -> int:
        """How many batches are kept, idle ones included."""
        with self.lock:
            return len(self._batches)
