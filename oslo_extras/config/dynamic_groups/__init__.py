"""Sections a service creates from its own config values.

cinder reads ``[DEFAULT] enabled_backends = lvm-1,rbd-1`` and then a
``[lvm-1]`` section with volume-driver options; glance reads
``enabled_backends = fast:rbd`` and a ``[fast]`` section with the rbd store's
options. No ``oslo.config.opts`` namespace can list those sections, so
a checker would call them unknown. A plugin of the
``oslo_extras.config.dynamic_groups`` entry-point namespace tells which
sections a file's values create and which options each takes::

    [entry_points]
    oslo_extras.config.dynamic_groups =
        myservice = myservice.config:Pools

    class Pools(DynamicGroups):
        def sections(self, catalog, raw):
            if 'pool_defaults' not in catalog:
                return  # not this service's options
            for name in split_list(raw('DEFAULT', 'enabled_pools')):
                yield DynamicSection(name, template='pool_defaults',
                                     origin='[DEFAULT] enabled_pools')

A plugin must only act when the catalog holds its service's options (two
services may use the same option name for different things), and must read
values as the service does.
"""

from __future__ import annotations

import abc
import dataclasses
import logging
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any

import stevedore
from oslo_config import cfg

if TYPE_CHECKING:
    from oslo_extras.config.catalog.model import OptionCatalog

LOG = logging.getLogger(__name__)

NAMESPACE = 'oslo_extras.config.dynamic_groups'

#: Reads a raw (unparsed) value from the files, or ``None``.
RawLookup = Callable[[str, str], 'str | None']


@dataclasses.dataclass(frozen=True)
class DynamicSection:
    """A section the file's values create.

    :param name: the section name as the service reads it; a group the
        catalog already has keeps its options and gains ``opts``
    :param template: a catalog group whose options the section takes
        (the section is skipped when the catalog lacks that group)
    :param opts: more options the section takes
    :param origin: the value that creates it, for messages
        (``[DEFAULT] enabled_backends``)
    """

    name: str
    template: str | None = None
    opts: Sequence[cfg.Opt] = ()
    origin: str = ''


class DynamicGroups(abc.ABC):
    """Finds the sections one service creates from its config values.

    A plugin that must import the service's code to know its sections
    (nova's ``register_dynamic_opts``, privsep contexts) does it in
    :meth:`capture`, when the catalog is built from namespaces; the data
    travels with the catalog (catalog cache, ``--export-opt-data``) and
    :meth:`sections` reads it back with :meth:`captured`, so a cached or
    imported catalog checks the same without the service's code.
    """

    def capture(self, catalog: OptionCatalog) -> Any:
        """Return plain (JSON) data computed from the service's code, or
        ``None`` (the default: nothing to keep)."""
        return None

    def captured(self, catalog: OptionCatalog) -> Any:
        """Return what :meth:`capture` stored with ``catalog``, or ``None``."""
        return catalog.plugin_data.get(self.capture_key())

    @classmethod
    def capture_key(cls) -> str:
        return f'{cls.__module__}.{cls.__qualname__}'

    @abc.abstractmethod
    def sections(
        self, catalog: OptionCatalog, raw: RawLookup
    ) -> Iterable[DynamicSection]:
        """Yield the sections the values read through ``raw`` create.

        :param catalog: the options known (unbound); check that the
            service's own groups are in it before yielding anything
        :param raw: ``raw(group, option)`` returns the raw value or None
        """


def split_list(value: str | None) -> list[str]:
    """Split a ``ListOpt`` value as oslo.config does (commas, stripped)."""
    if not value:
        return []
    return [item.strip() for item in value.split(',') if item.strip()]


def split_dict(value: str | None) -> dict[str, str]:
    """Split a ``DictOpt`` value (``key:value,...``); bad items are skipped."""
    result = {}
    for item in split_list(value):
        key, sep, val = item.partition(':')
        if sep and key.strip():
            result[key.strip()] = val.strip()
    return result


_plugins: list[tuple[str, DynamicGroups]] | None = None


def load_plugins() -> list[tuple[str, DynamicGroups]]:
    """Return the installed plugins ``(name, plugin)``, loaded once."""
    global _plugins
    if _plugins is None:
        manager = stevedore.ExtensionManager(
            NAMESPACE,
            invoke_on_load=True,
            on_load_failure_callback=_log_failure,
        )
        _plugins = sorted(((e.name, e.obj) for e in manager), key=_first)
    return _plugins


def _first(item: tuple[str, Any]) -> str:
    return item[0]


def _log_failure(manager: Any, entrypoint: Any, exc: Exception) -> None:
    LOG.warning('cannot load dynamic group plugin %s: %s', entrypoint, exc)


def capture(catalog: OptionCatalog) -> dict[str, Any]:
    """Return every installed plugin's :meth:`DynamicGroups.capture` data.

    A failing plugin is logged and keeps nothing (it then works as it
    would without captured data).
    """
    data = {}
    for name, plugin in load_plugins():
        try:
            captured = plugin.capture(catalog)
        except Exception:
            LOG.exception('dynamic group plugin %s failed to capture', name)
            continue
        if captured is not None:
            data[plugin.capture_key()] = captured
    return data


def resolve(
    catalog: OptionCatalog, raw: RawLookup
) -> Iterator[DynamicSection]:
    """Yield the sections every installed plugin finds.

    A failing plugin is logged and skipped: its sections then show up as
    unknown groups, which is what a checker without it would say.
    """
    for name, plugin in load_plugins():
        try:
            yield from list(plugin.sections(catalog, raw))
        except Exception:
            LOG.exception('dynamic group plugin %s failed', name)
