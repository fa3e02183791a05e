"""Reload on file events of the config files and config dirs (watchdog).

Directories are watched, not files: editors and config management save by
writing a temporary file and renaming it over the old one, which replaces
the inode a file watch would follow. Symlinks are followed
(:mod:`._paths`): for a Kubernetes ConfigMap (``svc.conf -> ..data/svc.conf``,
``..data -> ..<timestamp>``) the links' directory and the target's
directory are watched, and the plan is resolved again after every change,
since a swap moves the target. Only events on paths a reload reads count:
a log file next to the config is not a config input.

Events are debounced: a burst of writes (truncate, write, close, rename)
gives one reload ``debounce`` seconds after the last event.

watchdog logs every raw inotify event at DEBUG. With the service's log file
in a watched directory and ``debug = true``, each such line is a new event
and the process logs in a loop; the trigger therefore caps
``watchdog.observers`` at INFO unless the application set its level.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import time

from watchdog import events
from watchdog.observers import Observer

from oslo_extras.config.reload.interface import Reloadable
from oslo_extras.config.reload.triggers import ThreadTrigger
from oslo_extras.config.reload.triggers import _paths

LOG = logging.getLogger(__name__)

#: The longest a reload waits for a file written in place to be closed.
WRITE_GRACE = 2.0

#: The logger under which watchdog logs each raw event at DEBUG.
WATCHDOG_LOGGER = 'watchdog.observers'

# Reading a file (our own reload does) is not a change: these event types
# are not even asked of the kernel. (Some are missing before watchdog 5.)
_EVENT_TYPES = [
    getattr(events, name)
    for name in (
        'FileCreatedEvent',
        'FileDeletedEvent',
        'FileModifiedEvent',
        'FileMovedEvent',
        'FileClosedEvent',
        'DirCreatedEvent',
        'DirDeletedEvent',
        'DirMovedEvent',
    )
    if hasattr(events, name)
]
# In the directories a config path only passes through (``/etc`` for
# ``/etc/svc/svc.conf``) only entries appearing, going or being renamed
# matter: writes to other files there are not even asked of the kernel.
_ENTRY_EVENT_TYPES = [
    getattr(events, name)
    for name in (
        'FileCreatedEvent',
        'FileDeletedEvent',
        'FileMovedEvent',
        'DirCreatedEvent',
        'DirDeletedEvent',
        'DirMovedEvent',
    )
    if hasattr(events, name)
]
_IGNORED = frozenset(
    getattr(events, name)
    for name in ('EVENT_TYPE_OPENED', 'EVENT_TYPE_CLOSED_NO_WRITE')
    if hasattr(events, name)
)


def quiet_watchdog_debug() -> None:
    """Keep watchdog's per-event DEBUG lines out of the service's log.

    An explicit level set by the application on that logger is kept.
    """
    logger = logging.getLogger(WATCHDOG_LOGGER)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)


class _Handler(events.FileSystemEventHandler):
    def __init__(self, trigger: WatchTrigger) -> None:
        self.trigger = trigger

    def on_any_event(self, event: events.FileSystemEvent) -> None:
        if event.event_type in _IGNORED:
            return
        plan = self.trigger.plan
        paths = [event.src_path, getattr(event, 'dest_path', '')]
        if any(plan.matches(_text(p)) for p in paths):
            writing = None
            if not event.is_directory:
                if event.event_type == events.EVENT_TYPE_MODIFIED:
                    writing = True  # written in place: wait for the close
                elif event.event_type == events.EVENT_TYPE_CLOSED:
                    writing = False  # closed after writing
            self.trigger.poke(_text(event.src_path), writing)


def _identity(directory: str) -> tuple[int, int] | None:
    """Return the directory's ``(device, inode)``, or None if it is not
    a directory now."""
    try:
        st = os.stat(directory)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISDIR(st.st_mode) else None


def _text(path: str | bytes) -> str:
    return (
        path.decode(errors='surrogateescape')
        if isinstance(path, bytes)
        else path
    )


class WatchTrigger(ThreadTrigger):
    """Reload after file events settle.

    :param reloader: the reloader to drive
    :param debounce: seconds without events before reloading
    """

    name = 'watch'

    def __init__(self, reloader: Reloadable, debounce: float = 0.25) -> None:
        super().__init__(reloader)
        if debounce < 0:
            raise ValueError('watch debounce must not be negative')
        self.debounce = debounce
        self.plan = _paths.plan(*reloader.watched_paths())
        self._cond = threading.Condition()
        self._due: float | None = None
        # paths written in place and not closed yet -> time of last write
        self._writing: dict[str, float] = {}
        self._observer: Observer | None = None
        self._handler = _Handler(self)
        # (directory, full?) -> (watchdog watch, identity of the directory
        # watched: a directory deleted and made again is a new inode the
        # old watch does not see)
        self._watches: dict[tuple[str, bool], tuple[object, object]] = {}

    def start(self) -> None:
        quiet_watchdog_debug()
        observer = Observer()
        observer.daemon = True
        self._observer = observer
        self._schedule()
        observer.start()
        super().start()

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(10)
            self._observer = None
            self._watches = {}
        super().stop()

    def poke(self, path: str = '', writing: bool | None = None) -> None:
        """Note a relevant event; the reload waits for the burst to end.

        :param path: the path of the event
        :param writing: True when ``path`` was written in place (the reload
            waits for it to be closed, at most :data:`WRITE_GRACE`
            seconds), False when it was closed after writing
        """
        with self._cond:
            now = time.monotonic()
            self._due = now + self.debounce
            if writing:
                self._writing[path] = now
            elif writing is False:
                self._writing.pop(path, None)
            self._cond.notify()

    def _left(self) -> float:
        """Seconds until the reload may run (called with the lock held)."""
        now = time.monotonic()
        left = self._due - now
        if self._writing:
            left = max(left, max(self._writing.values()) + WRITE_GRACE - now)
        return left

    def refresh_plan(self) -> None:
        """Resolve the links again and watch where the targets are now."""
        self.plan = _paths.plan(*self.reloader.watched_paths())
        self._schedule()

    def _schedule(self) -> None:
        observer = self._observer
        if observer is None:
            return
        # (directory, every event wanted?): full watches for the
        # directories of config paths, entry-only ones for the dirs above.
        wanted = {(d, True) for d in self.plan.directories()} | {
            (d, False) for d in self.plan.entry_directories()
        }
        stale = {
            key
            for key, (_, identity) in self._watches.items()
            if key not in wanted or _identity(key[0]) != identity
        }
        for key in sorted(stale):
            watch, _ = self._watches.pop(key)
            try:
                observer.unschedule(watch)
            except Exception:
                pass  # its directory is gone: the watch ended itself
        for key in sorted(wanted - set(self._watches)):
            directory, full = key
            identity = _identity(directory)
            if identity is None:
                continue  # not there yet: the next relevant event retries
            try:
                watch = observer.schedule(
                    self._handler,
                    directory,
                    recursive=False,
                    event_filter=_EVENT_TYPES if full else _ENTRY_EVENT_TYPES,
                )
                self._watches[key] = (watch, identity)
            except Exception as exc:
                # Gone meanwhile; the next change that matters retries.
                LOG.warning(
                    'config reload: cannot watch %s: %s', directory, exc
                )

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
                # Later events push the deadline back; a file written in
                # place is read once closed (truncated, then written: a
                # reload in between would apply an empty file).
                while (
                    not self._stopping.is_set() and (left := self._left()) > 0
                ):
                    self._cond.wait(left)
                if self._stopping.is_set():
                    return
                self._due = None
                self._writing.clear()
            # Re-resolve first: the reload then reads what the new watches
            # cover, so no change between the two is missed.
            try:
                self.refresh_plan()
            except Exception:
                LOG.exception('config reload: cannot re-resolve watches')
            self.fire()
