"""Checks on groups that a file's values create (config sources, drivers)."""

from __future__ import annotations

from collections.abc import Iterator

from oslo_extras.config.checks import Check
from oslo_extras.config.checks import CheckContext
from oslo_extras.config.findings import ERROR
from oslo_extras.config.findings import Finding


class ConfigSourceCheck(Check):
    """A config source, driver or auth plugin that cannot be resolved."""

    codes = ('unknown-driver',)

    def run(self, context: CheckContext) -> Iterator[Finding]:
        for group, option, reason in context.catalog.unresolved:
            if context.excluded(group):
                continue
            entry = context.config.last_entry(group, option)
            value = entry.value if entry else None
            if value and context.show_value(value) != value:
                # The reason quotes the value (a driver name): mask it
                # there, and only there.
                reason = reason.replace(
                    repr(value), repr(context.show_value(value))
                )
            yield context.finding(
                ERROR,
                'unknown-driver',
                entry,
                reason,
                group=group,
                option=option,
            )
