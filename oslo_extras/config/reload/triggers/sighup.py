"""Reload on SIGHUP, with or without oslo.service.

Without oslo.service a SIGHUP handler writes one byte to a pipe and a
reload thread does the work: nothing but that write runs in the signal
handler. With oslo.service (``restart_method='mutate'``), the launcher owns
SIGHUP and calls ``conf.mutate_config_files()``; this trigger routes that
call to the reloader instead of installing a handler of its own.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

from oslo_extras.config.reload.interface import Reloadable
from oslo_extras.config.reload.triggers import ThreadTrigger
from oslo_extras.config.reload.triggers import TriggerError

MODES = ('auto', 'signal', 'oslo.service')


class SighupTrigger(ThreadTrigger):
    """Reload when the process gets SIGHUP.

    :param reloader: the reloader to drive
    :param mode: ``signal`` installs a handler; ``oslo.service`` only
        routes ``conf.mutate_config_files()`` to the reloader; ``auto``
        picks ``oslo.service`` when ``oslo_service.service`` is imported
    """

    name = 'sighup'

    def __init__(self, reloader: Reloadable, mode: str = 'auto') -> None:
        super().__init__(reloader)
        if mode not in MODES:
            raise ValueError(f'sighup mode must be one of {MODES}')
        if mode == 'auto':
            mode = (
                'oslo.service'
                if 'oslo_service.service' in sys.modules
                else 'signal'
            )
        self.mode = mode
        self._pipe: tuple[int, int] | None = None
        self._previous = None

    def start(self) -> None:
        if self.mode == 'oslo.service':
            # oslo.service calls self.conf.mutate_config_files() on SIGHUP;
            # an instance attribute shadows the method for this conf only.
            self.reloader.conf.mutate_config_files = (
                self.reloader.mutate_config_files
            )
            return
        if threading.current_thread() is not threading.main_thread():
            raise TriggerError(
                'the sighup trigger must be started from the main thread '
                '(Python only lets it install signal handlers)'
            )
        read_fd, write_fd = os.pipe()
        os.set_blocking(write_fd, False)
        self._pipe = (read_fd, write_fd)
        self._previous = signal.signal(signal.SIGHUP, self._on_signal)
        super().start()

    def stop(self) -> None:
        if self.mode == 'oslo.service':
            self.reloader.conf.__dict__.pop('mutate_config_files', None)
            return
        if self._pipe is None:
            return
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGHUP, self._previous or signal.SIG_DFL)
        super().stop()
        for fd in self._pipe:
            os.close(fd)
        self._pipe = None

    def _on_signal(self, signum, frame) -> None:
        # Only async-signal-safe work here: one byte down the pipe.
        try:
            os.write(self._pipe[1], b'h')
        except (BlockingIOError, TypeError, OSError):
            pass  # a reload is already queued, or we are stopping
        # Keep what the application did on SIGHUP before (reopen logs...).
        if callable(self._previous):
            self._previous(signum, frame)

    def _wake(self) -> None:
        try:
            os.write(self._pipe[1], b's')
        except (BlockingIOError, OSError, TypeError):
            pass

    def _run(self) -> None:
        read_fd = self._pipe[0]
        while not self._stopping.is_set():
            data = os.read(read_fd, 512)
            if self._stopping.is_set() or not data:
                return
            if b'h' in data:
                # Several signals queued while reloading: one reload.
                self.fire()
