"""Checks on values: type, range, choices, duplicates and required options."""

from __future__ import annotations

import os
from collections.abc import Iterator

from oslo_extras.config.catalog import OptionInfo
from oslo_extras.config.catalog.binding import AUTH_NAMESPACE
from oslo_extras.config.catalog.binding import AuthBinding
from oslo_extras.config.catalog.binding import is_keystoneauth_group
from oslo_extras.config.checks import Check
from oslo_extras.config.checks import CheckContext
from oslo_extras.config.findings import ERROR
from oslo_extras.config.findings import WARNING
from oslo_extras.config.findings import Finding
from oslo_extras.config.inifile import Entry


def _type_error(
    context: CheckContext, info: OptionInfo, entry: Entry
) -> str | None:
    """Return why an entry's value does not parse as its type, or None.

    The value is checked after ``$var`` interpolation, as the service
    converts it; a value whose references cannot be resolved is not checked.
    """
    expanded = context.expand(entry)
    if expanded is None:
        return None
    opt_type = info.opt.type
    if info.multi:
        opt_type = getattr(opt_type, 'item_type', None) or opt_type
    try:
        opt_type(expanded.value)
    except (ValueError, TypeError) as exc:
        if info.secret or expanded.uses_secret:
            # The parser's message may quote the value: give only the type.
            return f'the value is not a valid {_type_name(info)}'
        shown = context.show_value(entry.value)
        reason = str(exc)
        if shown != entry.value:
            reason = reason.replace(entry.value, shown)
        if expanded.value != entry.value:
            read_as = context.show_value(expanded.value)
            if read_as != expanded.value:
                reason = reason.replace(expanded.value, read_as)
            return f'invalid value {shown!r} (read as {read_as!r}): {reason}'
        return f'invalid value {shown!r}: {reason}'
    return None


def _unresolved_message(name: str, secret: bool) -> str:
    # A warning: the catalog may lack an option the service registers.
    # A secret's text is not quoted, not even the part after '$'.
    what = 'a $ reference' if secret else f'${name}'
    return (
        f'{what} names no option the service is known to have: '
        'oslo.config fails reading this value unless it does; write $$ '
        'for a literal $'
    )


def _type_name(info: OptionInfo) -> str:
    return getattr(info.opt.type, 'type_name', None) or 'value'


class InvalidValueCheck(Check):
    """A value that does not parse as the option's type, range or choices."""

    codes = ('invalid-value',)

    def run(self, context: CheckContext) -> Iterator[Finding]:
        for entry in context.entries():
            info = context.option_for(entry)
            if info is None:
                continue
            reason = _type_error(context, info, entry)
            if reason is not None:
                yield context.finding(ERROR, 'invalid-value', entry, reason)
            elif '$' in entry.value:
                never = context.never_resolving_reference(entry)
                if never == '' or (never is not None and info.secret):
                    # a secret's text (this one's or one substituted here)
                    # is not shown, not even the name after its $
                    yield context.finding(
                        ERROR,
                        'invalid-value',
                        entry,
                        'a secret read here holds a ${DEFAULT.name} '
                        'reference, which oslo.config fails reading',
                    )
                    continue
                if never is not None:
                    option = never.partition('.')[2]
                    yield context.finding(
                        ERROR,
                        'invalid-value',
                        entry,
                        f'${{{never}}}: oslo.config has no group DEFAULT '
                        'to look this up in and fails reading the value; '
                        f'write ${option}',
                        suggestion=f'${option}',
                    )
                    continue
                loop = context.looping_reference(entry)
                if loop is not None:
                    ref = f'${{{loop}}}' if '.' in loop else f'${loop}'
                    if not loop or info.secret:
                        ref = 'a $ reference'  # a secret's text: not shown
                    yield context.finding(
                        ERROR,
                        'invalid-value',
                        entry,
                        f'{ref} refers back to a value it is built from: '
                        'oslo.config recurses without end reading it',
                    )
                    continue
                name = context.unresolved_reference(entry)
                if name is not None:
                    yield context.finding(
                        WARNING,
                        'invalid-value',
                        entry,
                        # '' : a piece of a substituted secret's text
                        _unresolved_message(name, info.secret or not name),
                    )


