"""Migrations too complex for a rename: the plugin interface.

Renames and group moves come from the options' deprecation metadata and need
no code. Everything else (several old options folded into one, values that
change meaning, options whose old names the current library no longer
knows) is a :class:`Migration` registered in the
``oslo_extras.config.migrations`` entry point namespace::

    [entry_points]
    oslo_extras.config.migrations =
        rabbit-transport-url = \
            oslo_extras.config.migrate.plugins._rabbit:RabbitTransportUrl

A migration gets one parsed file (:class:`~.inifile.IniFile`), the option
catalog and a lookup over all files being migrated, and returns a
:class:`MigrationResult`: edits recorded on the file plus warnings and
"do this by hand" instructions. It must not touch the disk. It runs before
the generic renames, and the entries it edits are not renamed again.
Example::

    class DropFoo(Migration):
        description = 'remove the obsolete [DEFAULT] foo'

        def migrate(self, ini, catalog, lookup):
            result = MigrationResult()
            for entry in ini.find('DEFAULT', 'foo'):
                result.remove(entry, 'foo is ignored since Queens')
            return result
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Sequence

import stevedore

from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.catalog import RawLookup
from oslo_extras.config.migrate.inifile import Entry
from oslo_extras.config.migrate.inifile import IniFile

NAMESPACE = 'oslo_extras.config.migrations'


@dataclasses.dataclass
class Edit:
    """One edit a migration made, for the report.

    :param kind: ``remove``, ``set``, ``rename`` or ``add``
    :param group: the group of the line edited (or added)
    :param name: its option name
    :param line: the original 1-based line, if any
    :param new_group: the new group (rename, add)
    :param new_name: the new name (rename, add)
    :param message: why; must not contain secret values
    """

    kind: str
    group: str
    name: str
    line: int | None = None
    new_group: str | None = None
    new_name: str | None = None
    message: str = ''


@dataclasses.dataclass
class MigrationResult:
    """What a migration did to one file.

    The helper methods record the edit on the :class:`IniFile` and keep a
    line for the report in :attr:`edits`.
    """

    ini: IniFile | None = None
    edits: list[Edit] = dataclasses.field(default_factory=list)
    #: notes for the operator; the change was still made
    warnings: list[tuple[int | None, str]] = dataclasses.field(
        default_factory=list
    )
    #: what the operator must do by hand; nothing was changed for these
    manual: list[tuple[int | None, str]] = dataclasses.field(
        default_factory=list
    )
    #: values that must be masked in diffs and reports
    secrets: set[str] = dataclasses.field(default_factory=set)
    #: option names whose values are secret (masked in diffs)
    secret_keys: set[str] = dataclasses.field(default_factory=set)

    def remove(self, entry: Entry, message: str) -> None:
        self.ini.remove(entry)
        self.edits.append(
            Edit(
                'remove', entry.group, entry.key, entry.lineno, message=message
            )
        )

    def rename(
        self,
        entry: Entry,
        group: str,
        name: str,
        message: str,
        before: Entry | None = None,
    ) -> None:
        self.ini.rename(entry, name, group, before=before)
        self.edits.append(
            Edit(
                'rename',
                entry.group,
                entry.key,
                entry.lineno,
                group,
                name,
                message,
            )
        )

    def set_value(self, entry: Entry, value: str, message: str) -> None:
        self.ini.set_value(entry, value)
        self.edits.append(
            Edit(
                'set',
                entry.group,
                entry.key,
                entry.lineno,
                entry.group,
                entry.key,
                message,
            )
        )

    def add(
        self,
        group: str,
        name: str,
        value: str,
        message: str,
        near: Entry | None = None,
        comments: list[str] | None = None,
    ) -> None:
        self.ini.add(group, name, value, near=near, comments=comments)
        self.edits.append(
            Edit(
                'add',
                group,
                name,
                near.lineno if near else None,
                group,
                name,
                message,
            )
        )

    def warn(self, entry: Entry | None, message: str) -> None:
        self.warnings.append((entry.lineno if entry else None, message))

    def by_hand(self, entry: Entry | None, message: str) -> None:
        self.manual.append((entry.lineno if entry else None, message))


class FilesLookup:
    """Reads raw values across all the files, as oslo.config does.

    Calling it with ``(group, name)`` returns the value of that option
    (current name, then its declared old names) from the newest file that
    sets it, or ``None``.

    :param inis: the parsed files in oslo.config's parse order
    :param catalog: the catalog whose deprecation metadata gives old names
    """

    def __init__(self, inis: Sequence[IniFile], catalog: OptionCatalog):
        self.inis = list(inis)
        self.catalog = catalog

    def __call__(self, group: str, name: str) -> str | None:
        info = self.catalog.option(group, name)
        names = [(group, name)] + (
            info.deprecated_names() if info is not None else []
        )
        return self.first(names)

    def first(self, names: Sequence[tuple[str, str]]) -> str | None:
        """Return the value of the first of ``names`` oslo.config finds.

        For options the installed code no longer declares: files newest
        first, and in each file ``names`` in order (current name first).
        """
        for ini in reversed(self.inis):
            for group, name in names:
                value = ini.lookup(group, name)
                if value is not None:
                    return value
        return None

    def paths_with(self, names: Sequence[tuple[str, str]]) -> list[str]:
        """Return the files that set any of ``names``, in parse order."""
        return [
            ini.path
            for ini in self.inis
            if any(ini.find(group, name) for group, name in names)
        ]


class Migration(abc.ABC):
    """A complex migration, loaded from ``oslo_extras.config.migrations``.

    Subclasses set :attr:`description` and implement :meth:`migrate`.
    """

    #: the entry point name, set by :func:`load_migrations`
    name: str = ''
    #: one line for ``--help`` and reports
    description: str = ''

    @abc.abstractmethod
    def migrate(
        self, ini: IniFile, catalog: OptionCatalog, lookup: RawLookup
    ) -> MigrationResult:
        """Record this migration's edits on ``ini``.

        :param ini: the parsed file; record edits through the returned
            result's helpers (they call :class:`IniFile` methods)
        :param catalog: the option catalog, bound to the files' values
        :param lookup: reads the raw value of ``(group, name)`` as
            oslo.config would across all the files, or ``None``; a
            :class:`FilesLookup` when called by the engine
        :returns: the edits made, warnings and manual steps
        """

    def result(self, ini: IniFile) -> MigrationResult:
        """Return an empty result that records edits on ``ini``."""
        return MigrationResult(ini=ini)


def load_migrations(names: list[str] | None = None) -> list[Migration]:
    """Load migration plugins by entry point name (all when ``None``).

    :raises KeyError: when a requested name is not installed
    """
    if names is None:
        manager = stevedore.ExtensionManager(NAMESPACE, invoke_on_load=True)
    else:
        missing: list[str] = []
        manager = stevedore.NamedExtensionManager(
            NAMESPACE,
            names=names,
            invoke_on_load=True,
            name_order=True,
            on_missing_entrypoints_callback=missing.extend,
        )
        if missing:
            raise KeyError(
                'unknown migration(s): ' + ', '.join(sorted(missing))
            )
    plugins = []
    for ext in (
        sorted(manager, key=lambda e: e.name) if names is None else (manager)
    ):
        ext.obj.name = ext.name
        plugins.append(ext.obj)
    return plugins
