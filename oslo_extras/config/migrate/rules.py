"""The generic, catalog-driven rules that migrate one config file.

The rules keep the effective configuration unchanged, following how
oslo.config reads deprecated names (``_Namespace._get_file_value``):

* files are searched newest first and, within one file, the current name
  wins over old names, which are tried in their declared order; so each
  file can be migrated on its own without changing which file wins;
* a single-valued option takes the last line of the winning name; the
  ignored spellings in the same file are dropped (a ``conflict``);
* a multi-valued option gets the old names' values first, then the current
  name's, so old lines go just before the first current line;
* a name that is a live option and also an old name of another option is
  never moved away (castellan's ``[key_manager] auth_url``);
* ``log-file`` in a file is not read by oslo.config (it looks up the dest,
  ``log_file``), so it is reported and left alone rather than "fixed" into
  a value that suddenly takes effect.
"""

from __future__ import annotations

from oslo_extras import _suggest
from oslo_extras.config import masking
from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.catalog import OptionInfo
from oslo_extras.config.catalog import normalize_group
from oslo_extras.config.catalog import normalize_name
from oslo_extras.config.migrate import installed
from oslo_extras.config.migrate.history import ReleaseCatalog
from oslo_extras.config.migrate.inifile import Entry
from oslo_extras.config.migrate.inifile import IniFile
from oslo_extras.config.migrate.model import Change

CHECK_HINT = 'run oslo-config-check for details'


