"""The heartbeats of all running calls of one server.

A thread per call (as upstream's watchdog does) costs a thread start for
every request. Here one scheduler thread keeps a heap of due times and
hands each due heartbeat to a few sender threads: a heartbeat is a publish
that waits for the broker's confirm (about a millisecond), so one thread
sending them one by one falls behind at about a thousand running calls,
and then every call gets late heartbeats together. Senders are started on
demand, up to ``senders``, and end when idle.
"""

from __future__ import annotations

import collections
import heapq
import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable

LOG = logging.getLogger(__name__)

#: Seconds without work after which a thread ends (a new one is started).
IDLE_EXIT = 30.0
#: Threads that send heartbeats concurrently, at most.
DEFAULT_SENDERS = 16
#: A heartbeat may leave this fraction of its interval before it is due.
#: Calls that arrive together (a burst) are all due together every
#: interval; starting on them a little early spreads the sends over more
#: time, so the last of a burst is not late. The rhythm is kept (the next
#: heartbeat is due one interval after this one was due), so a caller sees
#: heartbeats one interval apart, never a longer silence.
SEND_AHEAD = 0.25
#: The scheduler sleeps at least this long when the next heartbeat is not
#: due yet, then hands over all that became due meanwhile: one wake-up per
#: heartbeat cost it a sixth of the process's GIL time at 1,000 calls. A
#: heartbeat may leave SEND_AHEAD early anyway, so this makes none late.
MIN_SLEEP = 0.01
#: A call that ends more than this fraction of its interval after its last
#: heartbeat gets one more before its reply (see :meth:`Beat.finish`).
FINAL_AFTER = 0.5
#: After a failed heartbeat the next try leaves this fraction of an
#: interval later (then one interval apart while it keeps failing): a
#: caller whose reply queue vanished with its connection (a node lost, the
#: queue deleted) declares it again when it reconnects, within a second
#: or two, and its call must hear from us before its window ends.
RETRY_AFTER = 0.25
#: How many recent lateness samples :attr:`HeartbeatScheduler.lateness`
#: keeps.
LATENESS_SAMPLES = 100_000


class Beat:
    """The heartbeats of one call; ``stop()`` ends them for good."""

    def __init__(
        self,
        send: Callable[[], None],
        interval: float,
        label: str,
        own_lateness: bool = True,
    ) -> None:
        self.send = send
        #: the scheduler records its lateness (a batch records its calls')
        self.own_lateness = own_lateness
        self.interval = interval
        self.label = label
        self.sent = 0
        #: monotonic time the last heartbeat left (None: none yet)
        self.last_sent: float | None = None
        #: the last heartbeat's failure; None once one got through again
        self.failed: BaseException | None = None
        #: heartbeats that failed, in all
        self.failures = 0
        self.stopped = False
        #: when it is due next (its heap entry; others are stale)
        self.due: float | None = None
        #: in the heap (not being sent)
        self.scheduled = False
        #: the counter of its one current heap entry (others are stale)
        self.entry: int | None = None
        #: a sooner due time asked for while it was being sent
        self.sooner: float | None = None
        # Held while a heartbeat is being sent, so that once stop()
        # returns no heartbeat can leave after the final reply.
        self.lock = threading.Lock()

    def stop(self) -> None:
        with self.lock:
            self.stopped = True

    def finish(self) -> None:
        """Stop, first sending a last heartbeat if the previous is old.

        Called when the call's work ended, before its reply is sent. The
        caller's silence lasts from the last heartbeat until the reply
        arrives, and a reply may wait for a connection and the broker
        (a burst of calls ending together, a busy machine): a call whose
        last heartbeat left more than :data:`FINAL_AFTER` of an interval
        ago gets one more now, so that only the reply's own delay counts.
        Calls that end before their first heartbeat pay nothing.
        """
        with self.lock:
            if (
                not self.stopped
                and self.last_sent is not None
                and (
                    time.monotonic() - self.last_sent
                    > self.interval * FINAL_AFTER
                )
            ):
                try:
                    self.send()
                    self.sent += 1
                except Exception as exc:
                    # The reply will fail the same way; nothing to stop.
                    LOG.debug(
                        'Last heartbeat for %s failed: %s', self.label, exc
                    )
            self.stopped = True


