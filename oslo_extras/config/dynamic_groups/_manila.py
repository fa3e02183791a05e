"""manila: one section per name in ``[DEFAULT] enabled_share_backends``.

manila-share starts one manager per name; its share driver registers its
options in that section (``manila.share.configuration``). The ``manila``
namespace lists every share driver's options in ``[DEFAULT]``, so a backend
section takes those.
"""

from __future__ import annotations

from collections.abc import Iterator

from oslo_extras.config.dynamic_groups import DynamicGroups
from oslo_extras.config.dynamic_groups import DynamicSection
from oslo_extras.config.dynamic_groups import split_list

OWNER = 'enabled_share_backends'
#: an option only manila's share drivers have, to tell manila's catalog
MARKER = 'share_backend_name'


class ManilaShareBackends(DynamicGroups):
    """``enabled_share_backends = lvm`` creates ``[lvm]``."""

    def sections(self, catalog, raw) -> Iterator[DynamicSection]:
        if not (
            catalog.option('DEFAULT', OWNER)
            and catalog.option('DEFAULT', MARKER)
        ):
            return
        for name in split_list(raw('DEFAULT', OWNER)):
            yield DynamicSection(
                name, template='DEFAULT', origin=f'[DEFAULT] {OWNER}'
            )
