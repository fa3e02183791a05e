"""The reloader's readers/writer lock: fasteners', with our one rule added.

fasteners' ``ReaderWriterLock`` is writer-preferring (new readers wait for
a queued writer, so reloads never starve) and lets a thread that already
reads read again. The reloader adds one rule: installing a config from
inside ``consistent()`` in the same thread would deadlock, so it is
refused with an error that says what happened.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import fasteners


class RWLock:
    def __init__(self) -> None:
        self._lock = fasteners.ReaderWriterLock()

    def read(self) -> contextlib.AbstractContextManager:
        """Hold the read side (reentrant within a thread)."""
        return self._lock.read_lock()

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        """Hold the write side; RuntimeError if this thread is reading."""
        if self._lock.is_reader():
            raise RuntimeError(
                'cannot install a new config while reading a consistent one '
                'in the same thread (reload called inside consistent())'
            )
        with self._lock.write_lock():
            yield
