"""Which options a reload reads again: what changed and what depends on it.

Reading and converting every registered option costs more than
oslo.config's whole ``mutate_config_files()``, which only compares raw
strings. A reload therefore compares the raw file entries of the new parse
with those of the installed one, and reads again only:

* options whose name, or one of their deprecated names, is in an entry that
  was added, removed or changed;
* options whose value may depend on another one through ``$var``
  substitution: every option with a ``$`` in a file value (old or new) or
  in its default;
* the keys the caller always wants read (options set with
  ``set_override``/``set_default``, values still invalid, changes still
  waiting for a restart).

Options registered since the last reload are read by the candidate itself.
Every other option keeps its installed value: its raw input is the same, so
its typed value is too. With config sources (``[DEFAULT] config_source``)
the caller reads everything, since a source can serve any option.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping

from oslo_config import cfg

Key = tuple[str, str]
RawKey = tuple[str, str]


def _group(name: str | None) -> str:
    if name is None or name == 'DEFAULT':
        return 'DEFAULT'
    return name.lower()


def _has_dollar(value) -> bool:
    if isinstance(value, str):
        return '$' in value
    if isinstance(value, (list, tuple)):
        return any(_has_dollar(v) for v in value)
    if isinstance(value, dict):
        return any(_has_dollar(v) for v in value.values())
    return False


class OptionIndex:
    """Which options a raw file entry ``(group, name)`` sets.

    :param opts: every ``(group, opt)`` registered
    """

    def __init__(self, opts: Iterable[tuple[str, cfg.Opt]]) -> None:
        self.by_entry: dict[RawKey, list[Key]] = {}
        #: options whose default refers to another option (``$var``)
        self.dollar_defaults: set[Key] = set()
        for group, opt in opts:
            key = (group, opt.dest)
            names = {(_group(group), opt.dest), (_group(group), opt.name)}
            for old in opt.deprecated_opts:
                if old.name or old.group:
                    names.add(
                        (_group(old.group or group), old.name or opt.dest)
                    )
            for entry_group, name in names:
                entry = (entry_group, name.replace('-', '_'))
                self.by_entry.setdefault(entry, []).append(key)
            if _has_dollar(opt.default):
                self.dollar_defaults.add(key)

    def options_for(self, entries: Iterable[RawKey]) -> set[Key]:
        found: set[Key] = set()
        for entry in entries:
            found.update(self.by_entry.get(entry, ()))
        return found


def merge(files: Iterable[Mapping[str, Mapping[str, list]]]) -> dict:
    """Return ``{(group, name): values}`` of per-file entries, in reading
    order (names with ``-`` as ``_``): equal merges give every option the
    same value."""
    merged: dict[RawKey, tuple] = {}
    for sections in files:
        for group, entries in sections.items():
            for name, values in entries.items():
                key = (group, name.replace('-', '_'))
                merged[key] = merged.get(key, ()) + tuple(values)
    return merged


def _has_dollar_text(values) -> bool:
    return any(isinstance(v, str) and '$' in v for v in values)


class RawFiles:
    """The file entries of one parse, and which of them substitute ``$var``.

    :param files: per file, in reading order, ``{group: {name: [values]}}``
        as oslo.config parsed it (``_upstream.normalized_files``)
    :param dollar: per file, the ``(group, name)`` whose value has a ``$``
        (computed when not given)
    """

    __slots__ = ('files', 'dollar')

    def __init__(self, files: list, dollar: list[set] | None = None) -> None:
        self.files = files
        if dollar is None:
            dollar = [
                {
                    (group, name)
                    for group, entries in sections.items()
                    for name, values in entries.items()
                    if _has_dollar_text(values)
                }
                for sections in files
            ]
        self.dollar = dollar

    def dollar_entries(self) -> set[RawKey]:
        """Return the entries (as :func:`merge` names them) with a ``$``."""
        return {
            (group, name.replace('-', '_'))
            for found in self.dollar
            for group, name in found
        }

    def following(self, files: list) -> tuple[RawFiles, set[RawKey]]:
        """Return the next parse's ``RawFiles`` and the entries that changed.

        Files are compared whole first (a dict comparison), then only the
        groups of a changed file that differ, so an edit costs what it
        touches. Comparing by position may name more entries than a merge
        would (two files swapping values), never fewer.
        """
        if len(files) != len(self.files):
            before, after = merge(self.files), merge(files)
            changed = {e for e, _ in set(before.items()) ^ set(after.items())}
            return RawFiles(files), changed
        changed: set[RawKey] = set()
        dollar = []
        for old, new, old_dollar in zip(
            self.files, files, self.dollar, strict=True
        ):
            if old == new:
                dollar.append(old_dollar)
                continue
            here = set()
            for group in old.keys() | new.keys():
                before = old.get(group, {})
                after = new.get(group, {})
                if before == after:
                    continue
                for name in before.keys() | after.keys():
                    if before.get(name) != after.get(name):
                        here.add((group, name))
            found = {entry for entry in old_dollar if entry not in here}
            found.update(
                (group, name)
                for group, name in here
                if _has_dollar_text(new.get(group, {}).get(name, ()))
            )
            dollar.append(found)
            changed.update((g, n.replace('-', '_')) for g, n in here)
        return RawFiles(files, dollar), changed


def affected(
    index: OptionIndex,
    changed: set[RawKey],
    old_dollar: set[RawKey],
    new_dollar: set[RawKey],
    always: Iterable[Key] = (),
) -> set[Key]:
    """Return the options to read again after the entries ``changed``.

    :param old_dollar: entries with a ``$`` before the edit
    :param new_dollar: entries with a ``$`` after it
    """
    found = index.options_for(changed)
    if changed:
        # Any change may feed a substitution elsewhere: read every option
        # that substitutes (few in real configs) again.
        found |= index.options_for(old_dollar | new_dollar)
        found |= index.dollar_defaults
    found.update(always)
    return found
