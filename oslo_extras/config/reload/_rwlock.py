"""A small readers/writer lock, writer-preferring, not reentrant for writers.

Readers of ``conf.<opt>`` that need several options from the same config
generation hold the read side; the reloader holds the write side only for
the few reference assignments that install a new generation.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator


class RWLock:
    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer = False
        self._waiting_writers = 0
        self._local = threading.local()

    def reading_depth(self) -> int:
        """How many read sections the calling thread holds."""
        return getattr(self._local, 'depth', 0)

    @contextlib.contextmanager
    def read(self) -> Iterator[None]:
        depth = self.reading_depth()
        if depth == 0:
            with self._cond:
                # New readers wait for queued writers so reloads never
                # starve; a thread already reading goes straight on.
                while self._writer or self._waiting_writers:
                    self._cond.wait()
                self._readers += 1
        self._local.depth = depth + 1
        try:
            yield
        finally:
            self._local.depth = depth
            if depth == 0:
                with self._cond:
                    self._readers -= 1
                    if not self._readers:
                        self._cond.notify_all()

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        if self.reading_depth():
            raise RuntimeError(
                'cannot install a new config while reading a consistent one '
                'in the same thread (reload called inside consistent())'
            )
        with self._cond:
            self._waiting_writers += 1
            try:
                while self._writer or self._readers:
                    self._cond.wait()
            finally:
                self._waiting_writers -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()
