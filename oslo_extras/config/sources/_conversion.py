"""Values converted with their options' types, before oslo.config sees them.

:class:`TypedValues` is a mixin of :class:`.base.RefreshableSource`: it
finds a value under an option's name or one of its deprecated names, and
converts it with the option's type (:mod:`._values`) so that a bad value
fails with a clear error naming group and option, never the value.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from oslo_config import cfg

from oslo_extras.config import _upstream
from oslo_extras.config.sources import _values
from oslo_extras.config.sources._model import FetchResult
from oslo_extras.config.sources._model import Key
from oslo_extras.config.sources._model import SourceError

# The messages keep naming the base module, as they did before the split.
LOG = logging.getLogger('oslo_extras.config.sources.base')

_MISSING = object()


class TypedValues:
    """Type conversion of the values a source serves.

    The source provides ``name``, ``driver``, ``on_error``, ``location()``,
    ``_scrub()``, ``_values`` and ``_conf_ref``.
    """

    name: str
    driver: str
    on_error: str
    _values: dict[Key, Any]
    _conf_ref: weakref.ref[cfg.ConfigOpts] | None
    _scrub: Callable[[str], str]
    location: Callable[[str, str], str | None]

    def check_types(self, opts: Iterable[tuple[str, cfg.Opt]]) -> None:
        """Convert every value this source serves with its option's type.

        :param opts: ``(group, opt)`` of every registered option
        :raises SourceError: naming group and option (never the value) for
            the first value that does not convert, unless ``on_error =
            warn`` (then it is logged, and reading it raises)
        """
        for group, opt in opts:
            for key in self._candidate_keys(group, opt.dest, opt):
                if key not in self._values:
                    continue
                try:
                    self._converted(key, (group, opt.dest), opt)
                except SourceError as exc:
                    if self.on_error != 'warn':
                        raise
                    LOG.warning('%s', exc)
                break

    def _unconvertible(
        self, result: FetchResult, old: Mapping[Key, Any]
    ) -> dict[Key, str]:
        """``key -> reason`` of new values their option's type refuses."""
        conf = self._conf_ref() if self._conf_ref else None
        if conf is None:
            return {}
        bad = {}
        for group, opt in _upstream.registered_opts(conf):
            for key in self._candidate_keys(group, opt.dest, opt):
                if key not in result.values:
                    continue
                value = result.values[key]
                if old.get(key, _MISSING) != value:
                    try:
                        _values.for_oslo(opt, value)
                    except (ValueError, TypeError) as exc:
                        reason = self._scrub(
                            _values.type_error_reason(exc, value)
                        )
                        bad[key] = (
                            f'value at {self.driver}:{result.locations[key]}'
                            f' is not a valid {type(opt.type).__name__}: '
                            f'{reason}'
                        )
                break
        return bad

    def _converted(self, found: Key, asked: Key, opt: cfg.Opt) -> Any:
        """The value at ``found`` as ``get()`` returns it for ``opt``.

        :raises SourceError: naming the option, never the value
        """
        value = self._values[found]
        try:
            return _values.for_oslo(opt, value)
        except (ValueError, TypeError) as exc:
            reason = self._scrub(_values.type_error_reason(exc, value))
            raise SourceError(
                self.name,
                f'value at {self.location(*found)} is not a valid '
                f'{type(opt.type).__name__}: {reason}',
                asked,
            ) from None

    @staticmethod
    def _candidate_keys(group: str, option: str, opt: cfg.Opt) -> list[Key]:
        keys = [(group, option)]
        for dep in getattr(opt, 'deprecated_opts', None) or ():
            dep_group = dep.group or group
            dep_name = (dep.name or option).replace('-', '_')
            # oslo.config lower-cases group names, except DEFAULT.
            if dep_group.upper() == 'DEFAULT':
                dep_group = 'DEFAULT'
            else:
                dep_group = dep_group.lower()
            key = (dep_group, dep_name)
            if key not in keys:
                keys.append(key)
        return keys
