"""The shared base of every oslo_extras configuration source.

A driver subclass only knows how to *fetch* its backend in one batch
(:meth:`RefreshableSource.fetch`). Everything else lives here once:

* deprecated option names are looked up too (oslo.config never asks a
  source for them);
* a value is checked with the option's own type before oslo.config sees it,
  so a bad value fails with a clear error that never contains the value;
* each value keeps a location ``<driver>:<path>`` (``conf.get_location()``),
  the value itself is never logged or put in an exception;
* values are cached with a TTL; :meth:`RefreshableSource.refresh` re-reads
  the backend and reports which options changed (the reload capability
  applies rotated secrets with it);
* ``on_error = fail|warn|cached`` decides what an unreachable backend or a
  missing secret does; the default ``fail`` stops the service.
"""

from __future__ import annotations

import abc
import dataclasses
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
from oslo_extras.config.sources import _mapping
from oslo_extras.config.sources._retry import RetryPolicy

LOG = logging.getLogger(__name__)

ON_ERROR_CHOICES = ('fail', 'warn', 'cached')

#: (group, option) as oslo.config names them (``DEFAULT`` for no group).
Key = tuple[str, str]
T = TypeVar('T')


class SourceError(Exception):
    """A configuration source cannot give a value it is responsible for.

    The message names the source, the option and the reason, never the
    value.

    :param source: the source group name (``[DEFAULT] config_source`` entry)
    :param reason: why, with no secret in it
    :param key: the ``(group, option)`` concerned, if any
    """

    def __init__(self, source: str, reason: str, key: Key | None = None):
        self.source = source
        self.reason = reason
        self.key = key
        where = f'[{key[0]}] {key[1]}: ' if key else ''
        super().__init__(f'config source [{source}]: {where}{reason}')


class BackendUnavailable(Exception):
    """The whole backend could not be read (raised by ``fetch``)."""


@dataclasses.dataclass
class FetchResult:
    """What one batch read of a backend returned.

    :param values: ``(group, option) -> raw value``
    :param locations: ``(group, option) -> path`` inside the backend
    :param errors: ``(group, option) -> reason`` for mapped secrets that
        could not be read (missing path or field, bad permissions, ...)
    :param ttl: seconds the backend says these values stay valid (a Vault
        lease), or None
    """

    values: dict[Key, Any] = dataclasses.field(default_factory=dict)
    locations: dict[Key, str] = dataclasses.field(default_factory=dict)
    errors: dict[Key, str] = dataclasses.field(default_factory=dict)
    ttl: float | None = None


@dataclasses.dataclass
class RefreshReport:
    """The outcome of :meth:`RefreshableSource.refresh`.

    :param changed: ``(group, option)`` whose value changed (added or
        removed options count as changed)
    :param failed: ``(group, option, reason)`` kept at their last good value
    """

    changed: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    failed: list[tuple[str, str, str]] = dataclasses.field(
        default_factory=list
    )

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failed


def common_opts() -> list[cfg.Opt]:
    """Options every driver of ours has in its source group."""
    return [
        cfg.StrOpt(
            'on_error',
            default='fail',
            choices=[
                (
                    'fail',
                    'an unreachable backend or a missing secret '
                    'stops the service (fail closed)',
                ),
                (
                    'warn',
                    'log a warning and let the option fall back to '
                    'its default',
                ),
                (
                    'cached',
                    'like fail at startup; afterwards keep serving '
                    'the last good value when a re-read fails',
                ),
            ],
            help='What to do when the backend cannot be read or a mapped '
            'secret is missing. A failed refresh() always keeps the last '
            'good value and reports it.',
        ),
        cfg.FloatOpt(
            'cache_ttl',
            min=0,
            help='Seconds a value read from the backend is cached before '
            'the next read asks the backend again. Unset: until refresh() '
            '(or the lease duration the backend gives, if shorter).',
        ),
        cfg.FloatOpt(
            'timeout',
            default=5.0,
            min=0.1,
            help='Seconds before one network call gives up.',
        ),
        cfg.IntOpt(
            'retries',
            default=2,
            min=0,
            help='Extra attempts of a failed network call.',
        ),
        cfg.FloatOpt(
            'retry_backoff',
            default=0.2,
            min=0,
            help='Seconds before the first retry; doubled each time.',
        ),
        cfg.DictOpt(
            'mapping',
            default={},
            help='Explicit mapping that overrides the convention: '
            '``group.option:path`` items, comma separated. The path '
            'syntax depends on the driver.',
        ),
        cfg.StrOpt(
            'mapping_file',
            help='INI file mapping options to backend paths: '
            '``[group]`` sections with ``option = path`` lines.',
        ),
    ]


def _literal(value: Any) -> Any:
    """Escape ``$`` so oslo.config's ``$var`` substitution keeps the value.

    oslo.config runs template substitution on every value, so a password
    containing ``$`` would be changed; ``$$`` is the template escape.
    """
    if isinstance(value, str):
        return value.replace('$', '$$')
    if isinstance(value, list):
        return [_literal(item) for item in value]
    return value


