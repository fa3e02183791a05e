"""Reload when the config files or config dirs change, checked on an interval.

For file systems where inotify does not work (NFS, some container mounts).
The check is a ``stat()`` of each file and a listing of each dir, so a poll
with nothing changed costs no parse.
"""

from __future__ import annotations

import glob
import os

from oslo_extras.config.reload.interface import Reloadable
from oslo_extras.config.reload.triggers import ThreadTrigger

Signature = tuple[tuple[str, int, int, int], ...]


def files_signature(files: list[str], dirs: list[str]) -> Signature:
    """Return ``(path, inode, size, mtime_ns)`` of every file a reload reads.

    A missing file is ``(path, -1, -1, -1)``; a save by rename changes the
    inode even when size and mtime look the same.
    """
    paths = list(files)
    for directory in dirs:
        paths += sorted(glob.glob(os.path.join(directory, '*.conf')))
    entries = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            entries.append((path, -1, -1, -1))
            continue
        entries.append((path, st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(entries)


class PollTrigger(ThreadTrigger):
    """Reload every time the files' signature changes.

    :param reloader: the reloader to drive
    :param interval: seconds between checks
    """

    name = 'poll'

    def __init__(self, reloader: Reloadable, interval: float = 10.0) -> None:
        super().__init__(reloader)
        if interval <= 0:
            raise ValueError('poll interval must be positive')
        self.interval = interval

    def _signature(self) -> Signature:
        return files_signature(*self.reloader.watched_paths())

    def start(self) -> None:
        # Taken before start() returns, so no change after it is missed.
        self._last = self._signature()
        super().start()

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            now = self._signature()
            if now != self._last:
                self._last = now
                self.fire()
