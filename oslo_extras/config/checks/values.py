"""Checks on values: type, range, choices, duplicates and required options."""

from __future__ import annotations

import os
from collections.abc import Iterator

from oslo_extras.config.catalog import OptionInfo
from oslo_extras.config.checks import Check
from oslo_extras.config.checks import CheckContext
from oslo_extras.config.findings import ERROR
from oslo_extras.config.findings import WARNING
from oslo_extras.config.findings import Finding
from oslo_extras.config.inifile import Entry


def _type_error(info: OptionInfo, value: str) -> str | None:
    """Return why ``value`` does not parse as the option's type, or None."""
    opt_type = info.opt.type
    if info.multi:
        opt_type = getattr(opt_type, 'item_type', None) or opt_type
    try:
        opt_type(value)
    except (ValueError, TypeError) as exc:
        if info.secret:
            # The parser's message may quote the value: give only the type.
            return f'the value is not a valid {_type_name(info)}'
        return f'invalid value {value!r}: {exc}'
    return None


def _type_name(info: OptionInfo) -> str:
    return getattr(info.opt.type, 'type_name', None) or 'value'


class InvalidValueCheck(Check):
    """A value that does not parse as the option's type, range or choices.

    A value with ``$`` is not judged: oslo.config substitutes ``$my_ip``
    (``[vnc] server_listen = $my_ip``, as nova's install guide writes it)
    before converting, so the raw text is not what is typed. (A reload
    converts the substituted value with oslo.config itself.)
    """

    codes = ('invalid-value',)

    def run(self, context: CheckContext) -> Iterator[Finding]:
        for entry in context.entries():
            if '$' in entry.value:
                continue
            info = context.option_for(entry)
            if info is None:
                continue
            reason = _type_error(info, entry.value)
            if reason is not None:
                yield context.finding(ERROR, 'invalid-value', entry, reason)


class DuplicateOptionCheck(Check):
    """One file sets a single-valued option twice (or new and old name)."""

    codes = ('duplicate-option',)

    def run(self, context: CheckContext) -> Iterator[Finding]:
        seen: dict[tuple[str, str, str], Entry] = {}
        for entry in context.entries():
            info = context.option_for(entry)
            if info is None or info.multi:
                continue
            key = (entry.file, info.group, info.dest)
            first = seen.get(key)
            if first is None:
                seen[key] = entry
                continue
            yield context.finding(
                WARNING,
                'duplicate-option',
                entry,
                self._message(first, entry, info),
            )

    @staticmethod
    def _message(first: Entry, second: Entry, info: OptionInfo) -> str:
        same_name = (first.group, first.dest) == (second.group, second.dest)
        if same_name:
            return (
                f'{info.name} is already set at line {first.line}; '
                'oslo.config uses only the last value'
            )
        current = (info.group, info.dest)
        used = first if (first.group, first.dest) == current else second
        return (
            f'[{info.group}] {info.name} is set both under its current name '
            f'and an old one (line {first.line}); oslo.config uses '
            f'line {used.line}'
        )


class RequiredOptionCheck(Check):
    """A required option with no default that nothing sets."""

    codes = ('required-option',)

    def run(self, context: CheckContext) -> Iterator[Finding]:
        config = context.config
        has_sources = bool(config.raw('DEFAULT', 'config_source'))
        for info in context.catalog.options():
            opt = info.opt
            if not opt.required or opt.default is not None:
                continue
            if context.excluded(info.group):
                continue
            if config.entries_for(info.group, info.dest, context.catalog):
                continue
            env = f'OS_{info.group.upper()}__{info.dest.upper()}'
            if env in os.environ:
                continue
            if has_sources:
                severity = WARNING
                message = (
                    f'required option {info.name} is not set in any file; '
                    'it must come from a config source'
                )
            else:
                severity = ERROR
                message = (
                    f'required option {info.name} is not set and has no '
                    'default'
                )
            yield Finding(
                severity,
                'required-option',
                None,
                None,
                info.group,
                info.name,
                message,
            )