class RefreshableSource(sources.ConfigurationSource, metaclass=abc.ABCMeta):
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
            # A secret that failed now but had a good value stays as it was.
            for key, reason in result.errors.items():
                if key in old:
                    result.values[key] = old[key]
                    result.locations[key] = self._locations[key]
                    report.failed.append((key[0], key[1], reason))
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
                value = self._values[key]
                self._check_type(key, (group, option_name), opt, value)
                location = cfg.LocationInfo(
                    cfg.Locations.user, self.location(*key)
                )
                return _literal(value), location
            if key in self._errors and self.on_error != 'warn':
                raise SourceError(self.name, self._errors[key], key)
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

    def _check_type(
        self, found: Key, asked: Key, opt: cfg.Opt, value: Any
    ) -> None:
        """Convert with the option's type; the error never shows the value."""
        try:
            if opt.multi and isinstance(value, list):
                for item in value:
                    opt.type(item)
            else:
                opt.type(value)
        except (ValueError, TypeError) as exc:
            reason = masking.scrub(str(exc), self._secret_strings(value))
            if isinstance(value, str) and value and value in reason:
                reason = 'not a valid value'
            raise SourceError(
                self.name,
                f'value at {self.location(*found)} is not a valid '
                f'{type(opt.type).__name__}: {reason}',
                asked,
            ) from None

    @staticmethod
    def _secret_strings(value: Any) -> list[str]:
        if isinstance(value, list):
            return [str(item) for item in value]
        return [str(value)]

    def _scrub(self, text: str) -> str:
        secrets: list[str] = list(self.sensitive)
        for value in self._values.values():
            secrets.extend(self._secret_strings(value))
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


_MISSING = object()


class SourceDriver(sources.ConfigurationSourceDriver, metaclass=abc.ABCMeta):
    """Base of our drivers: registers options and loads the source.

    Subclasses set :attr:`name`, list their own options in
    :meth:`driver_opts` and build the source in :meth:`make_source`.
    """

    #: The entry point name, also used in value locations.
    name = ''

    @abc.abstractmethod
    def driver_opts(self) -> list[cfg.Opt]:
        """The options specific to this driver."""

    @abc.abstractmethod
    def make_source(self, group: Any, **common: Any) -> RefreshableSource:
        """Build (without loading) a source from its group's options.

        :param group: ``conf[group_name]``, with this driver's options
        :param common: ``name``, ``driver``, ``conf``, ``on_error``,
            ``cache_ttl``, ``retry``, ``mapping`` for the base class
        """

    def list_options_for_discovery(self) -> list[cfg.Opt]:
        return self.driver_opts() + common_opts()

    def open_source_from_opt_group(
        self, conf: cfg.ConfigOpts, group_name: str
    ) -> RefreshableSource:
        conf.register_opts(self.list_options_for_discovery(), group_name)
        group = conf[group_name]
        mapping = _mapping.parse_inline(group.mapping, group_name)
        if group.mapping_file:
            mapping.update(_mapping.parse_file(group.mapping_file))
        source = self.make_source(
            group,
            name=group_name,
            driver=self.name,
            conf=conf,
            on_error=group.on_error,
            cache_ttl=group.cache_ttl,
            retry=RetryPolicy(
                timeout=group.timeout,
                retries=group.retries,
                backoff=group.retry_backoff,
            ),
            mapping=mapping,
        )
        source.load()
        return source


def find_sources(conf: cfg.ConfigOpts) -> list[RefreshableSource]:
    """Return the oslo_extras sources ``conf`` has loaded, in lookup order."""
    return [
        source
        for source in _upstream.loaded_sources(conf)
        if isinstance(source, RefreshableSource)
    ]


def check_sources(conf: cfg.ConfigOpts) -> list[RefreshableSource]:
    """Raise :class:`SourceError` unless every source of ours loaded.

    Also catches a source group that oslo.config could not open at all (it
    logs and skips those).
    """
    found = find_sources(conf)
    for source in found:
        source.check()
    opened = {source.name for source in found}
    ours = _our_driver_names()
    for group_name in _configured_sources(conf):
        if group_name in opened:
            continue
        try:
            driver = conf[group_name].driver
        except (cfg.NoSuchOptError, cfg.NoSuchGroupError, ValueError):
            driver = None
        if driver in ours:
            raise SourceError(
                group_name,
                f'the {driver} driver could not open this source '
                '(see the error logged above)',
            )
    return found


def _configured_sources(conf: cfg.ConfigOpts) -> Iterable[str]:
    try:
        return list(conf.config_source or ())
    except cfg.NoSuchOptError:
        return []


def _our_driver_names() -> set[str]:
    return {'secrets_dir', 'vault', 'etcd', 'key_manager'}
