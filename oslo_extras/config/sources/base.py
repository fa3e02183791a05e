"""The shared base of every oslo_extras configuration source.

A driver subclass only knows how to *fetch* its backend in one batch
(:meth:`RefreshableSource.fetch`). Everything else lives here once:

* deprecated option names are looked up too (oslo.config never asks a
  source for them);
* a value is converted with the option's own type before oslo.config sees
  it (:mod:`._values`), so a bad value fails with a clear error that never
  contains the value, and escaped so that it comes out byte for byte;
* each value keeps a location ``<driver>:<path>`` (``conf.get_location()``),
  the value itself is never logged or put in an exception;
* values are cached with a TTL; :meth:`RefreshableSource.refresh` re-reads
  the backend and reports which options changed (the reload capability
  applies rotated secrets with it);
* fail closed: a source that finds nothing to serve, a missing secret it
  serves, or a value that disappeared is an error at load and a
  kept-last-good failure at refresh; ``on_error = fail|warn|cached``
  decides what an unreachable backend does.

The data classes live in :mod:`._model`, the common options in
:mod:`._opts`, ``SourceDriver`` in :mod:`._driver` (re-exported here),
the conversion of values with their options' types in :mod:`._conversion`,
and what ``sources.load()`` checks in :mod:`._loading`.
"""

from __future__ import annotations

import abc
import logging
import threading
import time
import weakref
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any
from typing import TypeVar

from oslo_config import cfg
from oslo_config import sources

from oslo_extras.config import _upstream
from oslo_extras.config import masking
from oslo_extras.config.sources import _values
from oslo_extras.config.sources._conversion import TypedValues
from oslo_extras.config.sources._driver import SourceDriver
from oslo_extras.config.sources._model import BackendUnavailable
from oslo_extras.config.sources._model import FetchResult
from oslo_extras.config.sources._model import Key
from oslo_extras.config.sources._model import RefreshReport
from oslo_extras.config.sources._model import SourceError
from oslo_extras.config.sources._opts import ON_ERROR_CHOICES
from oslo_extras.config.sources._opts import common_opts
from oslo_extras.config.sources._retry import RetryPolicy

__all__ = [
    'ON_ERROR_CHOICES',
    'BackendUnavailable',
    'FetchResult',
    'Key',
    'RefreshReport',
    'RefreshableSource',
    'SourceDriver',
    'SourceError',
    'common_opts',
]

LOG = logging.getLogger(__name__)

#: The option name of an error about a whole group (a ``groups`` entry
#: whose secret does not exist).
WHOLE_GROUP = '*'

T = TypeVar('T')

_MISSING = object()


