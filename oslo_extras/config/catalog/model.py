"""The catalog model: groups, options and the queries every tool makes.

An :class:`OptionCatalog` holds every group and option a service knows. The
loaders (:mod:`~oslo_extras.config.catalog.loaders`) fill it from
``oslo.config.opts`` namespaces, generator data or a live ``ConfigOpts``;
:mod:`~oslo_extras.config.catalog.binding` extends it with the groups a
file's own values create. Both import this module, never the reverse at
import time: the thin ``from_*`` and ``bind`` methods below import them
when called.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from typing import Any

from oslo_config import cfg

DEFAULT_GROUP = 'DEFAULT'

#: Reads a raw (unparsed) value from the files being checked, or ``None``.
RawLookup = Callable[[str, str], 'str | None']


_CONFIG_SOURCE_OPT = cfg.ListOpt(
    'config_source',
    default=[],
    help='Lists configuration groups that provide more details for '
    'accessing configuration settings from locations other than local '
    'files.',
)


class CatalogError(Exception):
    """A catalog source could not be loaded (bad namespace or opt data)."""


def normalize_group(name: str | None) -> str:
    """Return the group name as oslo.config stores it.

    oslo.config lower-cases every group name except ``DEFAULT``.
    """
    if name is None or name == DEFAULT_GROUP:
        return DEFAULT_GROUP
    return name.lower()


def normalize_name(name: str) -> str:
    """Return the ``dest`` of a command-line style name (``log-file``).

    Only for names given by people on a command line: oslo.config reads
    config files by ``dest`` alone, so ``log-file = x`` in a file is
    ignored, and catalog lookups of file keys are exact.
    """
    return name.replace('-', '_')


@dataclasses.dataclass(frozen=True)
class OptionInfo:
    """One option of one group, with where it was declared.

    :param group: the normalised group name
    :param opt: the oslo.config option
    :param namespace: the ``oslo.config.opts`` namespace that declared it
    :param driver: for a per-driver option, the driver that brings it
    :param registered: the service registers it on its ``ConfigOpts`` at
        startup (known for a catalog read from a live ``ConfigOpts``), so
        oslo.config itself refuses to start when it is required and unset
    """

    group: str
    opt: cfg.Opt
    namespace: str | None = None
    driver: str | None = None
    registered: bool = False

    @property
    def name(self) -> str:
        return self.opt.name

    @property
    def dest(self) -> str:
        return self.opt.dest

    @property
    def secret(self) -> bool:
        return bool(self.opt.secret)

    @property
    def multi(self) -> bool:
        return bool(getattr(self.opt, 'multi', False))

    def deprecated_names(self) -> list[tuple[str, str]]:
        """Return every ``(group, name)`` that is an old spelling of this."""
        names = []
        for dep in self.opt.deprecated_opts:
            group = normalize_group(dep.group) if dep.group else self.group
            # oslo.config looks old names up in files exactly as given.
            name = dep.name or self.opt.dest
            if (group, name) != (self.group, self.dest):
                names.append((group, name))
        return names


@dataclasses.dataclass
class GroupInfo:
    """The options of one group and how the group gets more of them."""

    name: str
    help: str = ''
    options: dict[str, OptionInfo] = dataclasses.field(default_factory=dict)
    #: option of this group whose value picks a driver (``driver_opts`` key)
    driver_option: str = ''
    driver_opts: dict[str, dict[str, OptionInfo]] = dataclasses.field(
        default_factory=dict
    )
    #: ``DEFAULT`` option whose list value names the instances of this group
    dynamic_group_owner: str = ''
    #: only a model for sections other values create (oslo.config's
    #: ``sample_<driver>_source``): never read under its own name
    template: bool = False

    def add(self, info: OptionInfo) -> None:
        if info.driver:
            self.driver_opts.setdefault(info.driver, {})[info.dest] = info
        else:
            self.options.setdefault(info.dest, info)

    def renamed(self, name: str) -> GroupInfo:
        """Return a copy of this group under another name (an instance)."""
        clone = GroupInfo(name, self.help, driver_option=self.driver_option)
        clone.template = False
        for info in self.options.values():
            clone.options[info.dest] = dataclasses.replace(info, group=name)
        for driver, opts in self.driver_opts.items():
            clone.driver_opts[driver] = {
                dest: dataclasses.replace(info, group=name)
                for dest, info in opts.items()
            }
        return clone


class OptionCatalog:
    """Every group and option a service knows about.

    Build it with one of the ``from_*`` constructors, combine several with
    :meth:`merge`, and look options up with :meth:`option`,
    :meth:`replacement_for` and :meth:`group`. Lookups accept names as they
    appear in files: ``log-file`` finds ``log_file``.
    """

    def __init__(self) -> None:
        self._groups: dict[str, GroupInfo] = {}
        self._patterns: list[tuple[str, re.Pattern[str], str]] = []
        self._deprecated: dict[tuple[str, str], OptionInfo] | None = None
        self._old_groups: tuple[int, frozenset[str]] = (-1, frozenset())
        #: problems met while binding file values, as (group, option, reason)
        self.unresolved: list[tuple[str, str, str]] = []
        #: what dynamic group plugins captured from the service's code
        #: (:meth:`DynamicGroups.capture`), by plugin
        self.plugin_data: dict[str, Any] = {}
        # Every ConfigOpts registers this one itself; no namespace lists it.
        self.add_opts(DEFAULT_GROUP, [_CONFIG_SOURCE_OPT])

    # -- building ---------------------------------------------------------

    def add_opts(
        self,
        group: str | cfg.OptGroup | None,
        opts: Iterable[cfg.Opt],
        namespace: str | None = None,
        driver: str | None = None,
        registered: bool = False,
    ) -> None:
        """Add options to a group, creating the group if needed.

        :param registered: the service registers them at startup
        """
        info = self._ensure_group(group)
        for opt in opts:
            info.add(OptionInfo(info.name, opt, namespace, driver, registered))
        self._deprecated = None

    def add_group(self, group: GroupInfo) -> None:
        """Add a whole group (replacing one of the same name)."""
        self._groups[group.name] = group
        self._deprecated = None

    def add_group_pattern(self, pattern: str, template_group: str) -> None:
        """Declare that sections matching ``pattern`` are instances of a group.

        :param pattern: a shell-style pattern (``backend_*``) or, when it
            starts with ``^``, a regular expression
        :param template_group: the registered group whose options every
            matching section accepts

        :raises CatalogError: for a pattern that is not a valid regex
        """
        regex = (
            pattern if pattern.startswith('^') else fnmatch.translate(pattern)
        )
        try:
            compiled = re.compile(regex)
        except re.error as exc:
            raise CatalogError(
                f'bad group pattern {pattern!r}: {exc}'
            ) from None
        self._patterns.append(
            (pattern, compiled, normalize_group(template_group))
        )

    def merge(self, other: OptionCatalog) -> OptionCatalog:
        """Add every group, option and pattern of ``other``; return self."""
        for name, group in other._groups.items():
            mine = self._ensure_group(name)
            mine.help = mine.help or group.help
            mine.driver_option = mine.driver_option or group.driver_option
            mine.dynamic_group_owner = (
                mine.dynamic_group_owner or group.dynamic_group_owner
            )
            mine.template = mine.template or group.template
            for info in group.options.values():
                mine.add(info)
            for opts in group.driver_opts.values():
                for info in opts.values():
                    mine.add(info)
        self._patterns.extend(other._patterns)
        for key, data in other.plugin_data.items():
            self.plugin_data.setdefault(key, data)
        self._deprecated = None
        return self

    def _ensure_group(self, group: str | cfg.OptGroup | None) -> GroupInfo:
        if isinstance(group, cfg.OptGroup):
            name = normalize_group(group.name)
            info = self._groups.setdefault(name, GroupInfo(name))
            info.help = info.help or (group.help or '')
            info.driver_option = info.driver_option or group.driver_option
            info.dynamic_group_owner = (
                info.dynamic_group_owner or group.dynamic_group_owner
            )
            return info
        name = normalize_group(group)
        return self._groups.setdefault(name, GroupInfo(name))

    # -- constructors (see loaders) ---------------------------------------

    @classmethod
    def from_namespaces(cls, namespaces: Iterable[str]) -> OptionCatalog:
        """Load options the way ``oslo-config-generator --namespace`` does.

        :raises CatalogError: when a namespace is not installed or fails
        """
        from oslo_extras.config.catalog import loaders

        return loaders.load_namespaces(cls(), namespaces)

    @classmethod
    def from_conf(cls, conf: cfg.ConfigOpts) -> OptionCatalog:
        """Load every option registered on a live ``ConfigOpts``."""
        from oslo_extras.config.catalog import loaders

        return loaders.load_conf(cls(), conf)

    @classmethod
    def from_opt_data(cls, path: str) -> OptionCatalog:
        """Load an ``oslo-config-generator --format yaml|json`` file.

        :raises CatalogError: when the file cannot be read or parsed
        """
        from oslo_extras.config.catalog import loaders

        return loaders.load_opt_data(cls(), path)

    # -- queries ----------------------------------------------------------

    def __contains__(self, group: str) -> bool:
        return self.group(group) is not None

    def group_names(self) -> list[str]:
        """Return the names of the registered (static) groups, sorted."""
        return sorted(self._groups)

    def groups(self) -> Iterator[GroupInfo]:
        """Iterate over the registered groups in name order."""
        for name in self.group_names():
            yield self._groups[name]

    def group(self, name: str) -> GroupInfo | None:
        """Return a group by its name in a file, matching declared patterns."""
        key = normalize_group(name)
        found = self._groups.get(key)
        if found is not None:
            return found
        for _pattern, regex, template in self._patterns:
            if regex.fullmatch(key) and template in self._groups:
                return self._groups[template].renamed(key)
        return None

    def option(self, group: str, name: str) -> OptionInfo | None:
        """Return the option a ``[group] name`` line sets, or ``None``.

        ``name`` is matched as oslo.config reads files: by ``dest``
        (``log_file``; a ``log-file`` line is ignored by oslo.config).
        Only current names are found; see :meth:`replacement_for`.
        """
        info = self.group(group)
        if info is None:
            return None
        return info.options.get(name)

    def options(self) -> Iterator[OptionInfo]:
        """Iterate over every (non-driver) option of the static groups."""
        for group in self.groups():
            yield from group.options.values()

    def replacement_for(self, group: str, name: str) -> OptionInfo | None:
        """Return the option that an old ``[group] name`` was renamed to."""
        return self._deprecated_index().get((normalize_group(group), name))

    def is_old_group(self, name: str) -> bool:
        """Tell whether ``name`` is a deprecated group some option still
        reads (oslo.db's ``[sql]`` for ``[database]``), though no group of
        that name is registered."""
        index = self._deprecated_index()
        if self._old_groups[0] != len(index):
            self._old_groups = (len(index), frozenset(g for g, _ in index))
        return normalize_group(name) in self._old_groups[1]

    def names_in_group(self, group: str) -> list[str]:
        """Return the option names (dests) a group accepts, sorted."""
        info = self.group(group)
        return sorted(info.options) if info else []

    def groups_with_option(self, name: str) -> list[str]:
        """Return the groups that have an option called ``name``."""
        return [g.name for g in self.groups() if name in g.options]

    # -- binding file values ----------------------------------------------

    def bind(self, raw: RawLookup) -> OptionCatalog:
        """Return a copy extended with the groups the files' values create.

        See :func:`oslo_extras.config.catalog.binding.bind`.

        :param raw: reads the raw value of ``(group, option)`` from the
            files, or returns ``None`` when it is not set
        """
        from oslo_extras.config.catalog import binding

        return binding.bind(self, raw)

    def _deprecated_index(self) -> dict[tuple[str, str], OptionInfo]:
        if self._deprecated is None:
            self._deprecated = {}
            for group_info in self._groups.values():
                _index_deprecated(self._deprecated, group_info)
        return self._deprecated


def _index_deprecated(
    index: dict[tuple[str, str], OptionInfo], group: GroupInfo
) -> None:
    every = list(group.options.values()) + [
        info for opts in group.driver_opts.values() for info in opts.values()
    ]
    for info in every:
        for old in info.deprecated_names():
            index.setdefault(old, info)
