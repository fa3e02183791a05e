"""Plan the migration of deprecated options in config files.

:class:`Migrator` reads the files in oslo.config's order, binds the catalog
to their values, runs the plugins and then the generic rules
(:mod:`.rules`) on each file, and reports options set in several files. The
plan it returns (:mod:`.model`) is written by :mod:`.writer`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence

from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.catalog import normalize_name
from oslo_extras.config.configset import ConfigSet
from oslo_extras.config.inifile import ConfigFileError
from oslo_extras.config.migrate.errors import MigrationError
from oslo_extras.config.migrate.history import ReleaseCatalog
from oslo_extras.config.migrate.inifile import Entry
from oslo_extras.config.migrate.inifile import IniFile
from oslo_extras.config.migrate.inifile import IniSyntaxError
from oslo_extras.config.migrate.model import Change
from oslo_extras.config.migrate.model import FilePlan
from oslo_extras.config.migrate.model import MigrationPlan
from oslo_extras.config.migrate.plugins import FilesLookup
from oslo_extras.config.migrate.plugins import Migration
from oslo_extras.config.migrate.plugins import load_migrations
from oslo_extras.config.migrate.rules import FilePass
from oslo_extras.config.migrate.rules import Renames


def expand_sources(sources: Iterable[tuple[str, str]]) -> list[str]:
    """Return the files oslo.config would parse, in its order.

    :param sources: ``('file', path)`` and ``('dir', path)`` pairs in
        command-line order; a directory contributes its ``*.conf`` files
        sorted by name, as ``--config-dir`` does
    :raises MigrationError: when a file or directory does not exist
    """
    sources = list(sources)
    try:
        paths = ConfigSet.expand(sources)
    except ConfigFileError as exc:
        raise MigrationError(f'{exc.file}: config dir not found')
    for path in paths:
        if not os.path.isfile(path):
            raise MigrationError(f'{path}: config file not found')
    return paths


class Migrator:
    """Plans the migration of config files against an option catalog.

    :param catalog: the options of the service (current names, with their
        deprecation metadata)
    :param migrations: complex migrations to run first; ``None`` loads every
        installed ``oslo_extras.config.migrations`` plugin
    :param remove_obsolete: delete options that past releases removed and
        the installed code no longer reads (options deprecated for removal
        but still read are only ever reported)
    :param history: the release catalog, for names the installed code no
        longer declares (renamed in a past release, or removed); ``None``
        migrates only what the installed code declares
    """

    def __init__(
        self,
        catalog: OptionCatalog,
        migrations: Sequence[Migration] | None = None,
        remove_obsolete: bool = False,
        history: ReleaseCatalog | None = None,
    ):
        self.catalog = catalog
        self.migrations = (
            load_migrations() if migrations is None else list(migrations)
        )
        self.remove_obsolete = remove_obsolete
        self.history = history

    def plan(
        self,
        paths: Sequence[str],
        on_file: Callable[[int, str], None] | None = None,
    ) -> MigrationPlan:
        """Compute the migration of ``paths`` (in oslo.config parse order).

        :param on_file: called with how many files are done and the next
            file's path before each file (a CLI shows progress with it)
        :raises MigrationError: when a file cannot be read or parsed
        """
        inis = [_read(path) for path in paths]
        lookup = FilesLookup(inis, self.catalog)
        bound = self.catalog.bind(lookup)
        renames = Renames(bound)
        plan = MigrationPlan()
        plan.secret_keys = _secret_keys(bound)
        results: list[IniFile] = []  # the migrated files, parsed
        for done, ini in enumerate(inis):
            if on_file is not None:
                on_file(done, ini.path)
            changes: list[Change] = []
            for migration in self.migrations:
                changes.extend(
                    self._run_plugin(migration, ini, bound, lookup, plan)
                )
            rules = FilePass(ini, renames, self.remove_obsolete, self.history)
            changes.extend(rules.run())
            plan.secret_keys.update(rules.secret_keys)
            for entry in ini.entries:
                if normalize_name(entry.key) in plan.secret_keys:
                    plan.secrets.add(entry.value)
            migrated = ini.render()
            try:
                result = (
                    ini
                    if migrated == ini.text
                    else IniFile(ini.path, migrated)
                )
            except IniSyntaxError as exc:  # a bug here, never the user's
                raise MigrationError(
                    f'{ini.path}: migrated text does not parse ({exc.reason}'
                    f' at line {exc.lineno}); file left untouched'
                ) from exc
            changes.sort(key=lambda c: (c.line or 0, c.kind))
            plan.files.append(FilePlan(ini.path, ini.text, migrated, changes))
            results.append(result)
        plan.changes.extend(_duplicates(results, bound))
        plan.secrets.discard('')
        return plan

    def _run_plugin(
        self,
        migration: Migration,
        ini: IniFile,
        bound: OptionCatalog,
        lookup,
        plan: MigrationPlan,
    ) -> list[Change]:
        try:
            result = migration.migrate(ini, bound, lookup)
        except Exception as exc:
            # Only the type: the message of a plugin's error may quote a
            # secret value from the file.
            raise MigrationError(
                f'{ini.path}: migration plugin {migration.name!r} failed '
                f'({type(exc).__name__}); nothing written'
            ) from exc
        plan.secrets.update(result.secrets)
        plan.secret_keys.update(result.secret_keys)
        changes = [
            Change(
                'plugin',
                ini.path,
                e.line,
                e.group,
                e.name,
                e.new_group,
                e.new_name,
                migration.name,
                e.message,
            )
            for e in result.edits
        ]
        for kind, items in (
            ('warning', result.warnings),
            ('manual', result.manual),
        ):
            changes.extend(
                Change(
                    kind,
                    ini.path,
                    line,
                    plugin=migration.name,
                    message=message,
                )
                for line, message in items
            )
        return changes


def _read(path: str) -> IniFile:
    try:
        return IniFile.read(path)
    except IniSyntaxError as exc:
        # The line itself is not echoed: it may hold a secret.
        raise MigrationError(
            f'{exc.path}: line {exc.lineno}: {exc.reason}; file left untouched'
        ) from exc
    except UnicodeDecodeError as exc:
        raise MigrationError(f'{path}: not UTF-8 text ({exc.reason})') from exc
    except OSError as exc:
        raise MigrationError(
            f'{path}: cannot read: {exc.strerror or exc}'
        ) from exc


def _secret_keys(catalog: OptionCatalog) -> set[str]:
    keys = set()
    for group in catalog.groups():
        every = list(group.options.values()) + [
            info
            for opts in group.driver_opts.values()
            for info in opts.values()
        ]
        for info in every:
            if info.secret:
                keys.add(info.dest)
                keys.update(name for _g, name in info.deprecated_names())
    return keys


def _duplicates(
    results: list[IniFile], catalog: OptionCatalog
) -> list[Change]:
    """Report options set in several files (after migration)."""
    seen: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for ini in results:
        for (group, key), entries in _by_name(ini).items():
            if catalog.option(group, key) is not None:
                seen.setdefault((group, key), []).append(
                    (ini.path, entries[-1].lineno)
                )
    changes = []
    for (group, key), where in seen.items():
        if len(where) < 2:
            continue
        info = catalog.option(group, key)
        rule = (
            'values are concatenated in file order'
            if info.multi
            else f'oslo.config uses {where[-1][0]} (the last file read)'
        )
        places = ', '.join(f'{path}:{line}' for path, line in where)
        changes.append(
            Change(
                'duplicate',
                where[-1][0],
                where[-1][1],
                group,
                key,
                message=f'[{group}] {key} is set in {len(where)} files '
                f'({places}); {rule}',
            )
        )
    return changes


def _by_name(ini: IniFile) -> dict[tuple[str, str], list[Entry]]:
    out: dict[tuple[str, str], list[Entry]] = {}
    for entry in ini.entries:
        out.setdefault((entry.group, entry.key), []).append(entry)
    return out
