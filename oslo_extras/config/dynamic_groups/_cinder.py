"""cinder: one section per name in ``[DEFAULT] enabled_backends``.

cinder-volume starts one manager per name and reads that section with the
options of its volume driver, which cinder registers both there and in
``[backend_defaults]`` (``cinder.volume.configuration``); the ``cinder``
namespace lists every driver's options under ``[backend_defaults]``, so a
backend section takes those, plus ``backend_host``, which cinder-volume
registers in each backend's section when it starts it
(``cinder/cmd/volume.py``; no namespace lists it there).
"""

from __future__ import annotations

from collections.abc import Iterator

from oslo_config import cfg

from oslo_extras.config.dynamic_groups import DynamicGroups
from oslo_extras.config.dynamic_groups import DynamicSection
from oslo_extras.config.dynamic_groups import split_list

TEMPLATE = 'backend_defaults'
OWNER = 'enabled_backends'
#: As cinder/cmd/volume.py declares it.
BACKEND_HOST = cfg.StrOpt(
    'backend_host', help='Backend override of host value.'
)


class CinderBackends(DynamicGroups):
    """``enabled_backends = lvm-1,rbd-1`` creates ``[lvm-1]``, ``[rbd-1]``."""

    def sections(self, catalog, raw) -> Iterator[DynamicSection]:
        if TEMPLATE not in catalog or not catalog.option('DEFAULT', OWNER):
            return
        for name in split_list(raw('DEFAULT', OWNER)):
            yield DynamicSection(
                name,
                template=TEMPLATE,
                opts=(BACKEND_HOST,),
                origin=f'[DEFAULT] {OWNER}',
            )
