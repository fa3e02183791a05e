"""Strict validation of config files against an option catalog.

::

    from oslo_extras.config.catalog import OptionCatalog
    from oslo_extras.config.validate import Validator

    catalog = OptionCatalog.from_namespaces(['oslo.log', 'oslo.messaging'])
    for finding in Validator(catalog).validate(['/etc/svc/svc.conf']):
        print(finding.as_text())

Files and config dirs are read in the same order and with the same merging
rules as oslo.config. Every check is a plugin of the
``oslo_extras.config.checks`` namespace (see :mod:`oslo_extras.config.checks`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence

import stevedore

from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.checks import NAMESPACE
from oslo_extras.config.checks import Check
from oslo_extras.config.checks import CheckContext
from oslo_extras.config.checks.defaults import DEFAULT_EXCLUDED_OPTIONS
from oslo_extras.config.configset import ConfigSet
from oslo_extras.config.findings import ERROR
from oslo_extras.config.findings import WARNING
from oslo_extras.config.findings import Finding
from oslo_extras.config.inifile import ConfigFileError
from oslo_extras.config.inifile import Entry

__all__ = ['ERROR', 'WARNING', 'Finding', 'Validator', 'load_checks']

LOG = logging.getLogger(__name__)

#: Raised for unreadable input; not a check, so not selectable.
PARSE_ERROR = 'parse-error'
#: Reported when a check plugin raises.
CHECK_FAILED = 'check-failed'


def known_codes(checks: Iterable[Check] | None = None) -> set[str]:
    """Every finding code the installed (or given) checks can report."""
    checks = load_checks() if checks is None else checks
    return {code for check in checks for code in check.codes}


def load_checks(names: Iterable[str] | None = None) -> list[Check]:
    """Instantiate the registered checks, sorted by entry point name.

    :param names: only these entry points (default: all)
    """
    if names is None:
        manager = stevedore.ExtensionManager(
            NAMESPACE, invoke_on_load=True, on_load_failure_callback=_raise
        )
    else:
        manager = stevedore.NamedExtensionManager(
            NAMESPACE,
            names=list(names),
            invoke_on_load=True,
            on_load_failure_callback=_raise,
            name_order=True,
        )
    return [ext.obj for ext in sorted(manager, key=lambda e: e.name)]


def _raise(manager, entrypoint, exc):
    raise exc


class Validator:
    """Run checks over config files.

    :param catalog: the options the service knows
    :param checks: the checks to run (default: every registered plugin)
    :param select: report only these codes
    :param ignore: never report these codes
    :param exclude_groups: do not check these groups (names as in files)
    :param check_defaults: also report values that differ from defaults
        (``non-default`` warnings), as ``oslo-config-validator
        --check-defaults`` does
    :param exclude_options: option name regexes (full match) the defaults
        comparison skips
    """

    def __init__(
        self,
        catalog: OptionCatalog,
        checks: Sequence[Check] | None = None,
        select: Iterable[str] = (),
        ignore: Iterable[str] = (),
        exclude_groups: Iterable[str] = (),
        check_defaults: bool = False,
        exclude_options: Iterable[str] = DEFAULT_EXCLUDED_OPTIONS,
    ) -> None:
        self.catalog = catalog
        self.select = frozenset(select)
        self.ignore = frozenset(ignore)
        self.checks = [
            check
            for check in (load_checks() if checks is None else checks)
            if not check.codes or any(self._wanted(c) for c in check.codes)
        ]
        self.exclude_groups = frozenset(g.lower() for g in exclude_groups)
        self.check_defaults = check_defaults
        self.exclude_options = tuple(exclude_options)

    def _wanted(self, code: str) -> bool:
        if code in self.ignore:
            return False
        return not self.select or code in self.select

    def validate(
        self,
        config_files: Sequence[str] = (),
        config_dirs: Sequence[str] = (),
        ordered: Sequence[tuple[str, str]] | None = None,
    ) -> list[Finding]:
        """Check files and dirs; return findings sorted by file and line.

        A file that cannot be read or parsed gives one ``parse-error``
        finding naming the file and line, and nothing else is checked.
        """
        try:
            config = ConfigSet.load(config_files, config_dirs, ordered)
        except ConfigFileError as exc:
            return [
                Finding(
                    ERROR,
                    PARSE_ERROR,
                    exc.file,
                    exc.line,
                    None,
                    None,
                    exc.reason,
                )
            ]
        return self.validate_config(config)

    def validate_config(
        self,
        config: ConfigSet,
        entry_filter: Callable[[Entry], bool] | None = None,
        entry_codes: frozenset[str] = frozenset(),
    ) -> list[Finding]:
        """Check already parsed files.

        :param entry_filter: the checks whose codes are all in
            ``entry_codes`` (checks that judge each entry on its own) get
            only the entries it accepts through ``context.entries()``;
            ``context.config`` stays whole. A reload uses it to re-check
            only what an edit changed.
        """
        context = CheckContext(
            self.catalog.bind(config.raw),
            config,
            self.exclude_groups,
            check_defaults=self.check_defaults,
            exclude_options=self.exclude_options,
        )
        every = context.entries()
        some = every
        if entry_filter is not None:
            some = [e for e in every if entry_filter(e)]
        findings: list[Finding] = []
        for check in self.checks:
            local = bool(check.codes) and set(check.codes) <= entry_codes
            context._entries = some if local else every
            try:
                found = list(check.run(context))
            except Exception as exc:
                # A broken plugin must not hide what the others found.
                LOG.exception('check %s failed', type(check).__name__)
                found = [
                    Finding(
                        ERROR,
                        'check-failed',
                        None,
                        None,
                        None,
                        None,
                        f'check {type(check).__name__} failed: '
                        f'{type(exc).__name__}',
                    )
                ]
            findings.extend(
                f
                for f in found
                if self._wanted(f.code) or f.code == 'check-failed'
            )
        # A file given twice is read twice: report each finding once.
        unique = dict.fromkeys(findings)
        return sorted(unique, key=Finding.sort_key)
