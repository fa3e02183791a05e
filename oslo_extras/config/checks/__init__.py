"""Validation checks, each a plugin of ``oslo_extras.config.checks``.

A check receives a :class:`CheckContext` (the catalog bound to the files, and
the parsed files in the order oslo.config reads them) and yields
:class:`~oslo_extras.config.findings.Finding` objects. A service adds its own
rule by subclassing :class:`Check` and registering it::

    [entry_points]
    oslo_extras.config.checks =
        interval-below-timeout = myservice.checks:IntervalBelowTimeout

    class IntervalBelowTimeout(Check):
        codes = ('interval-below-timeout',)

        def run(self, context):
            interval = context.typed_value('DEFAULT', 'report_interval')
            timeout = context.typed_value('DEFAULT', 'service_down_time')
            if interval is not None and timeout is not None and (
                    interval >= timeout):
                entry = context.config.last_entry('DEFAULT', 'report_interval')
                yield context.finding(
                    'error', 'interval-below-timeout', entry,
                    'report_interval must be below service_down_time')
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Iterator
from typing import Any

from oslo_extras.config import masking
from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.catalog import OptionInfo
from oslo_extras.config.configset import ConfigSet
from oslo_extras.config.findings import Finding
from oslo_extras.config.inifile import Entry
from oslo_extras.config.interpolation import Expanded
from oslo_extras.config.interpolation import Interpolator

NAMESPACE = 'oslo_extras.config.checks'


@dataclasses.dataclass
class CheckContext:
    """What every check sees.

    :param catalog: the options known, bound to the files' values (config
        source groups, driver options, auth plugin options are resolved)
    :param config: the parsed files, in the order oslo.config reads them
    :param exclude_groups: groups the user asked not to check
    :param check_defaults: report values that differ from the defaults
    :param exclude_options: regexes of option names the defaults
        comparison skips
    """

    catalog: OptionCatalog
    config: ConfigSet
    exclude_groups: frozenset[str] = frozenset()
    check_defaults: bool = False
    exclude_options: tuple[str, ...] = ()
    _resolved: dict[tuple[str, str], tuple[OptionInfo | None, ...]] = (
        dataclasses.field(default_factory=dict, repr=False)
    )

    _entries: list[Entry] | None = dataclasses.field(default=None, repr=False)
    _secrets: list[str] | None = dataclasses.field(default=None, repr=False)
    _interpolator: Interpolator | None = dataclasses.field(
        default=None, repr=False
    )

    def expand(self, entry: Entry) -> Expanded | None:
        """The entry's value after ``$var`` interpolation, as the service
        converts it; ``None`` when a reference cannot be resolved."""
        if self._interpolator is None:
            self._interpolator = Interpolator(self.catalog, self.config)
        return self._interpolator.expand(entry.section, entry.value)

    def unresolved_reference(self, entry: Entry) -> str | None:
        """The ``$name`` in an entry's value that names no known option."""
        if self._interpolator is None:
            self._interpolator = Interpolator(self.catalog, self.config)
        return self._interpolator.unresolved(entry.section, entry.value)

    def looping_reference(self, entry: Entry) -> str | None:
        """The option an entry's ``$`` references come back to (oslo.config
        recurses without end reading it), or ``None``."""
        if self._interpolator is None:
            self._interpolator = Interpolator(self.catalog, self.config)
        return self._interpolator.loops_at(entry.section, entry.value)

    def never_resolving_reference(self, entry: Entry) -> str | None:
        """The ``${DEFAULT.name}`` in an entry's value, which oslo.config
        always fails on."""
        if self._interpolator is None:
            self._interpolator = Interpolator(self.catalog, self.config)
        return self._interpolator.never_resolves(entry.section, entry.value)

    def show_value(self, value: str) -> str:
        """Return a value as it may be printed in a finding.

        Every secret found in the files (a secret option's value, a
        password inside a secret URL) is masked inside it. Only values go
        through here: option and group names are never masked, so a
        message never differs from the finding's ``option`` field.
        """
        if self._secrets is None:
            self._secrets = _secret_values(self)
        return masking.scrub(value, self._secrets)

    def excluded(self, group: str) -> bool:
        return group.lower() in self.exclude_groups

    def entries(self) -> list[Entry]:
        """Every assignment outside the excluded groups, in reading order."""
        if self._entries is None:
            excluded = self.exclude_groups
            self._entries = [
                e
                for e in self.config.entries()
                if not excluded or e.section.lower() not in excluded
            ]
        return self._entries

    def _resolve(self, entry: Entry) -> tuple[OptionInfo | None, ...]:
        # Every check asks about every entry: look each name up once.
        key = (entry.section, entry.key)
        found = self._resolved.get(key)
        if found is None:
            live = self.catalog.option(entry.section, entry.key)
            old = None if live else self.catalog.replacement_for(*key)
            found = self._resolved[key] = (live, old)
        return found

    def live_option(self, entry: Entry) -> OptionInfo | None:
        """The option an entry sets under its current name, or ``None``."""
        return self._resolve(entry)[0]

    def renamed_option(self, entry: Entry) -> OptionInfo | None:
        """The option an entry sets under an old name, or ``None``."""
        return self._resolve(entry)[1]

    def option_for(self, entry: Entry) -> OptionInfo | None:
        """The option an entry sets, under its current or an old name."""
        found = self._resolved.get((entry.section, entry.key))
        if found is None:
            found = self._resolve(entry)
        return found[0] or found[1]

    def typed_value(self, group: str, option: str) -> Any:
        """Return the value the files give an option, typed; else ``None``.

        Values that do not parse are ``None`` (``invalid-value`` reports
        them), as are options the files do not set.
        """
        info = self.catalog.option(group, option)
        entries = self.config.entries_for(group, option, self.catalog)
        if info is None or not entries:
            return None
        opt_type = info.opt.type
        if info.multi:
            opt_type = getattr(opt_type, 'item_type', None) or opt_type
        try:
            values = []
            for e in entries if info.multi else entries[-1:]:
                expanded = self.expand(e)
                if expanded is None:
                    return None
                values.append(opt_type(expanded.value))
        except (ValueError, TypeError):
            return None
        return values if info.multi else values[0]

    @staticmethod
    def finding(
        severity: str,
        code: str,
        entry: Entry | None,
        message: str,
        suggestion: str | None = None,
        group: str | None = None,
        option: str | None = None,
    ) -> Finding:
        """Build a finding located at ``entry`` (or at no file)."""
        return Finding(
            severity=severity,
            code=code,
            file=entry.file if entry else None,
            line=entry.line if entry else None,
            group=entry.section if entry else group,
            option=entry.key if entry else option,
            message=message,
            suggestion=suggestion,
        )


class Check(abc.ABC):
    """A validation rule.

    :attr codes: every finding code this check can emit, so ``--select``
        and ``--ignore`` can skip a check that cannot produce wanted codes
    """

    codes: tuple[str, ...] = ()

    @abc.abstractmethod
    def run(self, context: CheckContext) -> Iterator[Finding]:
        """Yield the findings of this rule for ``context``."""


def _secret_values(context: CheckContext) -> list[str]:
    """Values of secret options in the files, longest first."""
    values = []
    for entry in context.config.entries():
        info = context.option_for(entry)
        if info is not None and info.secret:
            values.append(entry.value)
    fragments = set(masking.secret_fragments(values))
    return sorted(fragments, key=len, reverse=True)
