"""Checks on names: unknown groups and options, groups in the wrong case."""

from __future__ import annotations

from collections.abc import Iterator

from oslo_extras import _suggest
from oslo_extras.config.catalog import DEFAULT_GROUP
from oslo_extras.config.catalog import normalize_name
from oslo_extras.config.checks import Check
from oslo_extras.config.checks import CheckContext
from oslo_extras.config.checks._successors import REMOVED_RENAMES
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
        # Template groups (sample_<driver>_source) are never meant.
        groups = [g.name for g in context.catalog.groups() if not g.template]
        filled = {(e.file, e.section) for e in context.config.entries()}
        for section in context.config.sections():
            if context.excluded(section.name) or _wrong_case_default(
                section.name
            ):
                continue
            if context.catalog.group(section.name) is not None:
                continue
            if context.catalog.is_old_group(section.name):
                continue  # deprecated-name reports its old names
            match = _suggest.suggest(section.name, groups)
            if (section.file, section.name) not in filled:
                # A header left over from an older sample: nothing in it
                # is read, and the service does not mind.
                yield Finding(
                    WARNING,
                    'unknown-group',
                    section.file,
                    section.line,
                    section.name,
                    None,
                    f'empty section [{section.name}] that no group of the '
                    'service has: remove it',
                    match[0] if match else None,
                )
                continue
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
                if name in getattr(context.catalog, 'dynamic_names', ()):
                    continue  # spelt as the value naming it (cinder's [LVM])
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
            if catalog.group(entry.section) is None and not (
                catalog.is_old_group(entry.section)
            ):
                continue  # unknown-group reports the whole section
            yield self._finding(context, entry)

    @staticmethod
    def _finding(context: CheckContext, entry: Entry) -> Finding:
        catalog = context.catalog
        message = f'unknown option {entry.key!r} in [{entry.section}]'
        dest = normalize_name(entry.key)
        if dest != entry.key and catalog.option(entry.section, dest):
            # oslo.config reads files by dest: "log-file = x" is ignored.
            message = (
                f'{entry.key!r} is ignored: config files must spell it '
                f'{dest!r}'
            )
            return context.finding(
                ERROR, 'unknown-option', entry, message, dest
            )
        successor = _successor(context, entry)
        if successor is not None:
            message += f': it was renamed {successor}'
            return context.finding(
                ERROR, 'unknown-option', entry, message, successor
            )
        elsewhere = [
            g
            for g in catalog.groups_with_option(entry.key)
            if g != entry.group and not catalog.group(g).template
        ]
        # The exact name in the group it lives in is stronger evidence
        # than a similar name here ([ovs] ovn_sb_connection is not a
        # misspelt ovsdb_connection); a similar name comes next.
        suggestion = None
        if elsewhere:
            message += ': it belongs in ' + _group_list(elsewhere)
            suggestion = _likely_group(context, entry, elsewhere)
        suggestion = suggestion or _close_name(context, entry)
        return context.finding(
            ERROR, 'unknown-option', entry, message, suggestion
        )


#: How many groups a message names before "and N more".
_MAX_GROUPS_SHOWN = 4


def _group_list(groups: list[str]) -> str:
    shown = ', '.join(f'[{g}]' for g in groups[:_MAX_GROUPS_SHOWN])
    more = len(groups) - _MAX_GROUPS_SHOWN
    return shown + (f' and {more} more' if more > 0 else '')


def _successor(context: CheckContext, entry: Entry) -> str | None:
    """The documented successor of a name upstream dropped, if known."""
    new = REMOVED_RENAMES.get((entry.group, entry.key))
    if new is None or context.catalog.option(*new) is None:
        return None
    group, name = new
    return name if group == entry.group else f'[{group}] {name}'


def _close_name(context: CheckContext, entry: Entry) -> str | None:
    """The most similar name in the same group, preferring unset ones.

    A name already set there is less likely what a typo meant than a
    similar name that is not set yet.
    """
    names = context.catalog.names_in_group(entry.section)
    close = _suggest.suggest(entry.dest, names)
    for candidate in close:
        if not context.config.entries_for(entry.section, candidate):
            return candidate
    return close[0] if close else None


def _likely_group(
    context: CheckContext, entry: Entry, groups: list[str]
) -> str | None:
    """The group the option probably belongs in, or ``None`` if unclear.

    One candidate: that one. Several: the one the files already use, if
    exactly one is; otherwise no guess (the message lists them all).
    """
    if len(groups) == 1:
        return f'[{groups[0]}] {entry.key}'
    used = {e.group for e in context.config.entries()}
    in_use = [g for g in groups if g in used]
    if len(in_use) == 1:
        return f'[{in_use[0]}] {entry.key}'
    return None
