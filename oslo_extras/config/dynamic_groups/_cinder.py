"""cinder: one section per name in ``[DEFAULT] enabled_backends``.

cinder-volume starts one manager per name and reads that section with the
options of its volume driver, which cinder registers both there and in
``[backend_defaults]`` (``cinder.volume.configuration``); the ``cinder``
namespace lists every driver's options under ``[backend_defaults]``, so a
backend section takes those.
"""

from __future__ import annotations

from collections.abc import Iterator

from oslo_extras.config.dynamic_groups import DynamicGroups
from oslo_extras.config.dynamic_groups import DynamicSection
from oslo_extras.config.dynamic_groups import split_list

TEMPLATE = 'backend_defaults'
OWNER = 'enabled_backends'


class CinderBackends(DynamicGroups):
    """``enabled_backends = lvm-1,rbd-1`` creates ``[lvm-1]``, ``[rbd-1]``."""

    def sections(self, catalog, raw) -> Iterator[DynamicSection]:
        if TEMPLATE not in catalog or not catalog.option('DEFAULT', OWNER):
            return
        for name in split_list(raw('DEFAULT', OWNER)):
            yield DynamicSection(
                name, template=TEMPLATE, origin=f'[DEFAULT] {OWNER}'
            )