class FilePass:
    """The generic (catalog-driven) migration of one file."""

    def __init__(
        self,
        ini: IniFile,
        renames: Renames,
        remove_obsolete: bool = False,
        history: ReleaseCatalog | None = None,
    ):
        self.ini = ini
        self.bound = renames.catalog
        self.renames = renames
        self.remove_obsolete = remove_obsolete
        self.history = history
        #: old names only the release catalog knows, per current option
        self.past: dict[tuple[str, str], list[tuple[str, str]]] = {}
        #: how each of those old names became the current option
        self.past_steps: dict[tuple[str, str], list[dict]] = {}
        #: old names (known from past releases only) of secret options
        self.secret_keys: set[str] = set()
        self.changes: list[Change] = []

    def change(self, kind: str, entry: Entry, message: str, **kw) -> None:
        self.changes.append(
            Change(
                kind,
                self.ini.path,
                entry.lineno,
                entry.group,
                entry.key,
                message=message,
                **kw,
            )
        )

    def run(self) -> list[Change]:
        targets: dict[tuple[str, str], OptionInfo] = {}
        unknown_sections: set[str] = set()
        shared: list[tuple[Entry, OptionInfo]] = []
        for entry in self.ini.entries:
            if self.ini.edited(entry):
                continue
            group, key = entry.group, entry.key
            live = self.bound.option(group, key)
            replacement = self.renames.find(group, key)
            if '-' in key and replacement is None:
                # Only old names are read hyphenated (``log-config``).
                self._hyphenated(entry)
                continue
            if live is not None:
                if replacement is not None and replacement is not live:
                    shared.append((entry, replacement))
                if live.opt.deprecated_for_removal:
                    self._obsolete(entry, live)
                continue
            if replacement is not None:
                targets[(replacement.group, replacement.dest)] = replacement
                continue
            if self.history is not None:
                successor = self.history.successor(self.bound, group, key)
                if successor is not None:
                    info, steps = successor
                    target = (info.group, info.dest)
                    targets[target] = info
                    olds = self.past.setdefault(target, [])
                    if (group, key) not in olds:
                        olds.append((group, key))
                    self.past_steps[(group, key)] = steps
                    if info.secret:
                        self.secret_keys.add(key)
                    continue
                removed = self.history.removal(group, key)
                if removed is not None:
                    self._removed(entry, removed)
                    continue
            if self.bound.group(group) is None:
                if entry.section not in unknown_sections:
                    unknown_sections.add(entry.section)
                    self.change(
                        'unknown-group',
                        entry,
                        f'[{entry.section}] is not a known group; its '
                        f'options are left untouched ({CHECK_HINT})',
                    )
                continue
            hint = _suggest.suggest(key, self.bound.names_in_group(group))
            maybe = f'; did you mean {hint[0]!r}?' if hint else ''
            self.change(
                'unknown',
                entry,
                f'[{group}] {key} is not a known option; left untouched'
                f'{maybe} ({CHECK_HINT})',
            )
        for info in targets.values():
            self._migrate(info)
        for entry, info in shared:
            self._copy_shared(entry, info)
        return self.changes

    def _copy_shared(self, entry: Entry, info: OptionInfo) -> None:
        """Give the new option its own line when a live name feeds it.

        ``[key_manager] auth_url`` stays (it is a live option), and
        ``[barbican] auth_endpoint`` gets the value it reads today, so the
        deprecation warning goes away without changing either value.
        """
        first = next(
            (n for n in info.deprecated_names() if self.ini.find(*n)), None
        )
        last = self.ini.find(entry.group, entry.key)[-1]
        if (
            self.ini.find(info.group, info.dest)
            or first != (entry.group, entry.key)
            or entry is not last
            or info.multi
            or '\n' in entry.value
        ):
            return
        self.ini.add(info.group, info.dest, entry.value)
        self.change(
            'copy',
            entry,
            f'[{entry.group}] {entry.key} is a live option and also the old '
            f'name of [{info.group}] {info.dest}; kept it and set '
            f'[{info.group}] {info.dest} to the same value',
            new_group=info.group,
            new_name=info.dest,
        )

    def _hyphenated(self, entry: Entry) -> None:
        dest = normalize_name(entry.key)
        known = self.bound.option(entry.group, dest) or self.renames.find(
            entry.group, dest
        )
        if known is None:
            self.change(
                'unknown',
                entry,
                f'[{entry.group}] {entry.key} is not a known option; left '
                f'untouched ({CHECK_HINT})',
            )
            return
        self.change(
            'ignored-spelling',
            entry,
            f'oslo.config does not read {entry.key!r} from files (it reads '
            f'{dest!r}), so this line has no effect today; left untouched: '
            f'rename it by hand if the value should take effect',
        )

    def _obsolete(self, entry: Entry, info: OptionInfo) -> None:
        # Deprecated for removal is not removed: the installed code still
        # reads the option, so deleting the line would change what the
        # service does. Only the operator can decide; it is never removed,
        # not even with --remove-obsolete.
        reason = info.opt.deprecated_reason or 'no reason given'
        reason = ' '.join(reason.split())
        self.change(
            'obsolete',
            entry,
            f'[{entry.group}] {entry.key} is deprecated for removal '
            f'({reason}) but the installed code still reads it; kept '
            '(--remove-obsolete only deletes options nothing reads any '
            'more): stop relying on it before the release that removes it',
        )

    def _migrate(self, info: OptionInfo) -> None:
        names = [(info.group, info.dest)]
        # Names of past releases come after the declared old names: they
        # were old names of this option when the service still read them.
        past = self.past.get((info.group, info.dest), [])
        for name in info.deprecated_names() + past:
            if name not in names:
                names.append(name)
        found = [
            (name, [e for e in self.ini.find(*name) if not self.ini.edited(e)])
            for name in names
        ]
        # A current line a plugin edited (a mapped value) still wins.
        current = [
            e for e in self.ini.find(*names[0]) if not self.ini.removed(e)
        ]
        olds = [(n, es) for n, es in found[1:] if es]
        if not olds:
            return
        live = {n for n, _ in olds if self.bound.option(*n) is not None}
        if info.multi:
            self._migrate_multi(info, current, olds, live)
        elif current:
            self._drop_ignored(info, current[-1], olds, live)
        elif olds[0][0] not in live:
            winner_name, winners = olds[0]
            for entry in winners:
                self._move(entry, info)
            self._drop_ignored(info, winners[-1], olds[1:], live)

    def _move(
        self, entry: Entry, info: OptionInfo, before: Entry | None = None
    ) -> None:
        self.ini.rename(entry, info.dest, info.group, before=before)
        kind = 'rename' if entry.group == info.group else 'move'
        steps = self.past_steps.get((entry.group, entry.key))
        how = ''
        if steps:
            how = (
                ' ('
                + '; '.join(
                    f'{s["package"]} {s["release"]}: [{s["old_group"]}] '
                    f'{s["old_name"]} -> [{s["new_group"]}] {s["new_name"]}'
                    for s in steps
                )
                + '; the installed code no longer knows the old name)'
            )
        self.change(
            kind,
            entry,
            f'[{entry.group}] {entry.key} -> [{info.group}] {info.dest}{how}',
            new_group=info.group,
            new_name=info.dest,
            plugin='release-catalog' if steps else None,
        )

    def _removed(self, entry: Entry, record: dict) -> None:
        where = (
            f'[{entry.group}] {entry.key} was removed in {record["release"]} '
            f'({record["package"]}; last in {record["last_release"]}): the '
            'installed code does not read it'
        )
        hint = record.get('hint') or ''
        hint = f'. Hint: {hint}' if hint else ''
        owners = (
            installed.declared_by(entry.group, entry.key)
            if self.remove_obsolete
            else []
        )
        if owners:
            # Dropped by its package, but a library may still read it.
            self.change(
                'removed',
                entry,
                f'[{entry.group}] {entry.key} was removed from '
                f'{record["package"]} in {record["release"]}, but the '
                f'installed namespace(s) {", ".join(owners)} still declare '
                'it; kept (if the service loads one of them it reads this '
                'line: add it with --namespace; if not, delete the line by '
                f'hand){hint}',
            )
        elif self.remove_obsolete:
            self.ini.remove(entry)
            self.change('remove', entry, f'{where}; removed{hint}')
        else:
            self.change(
                'removed',
                entry,
                f'{where}; kept (--remove-obsolete deletes it){hint}',
            )

    def _drop_ignored(self, info: OptionInfo, winner: Entry, olds, live):
        shown = masking.display(winner.value, info.secret)
        for name, entries in olds:
            if name in live:
                continue
            for entry in entries:
                self.ini.remove(entry)
                ignored = masking.display(entry.value, info.secret)
                self.change(
                    'conflict',
                    entry,
                    f'[{entry.group}] {entry.key} = {ignored} is ignored by '
                    f'oslo.config: [{winner.group}] {winner.key} = {shown} '
                    f'(line {winner.lineno}) wins in this file; kept that '
                    'value and removed this line',
                    new_group=info.group,
                    new_name=info.dest,
                )

    def _migrate_multi(self, info, current, olds, live) -> None:
        if live:
            self.changes.append(
                Change(
                    'manual',
                    self.ini.path,
                    olds[0][1][0].lineno,
                    message=f'[{info.group}] {info.dest} is multi-valued '
                    'and one of its old names is also a live option; merge '
                    'the lines by hand',
                )
            )
            return
        # oslo.config reads the last old name's values first, then the
        # earlier old names', then the current name's (per file).
        ordered = [e for _n, es in reversed(olds) for e in es]
        anchor = current[0] if current else None
        staying = [e for e in ordered if e.group == info.group]
        starts = [e.start for e in staying]
        in_order = starts == sorted(starts) and (
            anchor is None or all(s < anchor.start for s in starts)
        )
        if not in_order and anchor is None:
            self.changes.append(
                Change(
                    'manual',
                    self.ini.path,
                    ordered[0].lineno,
                    message=f"[{info.group}] {info.dest}: the old names' "
                    'lines in that group are not in the order oslo.config '
                    'reads them; merge them by hand, in that order',
                )
            )
            return
        if not in_order:
            for entry in ordered:
                self._move(entry, info, before=anchor)
            return
        # Lines already in the group are renamed where they are; each line
        # from another group goes just before the next of them (or before
        # the first current line, or at the end of the section).
        for index, entry in enumerate(ordered):
            if entry.group == info.group:
                self._move(entry, info)
                continue
            follower = next(
                (e for e in ordered[index + 1 :] if e.group == info.group),
                anchor,
            )
            self._move(entry, info, before=follower)


class Renames:
    """Finds the option an old ``[group] name`` now feeds.

    Adds to :meth:`OptionCatalog.replacement_for` the same-group renames of
    pattern groups (per-backend sections such as ``[lvm-1]``), which the
    catalog's index, built over the static groups, does not hold.

    :param catalog: the (bound) catalog
    """

    def __init__(self, catalog: OptionCatalog):
        self.catalog = catalog
        self._static = set(catalog.group_names())
        self._patterned: dict[str, dict[str, OptionInfo]] = {}

    def find(self, group: str, name: str) -> OptionInfo | None:
        found = self.catalog.replacement_for(group, name)
        if found is not None:
            return found
        group = normalize_group(group)
        if group in self._static:
            return None
        index = self._patterned.get(group)
        if index is None:
            index = self._patterned[group] = {}
            info = self.catalog.group(group)
            for option in info.options.values() if info else ():
                for old_group, old_name in option.deprecated_names():
                    if old_group == group:
                        index.setdefault(old_name, option)
        # Exact: oslo.config looks old names up in files as declared.
        return index.get(name)
