"""What starts a reload: plugins of ``oslo_extras.config.reload_triggers``.

The application picks the triggers it wants::

    reloader.enable_triggers(
        ['sighup', 'watch', 'sources'],
        options={'watch': {'debounce': 0.2}, 'sources': {'interval': 30}},
    )

Built in: ``sighup`` (:mod:`.sighup`), ``watch`` (:mod:`.watch`), ``poll``
(:mod:`.poll`) and ``sources`` (:mod:`.sources`). A trigger of your own
subclasses :class:`Trigger` and is registered under the same namespace::

    [entry_points]
    oslo_extras.config.reload_triggers =
        etcd-watch = myservice.reload:EtcdWatchTrigger
"""

from __future__ import annotations

import abc
import logging
import threading
from typing import Any

import stevedore

from oslo_extras.config.reload.interface import Reloadable

NAMESPACE = 'oslo_extras.config.reload_triggers'

LOG = logging.getLogger(__name__)


class TriggerError(Exception):
    """A trigger could not be loaded or started."""


class Trigger(abc.ABC):
    """Calls ``reloader.reload(trigger=self.name)`` when it should.

    :param reloader: the reloader to drive
    """

    #: the entry point name, used as the report's ``trigger``
    name = 'trigger'

    def __init__(self, reloader: Reloadable) -> None:
        self.reloader = reloader

    @abc.abstractmethod
    def start(self) -> None:
        """Begin watching; return at once."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Stop watching and wait for background work to end."""

    def fire(self, **kwargs: Any) -> None:
        """Run one reload, logging instead of raising (we are a thread)."""
        try:
            self.reloader.reload(trigger=self.name, **kwargs)
        except Exception:
            LOG.exception('config reload from %s failed', self.name)


class ThreadTrigger(Trigger):
    """A trigger whose work runs in one daemon thread until stopped."""

    def __init__(self, reloader: Reloadable) -> None:
        super().__init__(reloader)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            raise TriggerError(f'{self.name} trigger already started')
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._run, name=f'config-reload-{self.name}', daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def _wake(self) -> None:
        """Make ``_run`` notice ``_stopping`` (default: it polls it)."""

    @abc.abstractmethod
    def _run(self) -> None:
        """The thread body; return when ``self._stopping`` is set."""


def load(name: str, reloader: Reloadable, **options: Any) -> Trigger:
    """Instantiate the trigger plugin ``name`` for ``reloader``.

    :raises TriggerError: unknown name, or options it does not accept
    """
    try:
        manager = stevedore.DriverManager(
            NAMESPACE,
            name,
            invoke_on_load=True,
            invoke_args=(reloader,),
            invoke_kwds=options,
        )
    except stevedore.exception.NoMatches:
        available = sorted(stevedore.ExtensionManager(NAMESPACE).names())
        raise TriggerError(
            f'unknown reload trigger {name!r}; available: '
            + ', '.join(available)
        ) from None
    except TypeError as exc:
        raise TriggerError(f'reload trigger {name!r}: {exc}') from None
    return manager.driver
