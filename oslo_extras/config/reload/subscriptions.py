"""Per-option and per-group callbacks run after a reload is visible.

Order is fixed so services can reason about it: changes are visited in
report order (``DEFAULT`` first, then groups by name, options by name); for
each change the option's subscribers run in subscription order, then the
group's. oslo.config mutate hooks (``register_mutate_hook``) run last, once,
sorted by qualified name. A callback that raises is recorded and the next
one runs; nothing is undone.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import threading
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

from oslo_extras.config import masking
from oslo_extras.config.reload.report import CallbackError
from oslo_extras.config.reload.report import OptionChange

LOG = logging.getLogger(__name__)

#: ``callback(change)`` for one applied change.
Callback = Callable[[OptionChange], Any]


@dataclasses.dataclass(frozen=True)
class Subscription:
    """A handle returned by :meth:`Subscriptions.subscribe`.

    :param group: the group subscribed to
    :param option: the option, or ``None`` for the whole group
    :param callback: what is called
    """

    group: str
    option: str | None
    callback: Callback
    order: int
    registry: Subscriptions = dataclasses.field(repr=False, compare=False)

    def cancel(self) -> None:
        """Stop calling this subscription."""
        self.registry.unsubscribe(self)


def callback_name(callback: Any) -> str:
    """Return a stable, readable name for a callable."""
    name = getattr(callback, '__qualname__', None) or type(callback).__name__
    module = getattr(callback, '__module__', None) or ''
    return f'{module}.{name}' if module else name


class Subscriptions:
    """The callbacks of one reloader."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[Subscription] = []
        self._counter = itertools.count()

    def subscribe(
        self, group: str, option: str | None, callback: Callback
    ) -> Subscription:
        """Call ``callback(change)`` for each applied change it matches.

        :param group: the group name (``DEFAULT`` for the default group)
        :param option: the option ``dest``, or ``None`` for every option of
            the group
        :param callback: called with the
            :class:`~oslo_extras.config.reload.report.OptionChange` after the
            new value is visible
        """
        if not callable(callback):
            raise TypeError(f'callback {callback!r} is not callable')
        sub = Subscription(
            _group(group), option, callback, next(self._counter), self
        )
        with self._lock:
            self._items.append(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._items:
                self._items.remove(sub)

    def matching(self, change: OptionChange) -> list[Subscription]:
        """Return the subscriptions for one change, in calling order."""
        with self._lock:
            items = list(self._items)
        per_option = [
            s
            for s in items
            if s.group == change.group and s.option == change.option
        ]
        per_group = [
            s for s in items if s.group == change.group and s.option is None
        ]
        return per_option + per_group

    def dispatch(
        self,
        changes: Iterable[OptionChange],
        hooks: Iterable[Callable[..., Any]] = (),
        hook_args: tuple[Any, ...] = (),
        secrets: Iterable[str] = (),
    ) -> list[CallbackError]:
        """Run subscribers then mutate hooks; return what raised.

        :param changes: the applied changes, in report order
        :param hooks: oslo.config mutate hooks, called as ``hook(*hook_args)``
        :param secrets: secret values to scrub from error texts
        """
        secrets = list(secrets)
        errors: list[CallbackError] = []
        for change in changes:
            for sub in self.matching(change):
                error = _call(sub.callback, (change,), secrets)
                if error:
                    errors.append(
                        CallbackError(
                            callback_name(sub.callback),
                            change.group,
                            change.option,
                            error,
                        )
                    )
        for hook in sorted(hooks, key=callback_name):
            error = _call(hook, hook_args, secrets)
            if error:
                errors.append(
                    CallbackError(callback_name(hook), None, None, error)
                )
        return errors


def _call(callback: Callable[..., Any], args: tuple, secrets: list) -> str:
    try:
        callback(*args)
    except Exception as exc:
        text = masking.scrub(f'{type(exc).__name__}: {exc}', secrets)
        LOG.warning(
            'config reload callback %s failed: %s',
            callback_name(callback),
            text,
        )
        return text
    return ''


def _group(name: str | None) -> str:
    if name is None or name == 'DEFAULT':
        return 'DEFAULT'
    return name.lower()
