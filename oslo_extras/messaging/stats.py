"""Counters a server keeps: expired messages dropped, heartbeats sent."""

from __future__ import annotations

import collections
import threading
from collections.abc import Iterable

#: Counters every server reports, zero until something happens.
SERVER_COUNTERS = ('expired', 'heartbeats', 'heartbeats_failed')


class Stats:
    """Thread-safe counters, read with :meth:`snapshot`.

    :param names: counters that exist from the start (reported as 0)
    """

    def __init__(self, names: Iterable[str] = SERVER_COUNTERS) -> None:
        self._lock = threading.Lock()
        self._counts: collections.Counter[str] = collections.Counter(
            dict.fromkeys(names, 0)
        )

    def add(self, name: str, count: int = 1) -> None:
        with self._lock:
            self._counts[name] += count

    def snapshot(self) -> dict[str, int]:
        """Return ``{'expired': n, 'heartbeats': n, ...}``, zeros included."""
        with self._lock:
            return dict(self._counts)

    def __getitem__(self, name: str) -> int:
        with self._lock:
            return self._counts[name]
