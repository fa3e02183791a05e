"""The option catalog: every option a service knows, in one queryable place.

A catalog is built once and shared by validation (``oslo-config-check``),
migration (``oslo-config-migrate``), reload and sample output. It can be
loaded from three places, which may be merged:

* ``oslo.config.opts`` entry points (what ``oslo-config-generator
  --namespace`` reads), including per-driver options published under
  ``oslo.config.opts.<driver_option>``::

      catalog = OptionCatalog.from_namespaces(['oslo.log', 'oslo.messaging'])

* a generator YAML/JSON file (``oslo-config-generator --format yaml``)::

      catalog = OptionCatalog.from_opt_data('nova-opts.yaml')

* a live :class:`oslo_config.cfg.ConfigOpts`::

      catalog = OptionCatalog.from_conf(CONF)

Some groups only exist once a config file names them: the groups listed in
``[DEFAULT] config_source`` (their options come from the chosen
``oslo.config.driver``), groups whose ``driver_option`` picks a set of
options, groups whose ``auth_type`` picks a keystoneauth plugin, and dynamic
groups (``dynamic_group_owner`` or a pattern added with
:meth:`OptionCatalog.add_group_pattern`, e.g. cinder's per-backend sections).
:meth:`OptionCatalog.bind` resolves those against the raw values of a file.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import json
import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from typing import Any

import stevedore
import yaml
from oslo_config import cfg
from oslo_config import types

from oslo_extras.config import _upstream

DEFAULT_GROUP = 'DEFAULT'

#: Reads a raw (unparsed) value from the files being checked, or ``None``.
RawLookup = Callable[[str, str], 'str | None']


_SOURCE_DRIVER_OPT = cfg.StrOpt(
    'driver', help='The name of the oslo.config.driver to use.'
)

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
    """

    group: str
    opt: cfg.Opt
    namespace: str | None = None
    driver: str | None = None

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

    def add(self, info: OptionInfo) -> None:
        if info.driver:
            self.driver_opts.setdefault(info.driver, {})[info.dest] = info
        else:
            self.options.setdefault(info.dest, info)

    def renamed(self, name: str) -> GroupInfo:
        """Return a copy of this group under another name (an instance)."""
        clone = GroupInfo(name, self.help, driver_option=self.driver_option)
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
        #: problems met while binding file values, as (group, option, reason)
        self.unresolved: list[tuple[str, str, str]] = []
        # Every ConfigOpts registers this one itself; no namespace lists it.
        self.add_opts(DEFAULT_GROUP, [_CONFIG_SOURCE_OPT])

    # -- building ---------------------------------------------------------

    def add_opts(
        self,
        group: str | cfg.OptGroup | None,
        opts: Iterable[cfg.Opt],
        namespace: str | None = None,
        driver: str | None = None,
    ) -> None:
        """Add options to a group, creating the group if needed."""
        info = self._ensure_group(group)
        for opt in opts:
            info.add(OptionInfo(info.name, opt, namespace, driver))
        self._deprecated = None

    def add_group_pattern(self, pattern: str, template_group: str) -> None:
        """Declare that sections matching ``pattern`` are instances of a group.

        :param pattern: a shell-style pattern (``backend_*``) or, when it
            starts with ``^``, a regular expression
        :param template_group: the registered group whose options every
            matching section accepts
        """
        regex = (
            pattern if pattern.startswith('^') else fnmatch.translate(pattern)
        )
        self._patterns.append(
            (pattern, re.compile(regex), normalize_group(template_group))
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
            for info in group.options.values():
                mine.add(info)
            for opts in group.driver_opts.values():
                for info in opts.values():
                    mine.add(info)
        self._patterns.extend(other._patterns)
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

    # -- constructors -----------------------------------------------------

    @classmethod
    def from_namespaces(cls, namespaces: Iterable[str]) -> OptionCatalog:
        """Load options the way ``oslo-config-generator --namespace`` does.

        :raises CatalogError: when a namespace is not installed or fails
        """
        namespaces = list(namespaces)
        catalog = cls()
        if not namespaces:
            return catalog
        missing: list[str] = []
        try:
            loaders = stevedore.NamedExtensionManager(
                'oslo.config.opts',
                names=namespaces,
                on_missing_entrypoints_callback=missing.extend,
                on_load_failure_callback=_reraise,
            )
            defaults = stevedore.NamedExtensionManager(
                'oslo.config.opts.defaults',
                names=namespaces,
                on_load_failure_callback=_reraise,
                # Few namespaces have defaults hooks; that is no problem.
                on_missing_entrypoints_callback=_ignore,
            )
            # Libraries adjust their defaults before listing, as upstream.
            for ext in defaults:
                ext.plugin()
            for ext in loaders:
                for group, opts in ext.plugin():
                    catalog.add_opts(group, opts, namespace=ext.name)
                    if isinstance(group, cfg.OptGroup) and group.driver_option:
                        catalog._load_driver_opts(group, namespaces)
        except CatalogError:
            raise
        except Exception as exc:
            raise CatalogError(
                f'cannot load option namespaces: {exc}'
            ) from exc
        if missing:
            raise CatalogError(
                'unknown oslo.config.opts namespace(s): '
                + ', '.join(sorted(missing))
            )
        return catalog

    def _load_driver_opts(
        self, group: cfg.OptGroup, namespaces: list[str]
    ) -> None:
        manager = stevedore.NamedExtensionManager(
            'oslo.config.opts.' + group.driver_option,
            names=namespaces,
            on_load_failure_callback=_reraise,
            on_missing_entrypoints_callback=_ignore,
        )
        for ext in manager:
            for driver, opts in ext.plugin().items():
                self.add_opts(group, opts, namespace=ext.name, driver=driver)

    @classmethod
    def from_conf(cls, conf: cfg.ConfigOpts) -> OptionCatalog:
        """Load every option registered on a live ``ConfigOpts``."""
        catalog = cls()
        groups = _upstream.registered_groups(conf)
        for group in groups.values():
            catalog._ensure_group(group)
            for driver, opts in _upstream.group_driver_opts(group).items():
                catalog.add_opts(group, opts, driver=driver)
        for group_name, opt in _upstream.registered_opts(conf):
            catalog.add_opts(groups.get(group_name, group_name), [opt])
        return catalog

    @classmethod
    def from_opt_data(cls, path: str) -> OptionCatalog:
        """Load an ``oslo-config-generator --format yaml|json`` file.

        :raises CatalogError: when the file cannot be read or parsed
        """
        try:
            with open(path, encoding='utf-8') as stream:
                text = stream.read()
            data = (
                json.loads(text)
                if path.endswith('.json')
                else (yaml.safe_load(text))
            )
        except (OSError, ValueError, yaml.YAMLError) as exc:
            raise CatalogError(f'{path}: cannot read opt data: {exc}') from exc
        if not isinstance(data, dict) or not isinstance(
            data.get('options'), dict
        ):
            raise CatalogError(
                f'{path}: not oslo-config-generator data (no "options" map)'
            )
        catalog = cls()
        for group_name, group_data in data['options'].items():
            group = cfg.OptGroup(
                group_name,
                help=group_data.get('help') or None,
                dynamic_group_owner=group_data.get('dynamic_group_owner')
                or '',
                driver_option=group_data.get('driver_option') or '',
            )
            driver_of = {
                name: driver
                for driver, names in (
                    group_data.get('driver_opts') or {}
                ).items()
                for name in names
            }
            for opt_data in group_data.get('opts') or []:
                try:
                    opt = opt_from_data(opt_data)
                except (KeyError, TypeError, ValueError) as exc:
                    raise CatalogError(
                        f'{path}: [{group_name}] bad option entry: {exc}'
                    ) from exc
                catalog.add_opts(
                    group,
                    [opt],
                    namespace=opt_data.get('namespace'),
                    driver=driver_of.get(opt.name),
                )
        return catalog

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

    def is_old_group(self, group: str) -> bool:
        """Tell whether options moved out of ``group`` (``[keymgr]``):
        oslo.config still reads their old names there."""
        name = normalize_group(group)
        return any(g == name for g, _ in self._deprecated_index())

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

        The copy shares every group it does not change with this catalog,
        so binding costs little however large the catalog is.

        :param raw: reads the raw value of ``(group, option)`` from the
            files, or returns ``None`` when it is not set
        """
        bound = _BoundCatalog(self)
        for group in list(self._groups.values()):
            if group.dynamic_group_owner:
                for instance in _split_list(
                    raw(DEFAULT_GROUP, group.dynamic_group_owner)
                ):
                    key = normalize_group(instance)
                    if key not in bound._groups:
                        bound._put(group.renamed(key))
        for group in list(bound._groups.values()):
            if group.driver_option:
                driver = raw(group.name, group.driver_option)
                if driver and driver in group.driver_opts:
                    bound._own(group.name).options.update(
                        group.driver_opts[driver]
                    )
                elif driver:
                    bound.unresolved.append(
                        (
                            group.name,
                            group.driver_option,
                            f'unknown driver {driver!r}',
                        )
                    )
        for source in _split_list(raw(DEFAULT_GROUP, 'config_source')):
            bound._bind_source_group(normalize_group(source), raw)
        for group in list(bound._groups.values()):
            if 'auth_type' in group.options:
                bound._bind_auth_plugin(group, raw(group.name, 'auth_type'))
        return bound

    def _deprecated_index(self) -> dict[tuple[str, str], OptionInfo]:
        if self._deprecated is None:
            self._deprecated = {}
            for group_info in self._groups.values():
                _index_deprecated(self._deprecated, group_info)
        return self._deprecated


class _BoundCatalog(OptionCatalog):
    """A catalog bound to file values: copy-on-write over its parent."""

    def __init__(self, parent: OptionCatalog) -> None:
        super().__init__()
        self._groups = dict(parent._groups)
        self._patterns = list(parent._patterns)
        self._parent_groups = parent._groups
        self._deprecated = dict(parent._deprecated_index())

    def _own(self, name: str) -> GroupInfo:
        """Return a group of this catalog that may be changed."""
        group = self._groups.get(name)
        if group is None:
            group = GroupInfo(name)
        elif group is self._parent_groups.get(name):
            group = dataclasses.replace(group, options=dict(group.options))
        self._groups[name] = group
        return group

    def _put(self, group: GroupInfo) -> None:
        self._groups[group.name] = group
        _index_deprecated(self._deprecated, group)

    def _add(self, group: GroupInfo, info: OptionInfo) -> None:
        group.add(info)
        for old in info.deprecated_names():
            self._deprecated.setdefault(old, info)

    def _bind_source_group(self, name: str, raw: RawLookup) -> None:
        group = self._own(name)
        self._add(group, OptionInfo(name, _SOURCE_DRIVER_OPT))
        driver = raw(name, 'driver')
        if not driver:
            self.unresolved.append(
                (name, 'driver', 'config source group names no driver')
            )
            return
        opts = _source_driver_opts(driver)
        if opts is None:
            self.unresolved.append(
                (name, 'driver', f'unknown config source driver {driver!r}')
            )
            return
        for opt in opts:
            self._add(
                group, OptionInfo(name, opt, namespace=f'driver:{driver}')
            )

    def _bind_auth_plugin(
        self, group: GroupInfo, auth_type: str | None
    ) -> None:
        if not auth_type:
            return
        opts = _auth_plugin_opts(auth_type)
        if opts is None:
            self.unresolved.append(
                (group.name, 'auth_type', f'unknown auth plugin {auth_type!r}')
            )
            return
        group = self._own(group.name)
        for opt in opts:
            self._add(
                group,
                OptionInfo(group.name, opt, namespace=f'auth:{auth_type}'),
            )


def _index_deprecated(
    index: dict[tuple[str, str], OptionInfo], group: GroupInfo
) -> None:
    every = list(group.options.values()) + [
        info for opts in group.driver_opts.values() for info in opts.values()
    ]
    for info in every:
        for old in info.deprecated_names():
            index.setdefault(old, info)


def _ignore(names: Any) -> None:
    """Missing entry points are expected here: not a warning."""


def _reraise(manager: Any, entrypoint: Any, exc: Exception) -> None:
    raise CatalogError(f'cannot load {entrypoint}: {exc}') from exc


def _split_list(value: str | None) -> list[str]:
    if not value:
        return []
    return [item.strip() for item in value.split(',') if item.strip()]


@functools.cache
def _source_driver_opts(driver: str) -> tuple[cfg.Opt, ...] | None:
    try:
        manager = stevedore.DriverManager(
            'oslo.config.driver', driver, invoke_on_load=True
        )
    except Exception:
        return None
    return tuple(manager.driver.list_options_for_discovery())


@functools.cache
def _auth_plugin_opts(auth_type: str) -> tuple[cfg.Opt, ...] | None:
    try:
        from keystoneauth1 import loading
    except ImportError:  # keystoneauth is optional
        return None
    try:
        return tuple(loading.get_auth_plugin_conf_options(auth_type))
    except Exception:
        return None


_TYPE_FACTORIES: dict[str, Callable[[dict[str, Any]], types.ConfigType]] = {
    'string value': lambda d: types.String(choices=_choices(d)),
    'integer value': lambda d: types.Integer(
        min=d.get('min'), max=d.get('max'), choices=_choices(d)
    ),
    'floating point value': lambda d: types.Float(
        min=d.get('min'), max=d.get('max')
    ),
    'boolean value': lambda d: types.Boolean(),
    'list value': lambda d: types.List(),
    'dict value': lambda d: types.Dict(),
    'multi valued': lambda d: types.MultiString(),
    'port value': lambda d: types.Port(
        min=d.get('min'), max=d.get('max'), choices=_choices(d)
    ),
    'IP address value': lambda d: types.IPAddress(),
    'host address value': lambda d: types.HostAddress(),
    'hostname value': lambda d: types.Hostname(),
    'URI value': lambda d: types.URI(),
}


def _choices(data: Mapping[str, Any]) -> list[Any] | None:
    choices = data.get('choices') or None
    if not choices:
        return None
    # The generator writes [value, description] pairs.
    return [c[0] if isinstance(c, (list, tuple)) else c for c in choices]


def opt_from_data(data: Mapping[str, Any]) -> cfg.Opt:
    """Rebuild an option from one entry of generator YAML/JSON data."""
    type_name = data.get('type') or 'string value'
    factory = _TYPE_FACTORIES.get(type_name, _TYPE_FACTORIES['string value'])
    opt_type = factory(data)
    deprecated = [
        cfg.DeprecatedOpt(d.get('name'), group=d.get('group'))
        for d in data.get('deprecated_opts') or []
    ]
    kwargs = dict(
        type=opt_type,
        dest=data.get('dest'),
        default=data.get('default'),
        help=data.get('help') or '',
        secret=bool(data.get('secret')),
        required=bool(data.get('required')),
        deprecated_opts=deprecated,
        deprecated_for_removal=bool(data.get('deprecated_for_removal')),
        deprecated_reason=data.get('deprecated_reason'),
        deprecated_since=data.get('deprecated_since'),
        mutable=bool(data.get('mutable')),
        advanced=bool(data.get('advanced')),
    )
    if type_name == 'multi valued':
        del kwargs['type']
        factory = functools.partial(
            cfg.MultiOpt, data['name'], item_type=types.String()
        )
    else:
        factory = functools.partial(cfg.Opt, data['name'])
    try:
        return factory(**kwargs)
    except cfg.DefaultValueError:
        # The generator writes sample defaults, which need not parse.
        kwargs['default'] = None
        return factory(**kwargs)
