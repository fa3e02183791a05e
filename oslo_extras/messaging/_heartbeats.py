"""One thread per server that sends the heartbeats of all running calls.

A thread per call (as upstream's watchdog does) costs a thread start for
every request; a single scheduler keeps a heap of due times instead.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable

LOG = logging.getLogger(__name__)

#: Seconds without any running call after which the thread ends.
IDLE_EXIT = 30.0


class Beat:
    """The heartbeats of one call; ``stop()`` ends them for good."""

    def __init__(
        self, send: Callable[[], None], interval: float, label: str
    ) -> None:
        self.send = send
        self.interval = interval
        self.label = label
        self.sent = 0
        self.failed: BaseException | None = None
        self.stopped = False
        # Held while a heartbeat is being sent, so that once stop()
        # returns no heartbeat can leave after the final reply.
        self.lock = threading.Lock()

    def stop(self) -> None:
        with self.lock:
            self.stopped = True


class HeartbeatScheduler:
    """Sends each registered call's heartbeat every ``interval`` seconds."""

    def __init__(self, name: str = 'heartbeats') -> None:
        self._name = name
        self._heap: list[tuple[float, int, Beat]] = []
        self._counter = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    def start(
        self, send: Callable[[], None], interval: float, label: str = ''
    ) -> Beat:
        """Start heartbeating now; the first one leaves after ``interval``.

        :param send: sends one heartbeat (raises when it cannot)
        :param interval: seconds between heartbeats
        :param label: names the call in logs
        """
        beat = Beat(send, interval, label)
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name=self._name, daemon=True
                )
                self._thread.start()
            heapq.heappush(
                self._heap,
                (time.monotonic() + interval, next(self._counter), beat),
            )
            # Wake the thread only when this beat is due first: calls that
            # end before their first heartbeat then cost no thread switch.
            if self._heap[0][2] is beat:
                self._cond.notify()
        return beat

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(5)

    def _next_due(self) -> Beat | None:
        with self._cond:
            while not self._closed:
                while self._heap and self._heap[0][2].stopped:
                    heapq.heappop(self._heap)
                if not self._heap:
                    # Idle: let the thread end; start() makes a new one.
                    if not self._cond.wait(IDLE_EXIT):
                        if not self._heap:
                            self._thread = None
                            return None
                    continue
                due, _, beat = self._heap[0]
                delay = due - time.monotonic()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                heapq.heappop(self._heap)
                return beat
            return None

    def _run(self) -> None:
        while (beat := self._next_due()) is not None:
            with beat.lock:
                if beat.stopped:
                    continue
                try:
                    beat.send()
                    beat.sent += 1
                except Exception as exc:
                    # The caller's reply queue is gone: it gave up.
                    LOG.warning(
                        'Heartbeat for %s failed, stopping them: %s',
                        beat.label,
                        exc,
                    )
                    beat.failed = exc
                    beat.stopped = True
                    continue
            with self._cond:
                heapq.heappush(
                    self._heap,
                    (
                        time.monotonic() + beat.interval,
                        next(self._counter),
                        beat,
                    ),
                )
