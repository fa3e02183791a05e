"""Checks on names: unknown groups and options, groups in the wrong case."""

from __future__ import annotations

from collections.abc import Iterator

from oslo_extras import _suggest
from oslo_extras.config.catalog import DEFAULT_GROUP
from oslo_extras.config.catalog import normalize_name
from oslo_extras.config.checks import Check
from oslo_extras.config.checks import CheckContext
from oslo_extras.config.findings import ERROR
from oslo_extras.config.findings import WARNING
from oslo_extras.config.findings import Finding
from oslo_extras.config.inifile import Entry


def _wrong_case_default(section: str) -> bool:
    # oslo.config only treats exactly "DEFAULT" as the default group.
    return section != DEFAULT_GROUP and section.upper() == DEFAULT_GROUP


class UnknownGroupCheck(Check):
    """A section no registered group (or declared pattern) accepts."""

    codes = ('unknown-group',)

    def run(self, context: CheckContext) -> Iterator[Finding]:
        groups = context.catalog.group_names()
        for section in context.config.sections():
            if context.excluded(section.name) or _wrong_case_default(
                section.name
            ):
                continue
            if context.catalog.group(section.name) is not None:
                continue
            if context.catalog.is_old_group(section.name):
                # Read for its old names (deprecated-name says so);
                # unknown-option reports anything else in it.
                continue
            match = _suggest.suggest(section.name, groups)
            yield Finding(
                ERROR,
                'unknown-group',
                section.file,
                section.line,
                section.name,
                None,
                f'unknown group [{section.name}]: every option in it is '
                'ignored',
                match[0] if match else None,
            )


class GroupCaseCheck(Check):
    """``[default]`` is not ``[DEFAULT]``; other groups are lower-cased."""

    codes = ('group-case',)

    def run(self, context: CheckContext) -> Iterator[Finding]:
        for section in context.config.sections():
            name = section.name
            if context.excluded(name):
                continue
            if _wrong_case_default(name):
                yield Finding(
                    ERROR,
                    'group-case',
                    section.file,
                    section.line,
                    name,
                    None,
                    f'[{name}] is not the default group: oslo.config only '
                    'reads [DEFAULT] in capitals, so every option here is '
                    'ignored',
                    DEFAULT_GROUP,
                )
            elif name != name.lower() and name != DEFAULT_GROUP:
                if context.catalog.group(name) is None:
                    continue  # unknown-group says more
                yield Finding(
                    WARNING,
                    'group-case',
                    section.file,
                    section.line,
                    name,
                    None,
                    f'group [{name}] is read as [{name.lower()}]; write it in '
                    'lower case, as other tools compare names exactly',
                    name.lower(),
                )


class UnknownOptionCheck(Check):
    """An option that the group does not have."""

    codes = ('unknown-option',)

    def run(self, context: CheckContext) -> Iterator[Finding]:
        catalog = context.catalog
        for entry in context.entries():
            if context.option_for(entry) is not None:
                continue  # live, or an old name deprecated-name reports
            if _wrong_case_default(entry.section):
                continue  # group-case reports the whole section
            if catalog.group(entry.section) is None and (
                not catalog.is_old_group(entry.section)
            ):
                continue  # unknown-group reports the whole section
            yield self._finding(context, entry)

    @staticmethod
    def _finding(context: CheckContext, entry: Entry) -> Finding:
        catalog = context.catalog
        close = _suggest.suggest(
            entry.dest, catalog.names_in_group(entry.section)
        )
        elsewhere = [
            g
            for g in catalog.groups_with_option(entry.key)
            if g != entry.group
        ]
        message = f'unknown option {entry.key!r} in [{entry.section}]'
        suggestion = close[0] if close else None
        dest = normalize_name(entry.key)
        if dest != entry.key and catalog.option(entry.section, dest):
            # oslo.config reads files by dest: "log-file = x" is ignored.
            message = (
                f'{entry.key!r} is ignored: config files must spell it '
                f'{dest!r}'
            )
            suggestion = dest
        if elsewhere:
            message += ': it belongs in ' + ', '.join(
                f'[{g}]' for g in elsewhere
            )
            suggestion = suggestion or f'[{elsewhere[0]}] {entry.key}'
        return context.finding(
            ERROR, 'unknown-option', entry, message, suggestion
        )
