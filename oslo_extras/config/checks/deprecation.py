"""Checks on deprecated names and options about to be removed."""

from __future__ import annotations

from collections.abc import Iterator

from oslo_extras.config.checks import Check
from oslo_extras.config.checks import CheckContext
from oslo_extras.config.findings import WARNING
from oslo_extras.config.findings import Finding


class DeprecatedNameCheck(Check):
    """An option set under an old name or group; says the new one."""

    codes = ('deprecated-name',)

    def run(self, context: CheckContext) -> Iterator[Finding]:
        for entry in context.entries():
            # A live option is never deprecated, even if also an old alias.
            new = context.renamed_option(entry)
            if new is None:
                continue
            yield context.finding(
                WARNING,
                'deprecated-name',
                entry,
                'deprecated name; oslo-config-migrate can rewrite it',
                # What a file needs (and oslo-config-migrate writes): the
                # dest, never a hyphenated command-line name.
                suggestion=f'[{new.group}] {new.dest}',
            )


class DeprecatedForRemovalCheck(Check):
    """An option that a coming release removes."""

    codes = ('deprecated-for-removal',)

    def run(self, context: CheckContext) -> Iterator[Finding]:
        for entry in context.entries():
            info = context.option_for(entry)
            if info is None or not info.opt.deprecated_for_removal:
                continue
            message = f'{info.dest} is deprecated for removal'
            if info.opt.deprecated_since:
                message += f' since {info.opt.deprecated_since}'
            if info.opt.deprecated_reason:
                reason = ' '.join(str(info.opt.deprecated_reason).split())
                message += f': {reason}'
            yield context.finding(
                WARNING, 'deprecated-for-removal', entry, message
            )
