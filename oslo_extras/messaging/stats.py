"""Counters a server keeps: expired messages dropped, heartbeats sent."""

from __future__ import annotations

import collections
import threading


class Stats:
    """Thread-safe counters, read with :meth:`snapshot`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: collections.Counter[str] = collections.Counter()

    def add(self, name: str, count: int = 1) -> None:
        with self._lock:
            self._counts[name] += count

    def snapshot(self) -> dict[str, int]:
        """Return ``{'expired': n, 'heartbeats': n, ...}``."""
        with self._lock:
            return dict(self._counts)

    def __getitem__(self, name: str) -> int:
        with self._lock:
            return self._counts[name]
