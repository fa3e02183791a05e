"""Reload on file events of the config files and config dirs (watchdog).

The parent directories are watched, not the files: editors and config
management save by writing a temporary file and renaming it over the old
one, which replaces the inode a file watch would follow. Events are
debounced: a burst of writes (truncate, write, close, rename) gives one
reload ``debounce`` seconds after the last event. A config file that is a
symlink (a Kubernetes ConfigMap) reloads on any change in its directory,
since the update swaps the link target, not the file.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import TYPE_CHECKING

from watchdog import events
from watchdog.observers import Observer

from oslo_extras.config.reload.triggers import ThreadTrigger

if TYPE_CHECKING:
    from oslo_extras.config.reload.reloader import Reloader

LOG = logging.getLogger(__name__)

# Reading a file (our own reload does) must not trigger a reload.
_IGNORED = (events.EVENT_TYPE_OPENED, events.EVENT_TYPE_CLOSED_NO_WRITE)


class _Matcher:
    """Decides whether a path belongs to the config a reload reads."""

    def __init__(self, files: list[str], dirs: list[str]) -> None:
        self.files = set(files)
        self.dirs = set(dirs)
        # A symlinked file changes by a swap elsewhere in its directory.
        self.link_dirs = {
            os.path.dirname(path) for path in files if os.path.islink(path)
        }

    def directories(self) -> set[str]:
        return {os.path.dirname(path) for path in self.files} | self.dirs

    def matches(self, path: str) -> bool:
        if not path:
            return False
        path = os.path.abspath(path)
        parent = os.path.dirname(path)
        if path in self.files or parent in self.link_dirs:
            return True
        return parent in self.dirs and path.endswith('.conf')


class _Handler(events.FileSystemEventHandler):
    def __init__(self, trigger: WatchTrigger) -> None:
        self.trigger = trigger

    def on_any_event(self, event: events.FileSystemEvent) -> None:
        if event.event_type in _IGNORED:
            return
        matcher = self.trigger.matcher
        paths = [event.src_path, getattr(event, 'dest_path', '')]
        if any(matcher.matches(os.fsdecode(p)) for p in paths):
            self.trigger.poke()


class WatchTrigger(ThreadTrigger):
    """Reload after file events settle.

    :param reloader: the reloader to drive
    :param debounce: seconds without events before reloading
    """

    name = 'watch'

    def __init__(self, reloader: Reloader, debounce: float = 0.25) -> None:
        super().__init__(reloader)
        if debounce < 0:
            raise ValueError('watch debounce must not be negative')
        self.debounce = debounce
        self.matcher = _Matcher(*reloader.watched_paths())
        self._cond = threading.Condition()
        self._due: float | None = None
        self._observer: Observer | None = None

    def start(self) -> None:
        observer = Observer()
        handler = _Handler(self)
        for directory in sorted(self.matcher.directories()):
            if not os.path.isdir(directory):
                LOG.warning('config reload: cannot watch %s', directory)
                continue
            observer.schedule(handler, directory, recursive=False)
        observer.daemon = True
        observer.start()
        self._observer = observer
        super().start()

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(10)
            self._observer = None
        super().stop()

    def poke(self) -> None:
        """Note a relevant event; the reload waits for the burst to end."""
        with self._cond:
            self._due = time.monotonic() + self.debounce
            self._cond.notify()

    def _wake(self) -> None:
        with self._cond:
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._due is None and not self._stopping.is_set():
                    self._cond.wait()
                if self._stopping.is_set():
                    return
                # Later events push the deadline back.
                while (
                    not self._stopping.is_set()
                    and (left := self._due - time.monotonic()) > 0
                ):
                    self._cond.wait(left)
                if self._stopping.is_set():
                    return
                self._due = None
            self.fire()