class RefreshableSource(
    TypedValues, sources.ConfigurationSource, metaclass=abc.ABCMeta
):
    """Base class of every oslo_extras ``ConfigurationSource``.

    :param name: the source group name (an entry of ``config_source``)
    :param driver: the driver name, used in locations (``vault:...``)
    :param conf: the ``ConfigOpts`` that opened this source; its value
        cache is cleared when :meth:`refresh` finds changes
    :param on_error: ``fail``, ``warn`` or ``cached``
    :param cache_ttl: seconds before cached values are re-read, or None
    :param retry: timeouts and retries of network calls
    :param mapping: the explicit ``(group, option) -> path`` mapping
    :param sensitive: credentials (tokens, passwords) that must never show
        up in an error or log either
    """

    def __init__(
        self,
        name: str,
        driver: str,
        conf: cfg.ConfigOpts | None = None,
        on_error: str = 'fail',
        cache_ttl: float | None = None,
        retry: RetryPolicy | None = None,
        mapping: Mapping[Key, str] | None = None,
        sensitive: Iterable[str] = (),
    ) -> None:
        if on_error not in ON_ERROR_CHOICES:
            raise ValueError(f'on_error must be one of {ON_ERROR_CHOICES}')
        self.name = name
        self.driver = driver
        self.on_error = on_error
        self.cache_ttl = cache_ttl
        self.retry = retry or RetryPolicy()
        self.mapping: dict[Key, str] = dict(mapping or {})
        self.sensitive = [item for item in sensitive if item]
        self._conf_ref = weakref.ref(conf) if conf is not None else None
        self._lock = threading.RLock()
        self._values: dict[Key, Any] = {}
        self._locations: dict[Key, str] = {}
        self._errors: dict[Key, str] = {}
        #: Why the whole backend could not be read at load, or None.
        self.error: str | None = None
        self._expires: float | None = None
        #: Values whose TTL passed and could not be re-read (``fail`` mode).
        self._stale: dict[Key, str] = {}
        #: Where this source looks, for the "found nothing" error (a
        #: directory, a key prefix, a mount and path); drivers set it.
        self.scope = ''

    # -- what a driver implements -------------------------------------

    @abc.abstractmethod
    def fetch(self) -> FetchResult:
        """Read every value this source serves, in as few calls as possible.

        :raises BackendUnavailable: when the backend cannot be read at all
        """

    # -- public API ------------------------------------------------------

    @property
    def errors(self) -> dict[Key, str]:
        """``(group, option) -> reason`` for secrets that could not be read."""
        return dict(self._errors)

    def keys(self) -> list[Key]:
        """The ``(group, option)`` pairs this source has a value for."""
        return sorted(self._values)

    def location(self, group: str, option: str) -> str | None:
        """Return ``<driver>:<path>`` of a value, for reports and logs."""
        path = self._locations.get((group, option))
        return f'{self.driver}:{path}' if path is not None else None

    def refresh_due_in(self) -> float | None:
        """Seconds until the cached values pass their TTL, or None.

        oslo.config caches what a source returns, so a TTL only takes
        effect when something calls :meth:`refresh` (or clears that cache);
        the reload capability schedules its refreshes with this. It honours
        the backend's lease (a Vault ``lease_duration``).
        """
        if self._expires is None:
            return None
        return max(0.0, self._expires - time.monotonic())

    def load(self) -> None:
        """Read the backend for the first time and apply ``on_error``."""
        try:
            result = self.fetch()
        except BackendUnavailable as exc:
            self.error = self._scrub(str(exc))
            if self.on_error == 'warn':
                LOG.warning(
                    'config source [%s] (%s) unavailable, its options fall '
                    'back to their defaults: %s',
                    self.name,
                    self.driver,
                    self.error,
                )
            else:
                LOG.error(
                    'config source [%s] (%s) unavailable: %s',
                    self.name,
                    self.driver,
                    self.error,
                )
            return
        self._apply(result)
        if not result.values and not result.errors:
            # A typo in a prefix, mount or directory looks exactly like
            # this: never let every option silently default.
            self.error = self._nothing_found()
            log = LOG.warning if self.on_error == 'warn' else LOG.error
            log(
                'config source [%s] (%s): %s',
                self.name,
                self.driver,
                self.error,
            )
            return
        for (group, option), reason in sorted(self._errors.items()):
            log = LOG.warning if self.on_error == 'warn' else LOG.error
            log(
                'config source [%s] (%s): [%s] %s: %s',
                self.name,
                self.driver,
                group,
                option,
                reason,
            )

    def check(self) -> None:
        """Raise :class:`SourceError` if this source failed to load.

        Does nothing with ``on_error = warn``.
        """
        if self.on_error == 'warn':
            return
        if self.error is not None:
            raise SourceError(self.name, f'{self.driver}: {self.error}')
        if self._errors:
            key, reason = sorted(self._errors.items())[0]
            raise SourceError(self.name, reason, key)

    def _nothing_found(self) -> str:
        where = f' under {self.scope}' if self.scope else ''
        return f'found nothing to serve{where} (check the path or prefix)'

    def refresh(self) -> RefreshReport:
        """Re-read the backend now and report which options changed.

        A failed read keeps every last good value and lists the options in
        ``failed``. When something changed, the owning ``ConfigOpts``'s
        value cache is cleared so the next read returns the new value.
        """
        report = RefreshReport()
        with self._lock:
            try:
                result = self.fetch()
            except Exception as exc:
                # Whatever went wrong, a refresh never loses a good value.
                reason = self._scrub(
                    str(exc)
                    if isinstance(exc, BackendUnavailable)
                    else f'{type(exc).__name__}: {exc}'
                )
                keys = sorted(set(self._values) | set(self.mapping))
                # Nothing known yet: name the source itself.
                report.failed = [(g, o, reason) for g, o in keys] or [
                    (self.name, '', reason)
                ]
                LOG.warning(
                    'config source [%s] (%s): refresh failed, keeping the '
                    'last good values: %s',
                    self.name,
                    self.driver,
                    reason,
                )
                return report
            old = dict(self._values)
            reasons = {
                key: self._scrub(reason)
                for key, reason in result.errors.items()
            }
            # A value that vanished (secret deleted, prefix emptied) is a
            # failure too: it never silently becomes the default.
            for key in old:
                if key not in result.values and key not in reasons:
                    group_error = reasons.get((key[0], WHOLE_GROUP))
                    reasons[key] = group_error or (
                        f'{self.location(*key)} is no longer in the backend'
                    )
            if not result.values and not reasons:
                report.failed = [(self.name, '', self._nothing_found())]
                return report
            # Gone from a backend that answered (no read error for it).
            report.missing = sorted(
                key
                for key in old
                if key not in result.values and key not in result.errors
            )
            for key, reason in sorted(reasons.items()):
                if key in old:
                    # Keep the last good value.
                    result.values[key] = old[key]
                    result.locations[key] = self._locations[key]
                    result.errors.pop(key, None)
                elif key[1] == WHOLE_GROUP and any(
                    k[0] == key[0] for k in old
                ):
                    continue  # reported per option above
                report.failed.append((key[0], key[1], reason))
            # As at load, a new value that does not convert with its
            # option's type never reaches readers.
            for key, reason in self._unconvertible(result, old).items():
                if key in old:
                    result.values[key] = old[key]
                    result.locations[key] = self._locations[key]
                else:
                    result.values.pop(key, None)
                report.failed.append((key[0], key[1], reason))
                # The backend answered, with nothing usable: like a
                # deleted secret, not like an outage.
                report.missing.append(key)
            for key in sorted(set(old) | set(result.values)):
                if old.get(key, _MISSING) != result.values.get(key, _MISSING):
                    report.changed.append(key)
            self._apply(result)
            self.error = None
            self._stale = {}
        if report.changed:
            self._clear_conf_cache()
            LOG.info(
                'config source [%s] (%s): %d option(s) changed: %s',
                self.name,
                self.driver,
                len(report.changed),
                ', '.join(f'[{g}] {o}' for g, o in report.changed),
            )
        return report

    # -- oslo.config ConfigurationSource --------------------------------

    def get(
        self, group_name: str | None, option_name: str, opt: cfg.Opt
    ) -> tuple[Any, cfg.LocationInfo | None]:
        """Return ``(value, location)`` for oslo.config, or no value.

        Looks the option up under its own name first, then its deprecated
        names.
        """
        group = group_name or 'DEFAULT'
        self._expire_if_stale()
        for key in self._candidate_keys(group, option_name, opt):
            if key in self._stale:
                raise SourceError(
                    self.name,
                    f'cached value expired and could not be re-read: '
                    f'{self._stale[key]}',
                    (group, option_name),
                )
            if key in self._values:
                value = self._converted(key, (group, option_name), opt)
                location = cfg.LocationInfo(
                    cfg.Locations.user, self.location(*key)
                )
                return value, location
            if self.on_error == 'warn':
                continue
            if key in self._errors:
                raise SourceError(self.name, self._errors[key], key)
            whole_group = (key[0], WHOLE_GROUP)
            if whole_group in self._errors:
                raise SourceError(
                    self.name, self._errors[whole_group], (group, option_name)
                )
        if self.error is not None and self.on_error != 'warn':
            if self._claims(group, option_name, opt):
                raise SourceError(
                    self.name,
                    f'{self.driver} backend unavailable: {self.error}',
                    (group, option_name),
                )
        return _upstream.NO_VALUE, None

    # -- helpers ----------------------------------------------------------

    def _claims(self, group: str, option: str, opt: cfg.Opt) -> bool:
        """Whether a failed source must refuse to let ``option`` default.

        Explicitly mapped options and secret options are never allowed to
        fall back silently.
        """
        keys = self._candidate_keys(group, option, opt)
        return bool(opt.secret) or any(key in self.mapping for key in keys)

    def _scrub(self, text: str) -> str:
        secrets: list[str] = list(self.sensitive)
        for value in self._values.values():
            secrets.extend(_values.strings_of(value))
        return masking.scrub(text, secrets)

    def call(
        self,
        func: Callable[[], T],
        transient: Callable[[BaseException], bool],
        what: str,
    ) -> T:
        """Run one network call with this source's retries and backoff."""
        return self.retry.call(
            func, transient, what=f'[{self.name}] {self.driver} {what}'
        )

    def _apply(self, result: FetchResult) -> None:
        self._values = dict(result.values)
        self._locations = dict(result.locations)
        self._errors = {
            key: self._scrub(reason) for key, reason in result.errors.items()
        }
        ttls = [t for t in (self.cache_ttl, result.ttl) if t]
        self._expires = time.monotonic() + min(ttls) if ttls else None

    def _expire_if_stale(self) -> None:
        """Re-read the backend when the cached values are past their TTL.

        If the re-read fails, ``fail`` marks the values it could not renew
        as stale (reading them raises) and tries again a second later;
        ``cached`` and ``warn`` keep serving them and try again after
        ``cache_ttl``.
        """
        if self._expires is None or time.monotonic() < self._expires:
            return
        with self._lock:
            if self._expires is None or time.monotonic() < self._expires:
                return
            report = self.refresh()
            if report.ok:
                return
            if self.on_error == 'fail':
                self._stale = {
                    (g, o): reason for g, o, reason in report.failed
                }
                retry_in = 1.0
            else:
                retry_in = self.cache_ttl or 60.0
            self._expires = time.monotonic() + retry_in

    def _clear_conf_cache(self) -> None:
        conf = self._conf_ref() if self._conf_ref else None
        if conf is not None:
            _upstream.clear_value_caches(conf)
