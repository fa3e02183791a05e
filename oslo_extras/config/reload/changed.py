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


def dollar_entries(raw: Mapping[RawKey, tuple]) -> set[RawKey]:
    """Return the entries of ``raw`` whose value substitutes ``$var``."""
    return {
        entry
        for entry, values in raw.items()
        if '$' in '\0'.join(v for v in values if isinstance(v, str))
    }


def affected(
    index: OptionIndex,
    old: Mapping[RawKey, tuple],
    new: Mapping[RawKey, tuple],
    always: Iterable[Key] = (),
    old_dollar: set[RawKey] | None = None,
    new_dollar: set[RawKey] | None = None,
) -> set[Key]:
    """Return the options to read again after the files went from ``old``
    to ``new`` (both as ``_upstream.raw_file_values`` returns them).

    :param old_dollar: :func:`dollar_entries` of ``old``, if known
    :param new_dollar: :func:`dollar_entries` of ``new``, if known
    """
    changed = {entry for entry, _ in set(old.items()) ^ set(new.items())}
    found = index.options_for(changed)
    if changed:
        # Any change may feed a substitution elsewhere: read every option
        # that substitutes (few in real configs) again.
        if old_dollar is None:
            old_dollar = dollar_entries(old)
        if new_dollar is None:
            new_dollar = dollar_entries(new)
        found |= index.options_for(old_dollar | new_dollar)
        found |= index.dollar_defaults
    found.update(always)
    return found
