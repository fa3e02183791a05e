"""Fill a catalog from namespaces, generator data or a live ``ConfigOpts``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import stevedore
import yaml
from oslo_config import cfg

from oslo_extras.config import _upstream
from oslo_extras.config import dynamic_groups
from oslo_extras.config.catalog.model import CatalogError
from oslo_extras.config.catalog.model import OptionCatalog
from oslo_extras.config.catalog.opt_data import opt_from_data

#: oslo.config's ``list_opts()`` publishes each config source driver's
#: options as a ``sample_<driver>_source`` group owned by this option: a
#: model for the groups ``config_source`` names, not a group of its own.
_SOURCE_OWNER = 'config_source'


#: libyaml's safe loader when present: large exports load ~10x faster.
_YAML_LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)


def _mark_template(catalog: OptionCatalog, group: Any) -> None:
    if isinstance(group, cfg.OptGroup) and (
        group.dynamic_group_owner == _SOURCE_OWNER
    ):
        info = catalog.group(group.name)
        if info is not None:
            info.template = True
            # Its sections are bound from config_source, not as instances.
            info.dynamic_group_owner = ''


def load_namespaces(
    catalog: OptionCatalog, namespaces: Iterable[str]
) -> OptionCatalog:
    """Load options the way ``oslo-config-generator --namespace`` does.

    :raises CatalogError: when a namespace is not installed or fails
    """
    namespaces = list(namespaces)
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
                _mark_template(catalog, group)
                if isinstance(group, cfg.OptGroup) and group.driver_option:
                    _load_driver_opts(catalog, group, namespaces)
    except CatalogError:
        raise
    except Exception as exc:
        raise CatalogError(f'cannot load option namespaces: {exc}') from exc
    if missing:
        raise CatalogError(
            'unknown oslo.config.opts namespace(s): '
            + ', '.join(sorted(missing))
        )
    # What plugins learn from the service's code, kept with the catalog.
    catalog.plugin_data.update(dynamic_groups.capture(catalog))
    return catalog


def _load_driver_opts(
    catalog: OptionCatalog, group: cfg.OptGroup, namespaces: list[str]
) -> None:
    manager = stevedore.NamedExtensionManager(
        'oslo.config.opts.' + group.driver_option,
        names=namespaces,
        on_load_failure_callback=_reraise,
        on_missing_entrypoints_callback=_ignore,
    )
    for ext in manager:
        for driver, opts in ext.plugin().items():
            catalog.add_opts(group, opts, namespace=ext.name, driver=driver)


def load_conf(catalog: OptionCatalog, conf: cfg.ConfigOpts) -> OptionCatalog:
    """Load every option registered on a live ``ConfigOpts``.

    Each option is marked ``registered``: oslo.config checks it when the
    service parses its files.
    """
    groups = _upstream.registered_groups(conf)
    for group in groups.values():
        catalog._ensure_group(group)
        for driver, opts in _upstream.group_driver_opts(group).items():
            catalog.add_opts(group, opts, driver=driver)
    for group_name, opt in _upstream.registered_opts(conf):
        catalog.add_opts(
            groups.get(group_name, group_name), [opt], registered=True
        )
    return catalog


def _one_line(exc: Exception) -> str:
    """An error's reason on one line (a usage error is one line)."""
    mark = getattr(exc, 'problem_mark', None)
    if isinstance(exc, yaml.MarkedYAMLError) and mark is not None:
        # YAML draws the line and a caret under it: keep the words.
        problem = exc.problem or exc.context or 'invalid YAML'
        return f'{problem} at line {mark.line + 1}, column {mark.column + 1}'
    return ' '.join(str(exc).split())


def load_opt_data(catalog: OptionCatalog, path: str) -> OptionCatalog:
    """Load an ``oslo-config-generator --format yaml|json`` file.

    :raises CatalogError: when the file cannot be read or parsed
    """
    try:
        with open(path, encoding='utf-8') as stream:
            text = stream.read()
        data = (
            json.loads(text)
            if path.endswith('.json')
            else yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 (safe)
        )
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise CatalogError(
            f'{path}: cannot read opt data: {_one_line(exc)}'
        ) from exc
    return load_data(catalog, data, path)


def load_data(catalog: OptionCatalog, data: Any, source: str) -> OptionCatalog:
    """Load generator data already parsed (a file's, an export's, a cache's).

    Reads :func:`~oslo_extras.config.catalog.opt_data.catalog_to_data`
    output with nothing lost, and plain ``oslo-config-generator`` data.

    :param source: names the data in error messages
    :raises CatalogError: when the data is not generator data
    """
    if not isinstance(data, dict) or not isinstance(data.get('options'), dict):
        raise CatalogError(
            f'{source}: not oslo-config-generator data (no "options" map)'
        )
    for group_name, group_data in data['options'].items():
        _load_group(catalog, group_name, group_data or {}, source)
    for pair in data.get('group_patterns') or ():
        try:
            pattern, template = pair
        except (TypeError, ValueError):
            raise CatalogError(
                f'{source}: bad group pattern {pair!r}'
            ) from None
        catalog.add_group_pattern(pattern, template)
    plugin_data = data.get('plugin_data') or {}
    if not isinstance(plugin_data, dict):
        raise CatalogError(f'{source}: plugin_data is not a map')
    for key, value in plugin_data.items():
        catalog.plugin_data.setdefault(key, value)
    return catalog


def _load_group(
    catalog: OptionCatalog, group_name: str, group_data: Any, source: str
) -> None:
    if not isinstance(group_data, dict):
        raise CatalogError(f'{source}: [{group_name}] is not a map')
    group = cfg.OptGroup(
        group_name,
        help=group_data.get('help') or None,
        dynamic_group_owner=group_data.get('dynamic_group_owner') or '',
        driver_option=group_data.get('driver_option') or '',
    )
    # Plain generator data says which driver an option belongs to by name
    # only; an export says it per entry (names may repeat across drivers).
    driver_of = {
        name: driver
        for driver, names in (group_data.get('driver_opts') or {}).items()
        for name in names
    }
    catalog._ensure_group(group)
    for opt_data in group_data.get('opts') or []:
        try:
            opt = opt_from_data(opt_data)
        except Exception as exc:  # any bad entry: one line, no trace
            raise CatalogError(
                f'{source}: [{group_name}] bad option entry: {exc}'
            ) from exc
        driver = (
            opt_data['driver']
            if 'driver' in opt_data
            else driver_of.get(opt.name)
        )
        catalog.add_opts(
            group,
            [opt],
            namespace=opt_data.get('namespace'),
            driver=driver,
            registered=bool(opt_data.get('registered')),
        )
    _mark_template(catalog, group)


def _ignore(names: Any) -> None:
    """Missing entry points are expected here: not a warning."""


def _reraise(manager: Any, entrypoint: Any, exc: Exception) -> None:
    raise CatalogError(f'cannot load {entrypoint}: {exc}') from exc
