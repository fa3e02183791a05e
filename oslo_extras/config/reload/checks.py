"""What a reload checks before building the candidate: validation, sources.

:class:`ReloadChecks` runs the ``oslo-config-check`` rules
(:class:`oslo_extras.config.validate.Validator`) on the files a reload reads
and remembers the errors of the running config: only errors the edit
introduced refuse a reload. :func:`add_candidate_problems` merges the
candidate's own errors with the validator's, each bad value once.
:func:`refresh_sources` re-queries the config sources of the ``ConfigOpts``
and :func:`vanished_source_values` fails a reload that would let a value a
source served (a deleted secret) fall back to its default.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any
from typing import NamedTuple

from oslo_config import cfg

from oslo_extras.config import _upstream
from oslo_extras.config.reload.report import APPLIED
from oslo_extras.config.reload.report import NEEDS_RESTART
from oslo_extras.config.reload.report import OptionChange
from oslo_extras.config.reload.report import ReloadReport

#: Codes of checks that judge each entry on its own (through
#: ``context.entries()``): after an edit they only need the entries that
#: changed, entries that substitute ``$var`` (they may depend on one) and
#: entries that had a finding (its text depends on other entries).
ENTRY_CODES = frozenset(
    {
        'invalid-value',
        'unknown-option',
        'deprecated-name',
        'deprecated-for-removal',
        # compares entries of one option in one file: a changed entry is
        # re-checked with every entry of the same file naming that option
        'duplicate-option',
    }
)

#: Validator codes that say the same as a candidate's conversion error.
_VALUE_CODES = frozenset({'invalid-value', 'required-option'})
_FILE_CODES = frozenset({'parse-error'})

LOG = logging.getLogger(__name__)


def watched_paths(conf: cfg.ConfigOpts) -> tuple[list[str], list[str]]:
    """Return the ``(config files, config dirs)`` a reload reads."""
    files = [os.path.abspath(p) for p in conf.config_file or []]
    dirs = [os.path.abspath(p) for p in conf.config_dir or []]
    return files, dirs


def reading_order(
    conf: cfg.ConfigOpts, expected_dirs: frozenset[str] = frozenset()
) -> list[tuple[str, str]]:
    """Return ``(FILE|DIR, path)`` of what a reload reads, in the order
    oslo.config reads them (a default config dir before ``--config-file``,
    the command line in its own order): later files win.

    :param expected_dirs: default config dirs that existed when the
        service started: one deleted since is listed (and the validator
        reports it missing) rather than read as empty, as oslo.config would
    """
    return [
        (kind, os.path.abspath(path))
        for kind, path in _upstream.config_reading_order(conf, expected_dirs)
    ]


def finding_key(finding: Any) -> tuple:
    """Identify a finding across edits.

    Line numbers move, and so do files: renaming ``10-lib.conf`` to
    ``20-lib.conf`` in a config dir (or a ConfigMap key renamed) carries
    its old findings along; the same error in another file is not one the
    edit introduced.
    """
    return (finding.code, finding.group, finding.option)


class _LastRun(NamedTuple):
    """What the next run compares with.

    :param values: ``{(file, section, key): values}`` as written
    :param found: the findings of the per-entry checks
    :param raw: ``{(group, option): value}`` every raw value the catalog
        binding (and the whole-config checks) looked up
    :param resolved: ``{(section, name): (group, dest) or None}``, the
        option each name set resolved to; valid while the catalog and
        ``raw`` stay the same (the binding reads nothing else)
    """

    values: dict[tuple[str, str, str], tuple[str, ...]]
    found: list[Any]
    raw: dict[tuple[str, str], str | None]
    resolved: dict[tuple[str, str], Any]


def _record_raw(config: Any) -> dict[tuple[str, str], str | None]:
    """Make ``config.raw`` remember what it is asked; return the record.

    The catalog is bound to the files through ``config.raw``: what it
    looks up decides which options each section takes.
    """
    reads: dict[tuple[str, str], str | None] = {}
    lookup = config.raw

    def raw(group: str, option: str) -> str | None:
        value = reads[(group, option)] = lookup(group, option)
        return value

    config.raw = raw
    return reads


class ReloadChecks:
    """Validation of the files a reload reads, against a baseline.

    :param conf: the live ``ConfigOpts`` (its options make the catalog)
    :param ignore_codes: finding codes that never refuse a reload
    """

    def __init__(self, conf: cfg.ConfigOpts, ignore_codes: Iterable[str]):
        self.conf = conf
        self.ignore_codes = frozenset(ignore_codes)
        #: default config dirs the running config was read from
        self.default_dirs = frozenset(
            d
            for d in getattr(conf, 'default_config_dirs', None) or ()
            if os.path.isdir(d)
        )
        #: error findings of the running config (they refuse no reload)
        self.baseline: set[tuple] = set()
        self._catalog: Any = None
        self._catalog_signature: tuple = ()
        self._validator: Any = None
        # entries, per-entry findings and the raw values the catalog
        # binding read in the last run
        self._last: _LastRun | None = None
        # whether the last run found something located in a file (its
        # line numbers carry over, so the next run parses with lines)
        self._located = True

    def findings(self, namespace: Any = None) -> list[Any]:
        """Run the checks on the files as they are now.

        Checks that look at the whole config run in full; the per-entry
        checks (:data:`ENTRY_CODES`) only on entries that changed since
        the last run, substitute ``$var`` or had a finding (entries with
        none keep none). When a value the catalog binding read changed
        (``auth_type``, ``enabled_backends``...), every entry is checked.

        :param namespace: the files as oslo.config has just parsed them
            (the reload's candidate). While the running config has no
            finding located in a file, the checks read that parse instead
            of parsing the files again; only when they find something do
            they parse the files with line numbers and check again.
        :raises ImportError: the validator is not installed
        """
        from oslo_extras.config.configset import ConfigSet
        from oslo_extras.config.inifile import ConfigFileError
        from oslo_extras.config.reload import parsed

        ordered = reading_order(self.conf, self.default_dirs)
        validator = self._validator_now()
        if namespace is not None and not self._located:
            fast = parsed.config_set(self.conf, namespace, ordered=ordered)
            if fast is not None:
                found, last = self._validate(
                    validator, fast.config, fast.values
                )
                if not self._needs_lines(found):
                    self._last = last
                    return [
                        f for f in found if f.code not in self.ignore_codes
                    ]
        try:
            config = ConfigSet.load(ordered=ordered)
        except ConfigFileError:
            self._last = None
            self._located = True
            # the parse-error finding
            found = validator.validate(ordered=ordered)
            return [f for f in found if f.code not in self.ignore_codes]
        found, self._last = self._validate(validator, config)
        # Entries with findings are checked again: the next run needs lines.
        self._located = self._needs_lines(found)
        return [f for f in found if f.code not in self.ignore_codes]

    def _validate(
        self, validator: Any, config: Any, values: dict | None = None
    ) -> tuple[list[Any], _LastRun]:
        """Check ``config`` against the last run; return the findings and
        the state the next run compares with.

        :param values: ``{(file, section, key): values}`` of ``config``,
            when known (then its entries have no line numbers)
        """
        if values is None:
            values = {}
            for e in config.entries():
                key = (e.file, e.section, e.key)
                values[key] = values.get(key, ()) + (e.value,)
        dollar = {
            key
            for key, texts in values.items()
            if any('$' in text for text in texts)
        }
        last = self._last
        if last is not None and any(
            config.raw(*where) != value for where, value in last.raw.items()
        ):
            # A value the binding read changed (auth_type, enabled_backends,
            # a driver): the options of whole sections changed, and with
            # them the findings of entries nobody edited.
            last = None
        reads = _record_raw(config)
        resolved: dict[tuple[str, str], Any] = {}
        if last is None:
            found = validator.validate_config(config)
        else:
            recheck = {k for k, v in values.items() if last.values.get(k) != v}
            recheck.update(k for k in last.values if k not in values)
            recheck |= dollar
            # A duplicate-option finding quotes the line of the other
            # entry, which moves with any edit above it: options set more
            # than once in one file are checked again, never carried over.
            recheck.update(k for k, texts in values.items() if len(texts) > 1)
            # One option under two names in one file (an old name, an old
            # group): both entries are checked again. Names resolve as the
            # checks resolve them, through the catalog bound to these
            # files, so options only a value creates (the auth plugin's,
            # a backend section's) are grouped too.
            resolved = last.resolved
            for keys in _entries_by_option(
                lambda: validator.catalog.bind(config.raw), values, resolved
            ).values():
                if len(keys) > 1:
                    recheck |= keys
            # A finding is never carried over: its text depends on other
            # entries (the secrets it masks, the names it suggests) and its
            # line on every edit above it. Entries with findings are few.
            recheck.update((f.file, f.group, f.option) for f in last.found)
            found = validator.validate_config(
                config,
                entry_filter=lambda e: (e.file, e.section, e.key) in recheck,
                entry_codes=ENTRY_CODES,
            )
        return found, _LastRun(
            values,
            [f for f in found if f.code in ENTRY_CODES],
            reads,
            resolved,
        )

    def _needs_lines(self, found: list[Any]) -> bool:
        """Tell whether a finding to report is located in a file (ignored
        codes are never shown, so they need no line)."""
        return any(f.file and f.code not in self.ignore_codes for f in found)

    def _validator_now(self) -> Any:
        from oslo_extras.config.validate import Validator

        catalog = self._catalog_now()
        if self._validator is None or self._validator.catalog is not catalog:
            self._validator = Validator(catalog)
            self._last = None
        return self._validator

    def take_baseline(self) -> None:
        """Remember the errors of the config the service runs with now."""
        try:
            self.accept(self.findings())
        except Exception as exc:  # ImportError, or a check that broke
            LOG.debug('no validation baseline: %s', exc)

    def accept(self, findings: list[Any] | None) -> None:
        """The config with ``findings`` is installed: it is the baseline."""
        if findings is not None:
            self.baseline = {finding_key(f) for f in findings if f.is_error}

    def check(
        self, report: ReloadReport, namespace: Any = None
    ) -> list[Any] | None:
        """Add errors and warnings to ``report``; return the findings.

        A section the service never registered (a library it does not
        load) must not block every later reload, while a typo the edit
        introduced does: errors already in the baseline become warnings.
        """
        try:
            findings = self.findings(namespace)
        except ImportError:
            LOG.debug('oslo_extras.config.validate missing: types only')
            return None
        except Exception as exc:
            report.errors.append(f'validation failed to run: {exc}')
            return None
        for finding in findings:
            if not finding.is_error:
                report.warnings.append(finding.as_text())
            elif finding_key(finding) in self.baseline:
                report.warnings.append(
                    finding.as_text() + ' (already in the running config)'
                )
            else:
                report.errors.append(finding.as_text())
        return findings

    def _catalog_now(self) -> Any:
        from oslo_extras.config.catalog import OptionCatalog

        # Options registered since the last reload need a new catalog.
        signature = _upstream.registration_signature(self.conf)
        if self._catalog is None or signature != self._catalog_signature:
            self._catalog = OptionCatalog.from_conf(self.conf)
            self._catalog_signature = signature
        return self._catalog


def _entries_by_option(
    bind: Callable[[], Any],
    keys: Iterable[tuple[str, str, str]],
    resolved: dict[tuple[str, str], Any],
) -> dict[tuple[str, str, str], set[tuple[str, str, str]]]:
    """Group ``(file, section, name)`` entries by ``(file, group, dest)``
    of the option they set, under its current or an old name.

    :param bind: returns the catalog bound to the files
        (``catalog.bind(raw)``); called only for a name not in ``resolved``
    :param resolved: names resolved by an earlier run with the same
        binding; updated in place
    """
    grouped: dict[tuple[str, str, str], set[tuple[str, str, str]]] = {}
    bound = None
    for key in keys:
        file, section, name = key
        where = (section, name)
        if where not in resolved:
            if bound is None:
                bound = bind()
            info = bound.option(section, name) or bound.replacement_for(
                section, name
            )
            resolved[where] = info and (info.group, info.dest)
        option = resolved[where]
        if option is not None:
            grouped.setdefault((file, *option), set()).add(key)
    return grouped


def refresh_sources(conf: cfg.ConfigOpts, report: ReloadReport) -> bool:
    """Refresh every config source of ours; return whether any changed.

    A source that cannot be read keeps its last good values; the failure is
    a warning of ``report`` (source texts are scrubbed of secret values).
    """
    try:
        from oslo_extras.config.sources import find_sources
    except ImportError:
        return False
    changed = False
    for source in find_sources(conf):
        name = getattr(source, 'name', type(source).__name__)
        try:
            result = source.refresh()
        except Exception as exc:
            report.warnings.append(
                f'config source [{name}]: refresh failed: {exc}'
            )
            continue
        changed = changed or bool(result.changed)
        missing = set(getattr(result, 'missing', ()))
        for group, option, reason in result.failed:
            if (group, option) in missing:
                # A deleted secret or one rotated to a value its type
                # refuses: the source keeps its last good value, and the
                # reload fails until a usable secret is back.
                report.errors.append(
                    f'config source [{name}]: [{group}] {option}: {reason}'
                )
                continue
            report.warnings.append(
                f'config source [{name}]: [{group}] {option}: {reason} '
                '(last good value kept)'
            )
    return changed


def served_keys(conf: cfg.ConfigOpts) -> frozenset[tuple[str, str]]:
    """Return the ``(group, dest)`` our config sources have a value for."""
    try:
        from oslo_extras.config.sources import find_sources
    except ImportError:
        return frozenset()
    return frozenset(
        _option_key(group, option)
        for source in find_sources(conf)
        for group, option in source.keys()
    )


def vanished_source_values(
    before: frozenset[tuple[str, str]],
    now: frozenset[tuple[str, str]],
    changes: Iterable[OptionChange],
) -> dict[tuple[str, str], str]:
    """Return ``{key: reason}`` for changes whose source value is gone.

    A secret deleted from its backend must not silently become the
    option's default (fail closed): the reload is refused and readers keep
    the old value until the source serves one again.
    """
    gone = {}
    for change in changes:
        key = (change.group, change.option)
        if change.status not in (APPLIED, NEEDS_RESTART):
            continue
        if key in before and key not in now:
            gone[key] = (
                f'[{change.group}] {change.option}: its config source no '
                'longer has a value (deleted?); a value from a source never '
                'falls back to the default: old value kept'
            )
    return gone


def add_candidate_problems(
    report: ReloadReport,
    cand: Any,
    findings: list[Any] | None,
    baseline: set[tuple] = frozenset(),
) -> None:
    """Add the candidate's errors and warnings, skipping repeats.

    The validator and the candidate both see a value that does not convert
    or a file that does not parse; the validator's finding is kept (it
    names the file and line), the candidate's only fills the gaps (no
    validator, or a problem only the typed read finds).
    """
    value_keys: set[tuple[str, str]] = set()
    # Only a finding that refuses this reload may stand for a candidate
    # error: one already in the running config is a warning, and a value
    # that no longer converts must still refuse (fail closed).
    error_keys: set[tuple[str, str]] = set()
    # where the validator saw the value (a warning on ``$nope`` says where
    # the value the typed read refuses is)
    located: dict[tuple[str, str], str] = {}
    file_problem = False
    for finding in findings or ():
        if finding.code in _VALUE_CODES and finding.group and finding.option:
            key = _option_key(finding.group, finding.option)
            value_keys.add(key)
            if finding.file:
                located[key] = f'{finding.file}:{finding.line}: '
            if finding.is_error and finding_key(finding) not in baseline:
                error_keys.add(key)
        file_problem = file_problem or (
            finding.code in _FILE_CODES and finding.is_error
        )
    report.errors += cand.errors
    if not file_problem:
        report.errors += cand.file_errors
    for key, reason in cand.option_errors.items():
        if key not in error_keys:
            report.errors.append(located.get(key, '') + reason)
    for key, reason in cand.option_warnings.items():
        if key not in value_keys:
            report.warnings.append(reason)


def _option_key(group: str, option: str) -> tuple[str, str]:
    """Normalise a name as written to oslo.config's ``(group, dest)``."""
    group = 'DEFAULT' if group.upper() == 'DEFAULT' else group.lower()
    return group, option.replace('-', '_')
