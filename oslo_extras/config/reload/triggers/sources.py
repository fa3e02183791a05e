"""Re-query config sources (secret backends) and reload what changed.

Every ``interval`` seconds, or sooner when a source's values reach their
TTL, each :class:`~oslo_extras.config.sources.RefreshableSource` of the
``ConfigOpts`` is refreshed; when one reports changes, a reload installs
them like a file change (typed, validated, atomically, subscribers called).
Until then readers keep the installed values: the sources' cache clear is
held back by :meth:`~oslo_extras.config.reload.Reloader.holding_values`.
Options whose value did not change are not touched.
"""

from __future__ import annotations

import logging
from typing import Any

from oslo_extras.config.reload.interface import Reloadable
from oslo_extras.config.reload.triggers import ThreadTrigger

LOG = logging.getLogger(__name__)


class SourcesTrigger(ThreadTrigger):
    """Refresh config sources on their TTL and reload their changes.

    :param reloader: the reloader to drive
    :param interval: longest wait between refreshes, in seconds
    :param min_interval: shortest wait, however short a source's TTL
    """

    name = 'sources'

    def __init__(
        self,
        reloader: Reloadable,
        interval: float = 60.0,
        min_interval: float = 0.05,
    ) -> None:
        super().__init__(reloader)
        if interval <= 0:
            raise ValueError('sources interval must be positive')
        self.interval = interval
        self.min_interval = min_interval

    def sources(self) -> list[Any]:
        from oslo_extras.config.sources import find_sources

        return list(find_sources(self.reloader.conf))

    def refresh_now(self) -> bool:
        """Refresh every source; reload when any changed. Return if so."""
        changed = False
        with self.reloader.holding_values():
            for source in self.sources():
                try:
                    report = source.refresh()
                except Exception as exc:
                    # A source's own errors are scrubbed of secret values.
                    LOG.warning(
                        'config source %s: refresh failed: %s',
                        getattr(source, 'name', source),
                        exc,
                    )
                    continue
                changed = changed or bool(report.changed)
            if changed:
                # Just refreshed: the reload need not query them again.
                self.fire(refresh_sources=False)
        return changed

    def _wait_time(self) -> float:
        """Seconds until the earliest source is due, capped by ``interval``.

        A source says when its values expire (its TTL, or a shorter Vault
        lease) through ``refresh_due_in()``.
        """
        wait = self.interval
        for source in self.sources():
            due = source.refresh_due_in()
            if due is not None:
                wait = min(wait, due)
        return max(wait, self.min_interval)

    def _run(self) -> None:
        while not self._stopping.wait(self._wait_time()):
            self.refresh_now()