class HeartbeatScheduler:
    """Sends each registered call's heartbeat every ``interval`` seconds.

    :param name: names the threads
    :param senders: heartbeats sent at the same time, at most
    """

    def __init__(
        self, name: str = 'heartbeats', senders: int = DEFAULT_SENDERS
    ) -> None:
        self._name = name
        self._heap: list[tuple[float, int, Beat]] = []
        self._counter = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._due: queue.SimpleQueue[tuple[Beat, float] | None] = (
            queue.SimpleQueue()
        )
        self._max_senders = max(1, senders)
        self._senders = 0
        self._idle_senders = 0
        self._senders_lock = threading.Lock()
        #: Seconds after its due time each recent heartbeat was confirmed
        #: by the broker (sent, for drivers without confirms); negative
        #: when it left early (see :data:`SEND_AHEAD`).
        self.lateness: collections.deque[float] = collections.deque(
            maxlen=LATENESS_SAMPLES
        )

    def start(
        self,
        send: Callable[[], None],
        interval: float,
        label: str = '',
        first_after: float | None = None,
        own_lateness: bool = True,
    ) -> Beat:
        """Start heartbeating now; the first one leaves after ``interval``.

        :param send: sends one heartbeat (raises when it cannot)
        :param interval: seconds between heartbeats
        :param label: names the call in logs
        :param first_after: seconds until the first one, when sooner than
            ``interval`` (the call already waited that long elsewhere)
        """
        beat = Beat(send, interval, label, own_lateness)
        with self._cond:
            self._ensure_thread()
            first = interval
            if first_after is not None:
                first = min(interval, max(0.0, first_after))
            self._push(time.monotonic() + first, beat)
        return beat

    def due_by(self, beat: Beat, when: float) -> None:
        """Make ``beat``'s next heartbeat due at ``when`` at the latest."""
        with self._cond:
            if beat.stopped or self._closed:
                return
            if self._thread is None:
                # A beat kept across a restart (an idle batch reused after
                # close() and reopen()): its entry needs a thread again.
                self._ensure_thread()
            if beat.scheduled:
                if beat.due is None or when < beat.due:
                    self._push(when, beat)
            elif beat.sooner is None or when < beat.sooner:
                beat.sooner = when

    def close(self) -> None:
        """End the scheduler's and senders' threads (see :meth:`reopen`)."""
        with self._cond:
            self._closed = True
            self._cond.notify()
            thread = self._thread
        with self._senders_lock:
            for _ in range(self._senders):
                self._due.put(None)
        if thread is not None:
            thread.join(5)

    def reopen(self) -> None:
        """Take heartbeats again after :meth:`close` (a restarted server)."""
        with self._cond:
            self._closed = False

    def _ensure_thread(self) -> None:
        # Called with self._cond held.
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=self._name, daemon=True
            )
            self._thread.start()

    def _push(self, due: float, beat: Beat) -> None:
        # Called with self._cond held.
        entry = next(self._counter)
        heapq.heappush(self._heap, (due, entry, beat))
        # One current entry per beat: two entries with equal due times
        # (a call's due time pushed twice) once handed a batch to two
        # senders at once, and the later one's push made the sooner one
        # stale, skipping heartbeats.
        beat.entry = entry
        beat.due = due
        beat.scheduled = True
        # Wake the thread only when this beat is due first: calls that end
        # before their first heartbeat then cost no thread switch.
        if self._heap[0][2] is beat:
            self._cond.notify()

    def _next_due(self) -> tuple[Beat, float] | None:
        with self._cond:
            while not self._closed:
                while self._heap and (
                    self._heap[0][2].stopped
                    # moved sooner by due_by(): a stale entry
                    or self._heap[0][1] != self._heap[0][2].entry
                ):
                    heapq.heappop(self._heap)
                if not self._heap:
                    # Idle: let the thread end; start() makes a new one.
                    if not self._cond.wait(IDLE_EXIT):
                        if not self._heap:
                            self._thread = None
                            return None
                    continue
                due, _, beat = self._heap[0]
                delay = due - beat.interval * SEND_AHEAD - time.monotonic()
                if delay > 0:
                    self._cond.wait(max(delay, MIN_SLEEP))
                    continue
                heapq.heappop(self._heap)
                beat.scheduled = False
                beat.entry = None
                return beat, due
            # Closed: start() after reopen() makes a new thread.
            self._thread = None
            return None

    def _run(self) -> None:
        while (item := self._next_due()) is not None:
            self._due.put(item)
            with self._senders_lock:
                if self._idle_senders == 0 and (
                    self._senders < self._max_senders
                ):
                    self._senders += 1
                    threading.Thread(
                        target=self._send_loop,
                        name=f'{self._name}-sender',
                        daemon=True,
                    ).start()

    def _send_loop(self) -> None:
        while True:
            with self._senders_lock:
                self._idle_senders += 1
            try:
                item = self._due.get(timeout=IDLE_EXIT)
            except queue.Empty:
                with self._senders_lock:
                    self._idle_senders -= 1
                    # Checked under the lock _run() hands work over with.
                    if self._due.empty():
                        self._senders -= 1
                        return
                continue
            with self._senders_lock:
                self._idle_senders -= 1
            if item is None:
                with self._senders_lock:
                    self._senders -= 1
                return
            self._send(*item)

    def _send(self, beat: Beat, due: float) -> None:
        # Keep the rhythm; after falling behind, the next one is due now.
        next_due = due + beat.interval
        with beat.lock:
            if beat.stopped:
                return
            try:
                beat.send()
                beat.sent += 1
                beat.last_sent = time.monotonic()
                # Until the broker confirmed it: what the caller sees.
                if beat.own_lateness:
                    self.lateness.append(time.monotonic() - due)
                if beat.failed is not None:
                    LOG.info('Heartbeats for %s go through again', beat.label)
                    beat.failed = None
            except Exception as exc:
                # Its reply queue is missing. Not for good, maybe: a caller
                # that lost its connection declares it again on
                # reconnection, and upstream retries heartbeats and
                # replies. Go on; a queued call is dropped only when no
                # one consumes the queue (interceptors.heartbeat).
                if beat.failed is None:
                    LOG.warning(
                        'Heartbeat for %s failed, trying again: %s',
                        beat.label,
                        exc,
                    )
                    next_due = time.monotonic() + (beat.interval * RETRY_AFTER)
                beat.failed = exc
                beat.failures += 1
        with self._cond:
            if beat.sooner is not None:
                next_due = min(next_due, beat.sooner)
                beat.sooner = None
            next_due = max(next_due, time.monotonic())
            # An idle batch ends itself in send(): no entry for it. A
            # closed scheduler keeps the entry too: a batch outlives a
            # server's stop() and a call reusing it after the restart
            # needs its beat scheduled.
            if not beat.stopped and (
                not beat.scheduled or beat.due is None or next_due < beat.due
            ):
                self._push(next_due, beat)
                if not self._closed:
                    # The thread may have idled out during a long send
                    # (a broker blocking publishes).
                    self._ensure_thread()
