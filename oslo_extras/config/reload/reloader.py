"""The reloader: validate the next config completely, then install it whole.

::

    from oslo_extras.config.reload import Reloader

    reloader = Reloader(CONF)
    reloader.subscribe('DEFAULT', 'debug', lambda change: set_debug())
    reloader.enable_triggers(['sighup', 'watch'])
    ...
    report = reloader.reload()        # or let a trigger do it
    print(report.as_text())

A reload is refused as a whole when a file does not parse, a value does not
convert, a required option has no value, or ``oslo-config-check`` finds an
error (a misspelt option, say); the report says why and readers keep the old
config. Changes to options that are not ``mutable=True`` are reported as
``needs-restart`` and keep their old value.

Readers see one generation at a time: ``conf.<opt>`` always returns a fully
installed value, and :meth:`Reloader.consistent` or
:meth:`Reloader.snapshot` give several options from the same generation.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import traceback
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from typing import Any

from oslo_config import cfg

from oslo_extras.config import _upstream
from oslo_extras.config import masking
from oslo_extras.config.reload import _rwlock
from oslo_extras.config.reload import candidate as _candidate
from oslo_extras.config.reload import changed as _changed
from oslo_extras.config.reload import checks as _checks
from oslo_extras.config.reload import triggers
from oslo_extras.config.reload.report import NEEDS_RESTART
from oslo_extras.config.reload.report import ReloadReport
from oslo_extras.config.reload.snapshot import ConfigSnapshot
from oslo_extras.config.reload.subscriptions import Callback
from oslo_extras.config.reload.subscriptions import Subscription
from oslo_extras.config.reload.subscriptions import Subscriptions
from oslo_extras.config.reload.subscriptions import callback_name

LOG = logging.getLogger(__name__)

#: Validator findings that never stop a reload by default.
DEFAULT_IGNORED_CODES = frozenset()


class Reloader:
    """Reload the mutable options of one ``ConfigOpts`` transactionally.

    :param conf: a parsed ``ConfigOpts`` (``conf(args)`` already called)
    :param validate: run the ``oslo-config-check`` checks on the new files
        and refuse the reload on any error finding
    :param ignore_codes: finding codes that must not refuse a reload
    """

    def __init__(
        self,
        conf: cfg.ConfigOpts,
        validate: bool = True,
        ignore_codes: Iterable[str] = DEFAULT_IGNORED_CODES,
    ) -> None:
        self.conf = conf
        self.validate = validate
        self.subscriptions = Subscriptions()
        self.last_report: ReloadReport | None = None
        self._reload_lock = threading.RLock()
        self._rw = _rwlock.RWLock()
        self._snapshot: ConfigSnapshot | None = None
        self._listeners: list[Callable[[ReloadReport], Any]] = []
        self._triggers: list[Any] = []
        # Options whose running value does not convert (see candidate).
        self._invalid: dict[_candidate.Key, _candidate.Invalid] = {}
        # (group, option) the config sources served at the last install.
        self._served: frozenset[tuple[str, str]] = frozenset()
        # Reports waiting for their callbacks and listeners; a reload from
        # inside a callback queues here so every subscriber sees the
        # generations in order.
        self._pending: list[
            tuple[ReloadReport, _candidate.Candidate | None, float]
        ] = []
        self._dispatching = False
        # Raw file entries of the installed namespace (None: read every
        # option on the next reload), and what a reload reads again.
        self._raw: _changed.RawFiles | None = None
        self._next_raw: _changed.RawFiles | None = None
        self._needs_restart: set[_candidate.Key] = set()
        self._overridden: set[_candidate.Key] = set()
        self._next_overridden: set[_candidate.Key] = set()
        self._index: tuple[Any, list, _changed.OptionIndex] | None = None
        self.checks = _checks.ReloadChecks(conf, ignore_codes)
        if _upstream.is_parsed(conf):
            self._start()

    # -- readers ----------------------------------------------------------

    @property
    def generation(self) -> int:
        """0 until the first applied reload, then +1 per applied reload."""
        return self.snapshot().generation

    def snapshot(self) -> ConfigSnapshot:
        """Return every option's value at the current generation.

        Lock-free: one reference read, so all values come from one reload.
        """
        snap = self._snapshot
        if snap is None:
            with self._reload_lock:
                self._start()
                snap = self._snapshot
        return snap

    @contextlib.contextmanager
    def consistent(self) -> Iterator[cfg.ConfigOpts]:
        """Read several ``conf`` options from one generation::

            with reloader.consistent() as conf:
                user, password = conf.db.user, conf.db.password

        A reload waits for the block to end before it installs anything;
        keep the block short and do not reload inside it.
        """
        self.snapshot()
        with self._rw.read():
            yield self.conf

    # -- subscriptions ----------------------------------------------------

    def subscribe(
        self, group: str, option: str | None, callback: Callback
    ) -> Subscription:
        """Call ``callback(change)`` after each applied change of an option.

        :param group: the group name, ``DEFAULT`` for the default group
        :param option: the option ``dest``; ``None`` subscribes to the group
        :param callback: receives the
            :class:`~oslo_extras.config.reload.report.OptionChange` (secret
            values masked: read the option from ``conf`` instead)
        :returns: a handle whose ``cancel()`` unsubscribes
        """
        return self.subscriptions.subscribe(group, option, callback)

    def subscribe_group(self, group: str, callback: Callback) -> Subscription:
        """Call ``callback(change)`` for each applied change in ``group``."""
        return self.subscriptions.subscribe(group, None, callback)

    def add_report_listener(
        self, listener: Callable[[ReloadReport], Any]
    ) -> None:
        """Call ``listener(report)`` after every reload, applied or not."""
        self._listeners.append(listener)

    # -- reload -----------------------------------------------------------

    def reload(
        self, trigger: str = 'api', refresh_sources: bool = True
    ) -> ReloadReport:
        """Re-read files and sources; install the result whole or not at all.

        :param trigger: a label for the report and the log
        :param refresh_sources: re-query the config sources
            (``[DEFAULT] config_source``) first; a source that cannot be
            read keeps its last good values and is reported as a warning
        :returns: the report; never raises for a bad config
        """
        return self._reload(trigger, refresh_sources)[0]

    def _reload(
        self, trigger: str, refresh_sources: bool = True
    ) -> tuple[ReloadReport, dict[tuple[str | None, str], Any]]:
        """Reload; return the report and the applied typed diff."""
        started = time.monotonic()
        with self._reload_lock:
            self._start()
            report = ReloadReport(trigger=trigger)
            # Readers keep the installed values until _install, even if a
            # source refresh clears oslo.config's caches.
            with _upstream.cache_frozen(self.conf):
                if refresh_sources:
                    _checks.refresh_sources(self.conf, report)
                # One parse serves the checks and the candidate.
                parsed = _candidate.parse(self.conf)
                findings = (
                    self.checks.check(report, parsed[0])
                    if self.validate
                    else None
                )
                opts, index = self._options()
                cand = _candidate.build(
                    self.conf,
                    self._snapshot.values(),
                    self._invalid,
                    opts,
                    self._selector(index),
                    parsed,
                )
                served = _checks.served_keys(self.conf)
                cand.option_errors.update(
                    _checks.vanished_source_values(
                        self._served, served, cand.changes
                    )
                )
                _checks.add_candidate_problems(
                    report, cand, findings, self.checks.baseline
                )
                if report.errors:
                    cand.refuse()
                    report.generation = self._snapshot.generation
                else:
                    report.generation = self._install(cand)
                    report.applied = True
                    self._invalid = dict(cand.invalid)
                    self._served = served
                    self._raw = self._next_raw
                    self._overridden = self._next_overridden
                    self._needs_restart = {
                        (c.group, c.option)
                        for c in cand.changes
                        if c.status == NEEDS_RESTART
                    }
                report.changes = cand.changes
            if report.applied:
                self.checks.accept(findings)
            self._pending.append(
                (report, cand if report.applied else None, started)
            )
            self._finish_pending()
            return report, cand.hook_diff if report.applied else {}

    def _options(self) -> tuple[list, _changed.OptionIndex]:
        """Registered options in report order, and their entry index."""
        signature = _upstream.registration_signature(self.conf)
        if self._index is None or self._index[0] != signature:
            opts = _candidate.options(self.conf)
            self._index = (signature, opts, _changed.OptionIndex(opts))
        return self._index[1], self._index[2]

    def _selector(self, index: _changed.OptionIndex):
        """Tell the candidate which options to read again (see changed)."""

        def select(namespace) -> set[_candidate.Key] | None:
            files = _upstream.normalized_files(namespace)
            # Overridden now or at the last reload (a cleared override
            # changes the value with no file entry changing).
            overridden = _upstream.overridden_keys(self.conf)
            self._next_overridden = overridden
            if self._raw is None:
                self._next_raw = _changed.RawFiles(files)
                return None
            self._next_raw, changed = self._raw.following(files)
            if _upstream.has_config_sources(self.conf):
                return None
            always = (
                set(self._invalid)
                | self._needs_restart
                | overridden
                | self._overridden
            )
            return _changed.affected(
                index,
                changed,
                self._raw.dollar_entries(),
                self._next_raw.dollar_entries(),
                always,
            )

        return select

    def _finish_pending(self) -> None:
        """Run callbacks and listeners of queued reports, oldest first.

        A callback that reloads lands here again while we are dispatching:
        its report is queued and handled after the current one, so no
        subscriber is left on an older value than ``conf`` holds.
        """
        if self._dispatching:
            return
        self._dispatching = True
        try:
            while self._pending:
                report, cand, started = self._pending.pop(0)
                # Old and new secrets, and passwords inside secret URLs.
                secrets = self._snapshot.secret_strings()
                if cand is not None:
                    secrets += masking.secret_fragments(cand.secret_values)
                    report.callback_errors += self.subscriptions.dispatch(
                        report.applied_changes,
                        _upstream.mutate_hooks(self.conf),
                        (self.conf, cand.hook_diff),
                        secrets,
                    )
                report.duration = time.monotonic() - started
                self.last_report = report
                self._log(report)
                self._notify(report, secrets)
        finally:
            self._dispatching = False

    def _notify(self, report: ReloadReport, secrets: list[str]) -> None:
        for listener in list(self._listeners):
            try:
                listener(report)
            except Exception as exc:
                # The traceback's text may quote a secret the listener
                # read from conf: scrub it as callback errors are.
                LOG.error(
                    'config reload listener %s failed:\n%s',
                    callback_name(listener),
                    masking.scrub(
                        ''.join(traceback.format_exception(exc)).rstrip(),
                        secrets,
                    ),
                )

    def mutate_config_files(self) -> dict[tuple[str | None, str], Any]:
        """Drop-in for ``ConfigOpts.mutate_config_files`` (oslo.service).

        Reloads through this reloader and returns the applied changes in
        oslo.config's shape; a refused reload returns ``{}`` rather than
        raising, so a bad file never kills the service.
        """
        return dict(self._reload('sighup')[1])

    # -- triggers ---------------------------------------------------------

    def enable_triggers(
        self,
        names: Iterable[str],
        options: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> list[Any]:
        """Start triggers from ``oslo_extras.config.reload_triggers``.

        :param names: e.g. ``['sighup', 'watch']``
        :param options: per-trigger keyword arguments, e.g.
            ``{'watch': {'debounce': 0.1}, 'poll': {'interval': 5}}``
        :returns: the started triggers
        """
        started = []
        for name in names:
            trigger = triggers.load(
                name, self, **dict((options or {}).get(name, {}))
            )
            trigger.start()
            self._triggers.append(trigger)
            started.append(trigger)
        return started

    def stop(self) -> None:
        """Stop every trigger this reloader started."""
        while self._triggers:
            self._triggers.pop().stop()

    def watched_paths(self) -> tuple[list[str], list[str]]:
        """Return the ``(config files, config dirs)`` a reload reads."""
        return _checks.watched_paths(self.conf)

    # -- internals --------------------------------------------------------

    def _start(self) -> None:
        if self._snapshot is not None:
            return
        if not _upstream.is_parsed(self.conf):
            raise RuntimeError(
                'the ConfigOpts has not parsed its files yet: call conf() '
                'before reloading'
            )
        if self.validate:
            self.checks.take_baseline()
        values, invalid = _candidate.current_values(self.conf)
        for bad in invalid.values():
            LOG.warning('current config has an invalid value: %s', bad.reason)
        self._invalid = invalid
        self._served = _checks.served_keys(self.conf)
        self._overridden = _upstream.overridden_keys(self.conf)
        # Until a reload installs one namespace, mutable options may be
        # read from another than the rest: the first reload reads all.
        self._raw = None
        if _upstream.mutable_namespace(self.conf) is None:
            self._raw = _changed.RawFiles(
                _upstream.normalized_files(_upstream.namespace(self.conf))
            )
        secrets = frozenset(
            (g, o.dest) for g, o in _candidate.options(self.conf) if o.secret
        )
        # Prefill the value cache now so a reader's late store can never
        # leave a stale value behind (see _upstream.PrefilledCache).
        with self._rw.write():
            _upstream.install(
                self.conf,
                _upstream.mutable_namespace(self.conf),
                _candidate.cache_values(values),
            )
            self._snapshot = ConfigSnapshot(0, values, secrets)

    @contextlib.contextmanager
    def holding_values(self) -> Iterator[None]:
        """Keep readers on the installed values while sources refresh.

        A source that finds new values clears oslo.config's caches so the
        next read sees them; inside this block that clear is held back
        (the source's own cache still refreshes), so readers keep the
        installed generation until :meth:`reload` installs the next one.
        """
        with self._reload_lock:
            self._start()
            with _upstream.cache_frozen(self.conf):
                yield

    def _install(self, cand: _candidate.Candidate) -> int:
        generation = self._snapshot.generation + 1
        snap = ConfigSnapshot(generation, cand.values, cand.secret_keys)
        cache = _candidate.cache_values(cand.values)
        with self._rw.write():
            _upstream.install(self.conf, cand.namespace, cache)
            self._snapshot = snap
        return generation

    def _log(self, report: ReloadReport) -> None:
        if report.applied and not report.changes:
            LOG.debug('config reload (%s): no change', report.trigger)
            return
        level = logging.INFO if report.ok else logging.WARNING
        LOG.log(level, '%s', report.as_text())
