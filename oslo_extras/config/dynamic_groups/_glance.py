"""glance: one section per store in ``[DEFAULT] enabled_backends``.

glance-api reads ``enabled_backends = fast:rbd,local:file`` (a dict of
store name to store type) and registers, for each store, the options of
its type's driver in the store's section
(``glance_store.multi_backend.register_store_opts``); in that multi-store
mode it also registers the filesystem options in two reserved stores,
``[os_glance_staging_store]`` and ``[os_glance_tasks_store]``
(``glance.common.wsgi_app.RESERVED_STORES``). The driver of a type is the
``glance_store.drivers`` entry point of that name; its ``OPTIONS`` are the
options the section takes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

import stevedore
from oslo_config import cfg

from oslo_extras.config.dynamic_groups import DynamicGroups
from oslo_extras.config.dynamic_groups import DynamicSection
from oslo_extras.config.dynamic_groups import split_dict

OWNER = 'enabled_backends'
STORE_GROUP = 'glance_store'
RESERVED_STORES = ('os_glance_staging_store', 'os_glance_tasks_store')
RESERVED_TYPE = 'file'


@functools.cache
def store_options(store_type: str) -> tuple[cfg.Opt, ...] | None:
    """The options of a glance_store driver, or ``None`` if not installed."""
    try:
        manager = stevedore.DriverManager(
            'glance_store.drivers', store_type, invoke_on_load=False
        )
    except Exception:
        return None
    return tuple(getattr(manager.driver, 'OPTIONS', None) or ())


class GlanceStores(DynamicGroups):
    """``enabled_backends = fast:rbd`` creates ``[fast]`` with rbd options."""

    def sections(self, catalog, raw) -> Iterator[DynamicSection]:
        if STORE_GROUP not in catalog or not catalog.option('DEFAULT', OWNER):
            return
        stores = split_dict(raw('DEFAULT', OWNER))
        if not stores:
            return  # single-store mode: [glance_store] only
        for name, store_type in stores.items():
            opts = store_options(store_type)
            if opts is None:
                # Unknown type: glance disables that store; the section
                # then takes every store option, as the sample lists them.
                yield DynamicSection(
                    name, template=STORE_GROUP, origin=f'[DEFAULT] {OWNER}'
                )
                continue
            yield DynamicSection(name, opts=opts, origin=f'[DEFAULT] {OWNER}')
        for name in RESERVED_STORES:
            yield DynamicSection(
                name,
                opts=store_options(RESERVED_TYPE) or (),
                origin='glance reserved store',
            )
