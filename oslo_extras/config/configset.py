"""Several config files read as one, with oslo.config's precedence rules."""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Sequence

from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.catalog import normalize_group
from oslo_extras.config.inifile import Entry
from oslo_extras.config.inifile import IniFile
from oslo_extras.config.inifile import Section
from oslo_extras.config.inifile import config_dir_files
from oslo_extras.config.inifile import parse_file

#: A config file or a config dir, as given on the command line.
FILE = 'file'
DIR = 'dir'


class ConfigSet:
    """Config files in the order oslo.config reads them (later wins).

    :param files: parsed files, first read first
    """

    def __init__(self, files: Sequence[IniFile]) -> None:
        self.files = list(files)
        self._index: dict[tuple[str, str], list[Entry]] | None = None

    @classmethod
    def load(
        cls,
        config_files: Sequence[str] = (),
        config_dirs: Sequence[str] = (),
        ordered: Sequence[tuple[str, str]] | None = None,
    ) -> ConfigSet:
        """Parse files and dirs.

        :param ordered: ``(FILE|DIR, path)`` pairs in command-line order;
            when given, ``config_files`` and ``config_dirs`` are ignored
        :raises ConfigFileError: for the first file that cannot be parsed
        """
        if ordered is None:
            ordered = [(FILE, p) for p in config_files] + [
                (DIR, p) for p in config_dirs
            ]
        return cls([parse_file(path) for path in cls.expand(ordered)])

    @staticmethod
    def expand(ordered: Sequence[tuple[str, str]]) -> list[str]:
        """Return the files ``(FILE|DIR, path)`` pairs name, in order.

        :raises ConfigFileError: for a config dir that does not exist
        """
        paths: list[str] = []
        for kind, path in ordered:
            paths.extend(config_dir_files(path) if kind == DIR else [path])
        return paths

    @property
    def paths(self) -> list[str]:
        return [f.path for f in self.files]

    def entries(self) -> Iterator[Entry]:
        """Every assignment of every file, in reading order."""
        for ini in self.files:
            yield from ini.entries

    def sections(self) -> Iterator[Section]:
        for ini in self.files:
            yield from ini.sections

    def entries_for(
        self, group: str, option: str, catalog: OptionCatalog | None = None
    ) -> list[Entry]:
        """Return the assignments that set an option, in reading order.

        Deprecated spellings count when ``catalog`` knows them. For a
        single-valued option the effective one is the last of the last file
        that sets it under its current name, or else under an old name
        (oslo.config prefers the new name within one file).
        """
        key = (normalize_group(group), option)
        names = {key}
        if catalog is not None:
            info = catalog.option(group, option)
            if info is not None:
                names.update(info.deprecated_names())
        if self._index is None:
            self._index = {}
            for entry in self.entries():
                self._index.setdefault((entry.group, entry.dest), []).append(
                    entry
                )
        if len(names) == 1:
            return list(self._index.get(key, ()))
        found = [e for name in names for e in self._index.get(name, ())]
        # Reading order: by file position in the set, then by line.
        order = {path: i for i, path in enumerate(self.paths)}
        return sorted(found, key=lambda e: (order[e.file], e.line))

    def effective_entry(
        self, group: str, option: str, catalog: OptionCatalog | None = None
    ) -> Entry | None:
        """Return the assignment whose value oslo.config would use."""
        entries = self.entries_for(group, option, catalog)
        if not entries:
            return None
        key = (normalize_group(group), option)
        last_file = entries[-1].file
        in_last = [e for e in entries if e.file == last_file]
        current = [e for e in in_last if (e.group, e.dest) == key]
        return (current or in_last)[-1]

    def last_entry(self, group: str, option: str) -> Entry | None:
        entries = self.entries_for(group, option)
        return entries[-1] if entries else None

    def raw(self, group: str, option: str) -> str | None:
        """The raw effective value of ``[group] option`` (no old names)."""
        entry = self.last_entry(group, option)
        return entry.value if entry else None