class DuplicateOptionCheck(Check):
    """One file sets a single-valued option twice (or new and old name)."""

    codes = ('duplicate-option',)

    def run(self, context: CheckContext) -> Iterator[Finding]:
        # context.entries() may be narrowed (a reload re-checks only the
        # entries an edit touched); walk files by position within it.
        wanted = {id(entry) for entry in context.entries()}
        seen: dict[tuple[int, str, str], Entry] = {}
        for index, ini in enumerate(context.config.files):
            for entry in ini.entries:
                if id(entry) not in wanted or context.excluded(entry.section):
                    continue
                yield from self._check(context, seen, index, entry)

    def _check(
        self,
        context: CheckContext,
        seen: dict[tuple[int, str, str], Entry],
        index: int,
        entry: Entry,
    ) -> Iterator[Finding]:
        # Keyed by the file's position: a file given twice is read twice,
        # which is harmless, not a duplicate inside one file.
        info = context.option_for(entry)
        if info is not None and not info.multi:
            key = (index, info.group, info.dest)
            first = seen.get(key)
            if first is None:
                seen[key] = entry
                return
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
                f'{info.dest} is already set at line {first.line}; '
                'oslo.config uses only the last value'
            )
        current = (info.group, info.dest)
        used = first if (first.group, first.dest) == current else second
        return (
            f'[{info.group}] {info.dest} is set both under its current name '
            f'and an old one (line {first.line}); oslo.config uses '
            f'line {used.line}'
        )


class RequiredOptionCheck(Check):
    """A required option with no default that nothing sets.

    Reported with the severity of what the service does (see the rules in
    specs/config-check.rst):

    * an option the service registers at startup (a catalog read from the
      service's ``ConfigOpts``, as strict mode does): oslo.config refuses
      to start, an error (a warning when a config source may set it);
    * an option known only from a namespace listing: a namespace also
      lists groups a service registers late or never (middleware, drivers
      and clients it may not use), so a warning when the files set
      something in its group, nothing when they do not;
    * an option of the keystoneauth plugin a group's ``auth_type`` chooses
      (looked up in the ``auth_section`` it names): a warning, as the
      service fails when it authenticates, not at startup.

    Options of template groups (``sample_<driver>_source``) and the sample
    keystoneauth options of a group whose plugin is not chosen are never
    required.
    """

    codes = ('required-option',)

    def run(self, context: CheckContext) -> Iterator[Finding]:
        config = context.config
        catalog = context.catalog
        has_sources = bool(config.raw('DEFAULT', 'config_source'))
        auth = getattr(catalog, 'auth', {})
        used_groups = {e.group for e in config.entries()}
        for group in catalog.groups():
            if group.template or context.excluded(group.name):
                continue
            binding = auth.get(group.name)
            for info in group.options.values():
                opt = info.opt
                if not opt.required or opt.default is not None:
                    continue
                from_plugin = (info.namespace or '').startswith(AUTH_NAMESPACE)
                if is_keystoneauth_group(group) and not from_plugin:
                    continue  # a sample plugin's option: not chosen here
                if from_plugin and binding is None:
                    continue  # bound on the auth_section, checked there
                if self._is_set(context, info, binding):
                    continue
                finding = self._finding(
                    info, binding, has_sources, info.group in used_groups
                )
                if finding is not None:
                    yield finding

    @staticmethod
    def _is_set(
        context: CheckContext, info: OptionInfo, binding: AuthBinding | None
    ) -> bool:
        config = context.config
        groups = {info.group}
        if binding is not None:
            groups.add(binding.section)
        if any(
            config.entries_for(g, info.dest, context.catalog) for g in groups
        ):
            return True
        env = f'OS_{info.group.upper()}__{info.dest.upper()}'
        return env in os.environ

    @staticmethod
    def _finding(
        info: OptionInfo,
        binding: AuthBinding | None,
        has_sources: bool,
        group_used: bool,
    ) -> Finding | None:
        if binding is not None:
            severity = WARNING
            where = (
                f'[{binding.section}]'
                if binding.section != info.group
                else f'[{info.group}]'
            )
            message = (
                f'{info.dest} is required by auth plugin '
                f'{binding.auth_type!r} and not set in {where}: the service '
                'fails when it authenticates with it'
            )
        elif not info.registered:
            if not group_used:
                return None
            severity = WARNING
            message = (
                f'required option {info.dest} is not set and has no '
                'default; the service fails if it registers this group'
            )
        elif has_sources:
            severity = WARNING
            message = (
                f'required option {info.dest} is not set in any file; '
                'it must come from a config source'
            )
        else:
            severity = ERROR
            message = (
                f'required option {info.dest} is not set and has no default'
            )
        return Finding(
            severity,
            'required-option',
            None,
            None,
            info.group,
            info.dest,
            message,
        )
