"""What a reload trigger needs from the reloader: a small interface.

Triggers (:mod:`oslo_extras.config.reload.triggers`) depend on this
protocol, never on :mod:`oslo_extras.config.reload.reloader`; the reloader
loads the triggers. Imports go one way: ``reloader -> triggers ->
interface``. Any object with these members can be driven by a trigger (a
test double, or a reloader of another kind).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any
from typing import Protocol

from oslo_config import cfg


class Reloadable(Protocol):
    """The members of :class:`~oslo_extras.config.reload.Reloader` a
    trigger uses."""

    #: the parsed ``ConfigOpts`` being reloaded
    conf: cfg.ConfigOpts

    def reload(
        self, trigger: str = 'api', refresh_sources: bool = True
    ) -> Any:
        """Reload now; never raises for a bad config."""

    def watched_paths(self) -> tuple[list[str], list[str]]:
        """Return the ``(config files, config dirs)`` a reload reads."""

    def holding_values(self) -> AbstractContextManager[None]:
        """Keep readers on the installed values while sources refresh."""

    def mutate_config_files(self) -> dict[tuple[str | None, str], Any]:
        """Drop-in for ``ConfigOpts.mutate_config_files`` (oslo.service)."""
