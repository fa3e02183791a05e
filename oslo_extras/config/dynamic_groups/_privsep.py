"""oslo.privsep: one section per privsep context of the service.

Every ``oslo_privsep.priv_context.PrivContext`` reads oslo.privsep's
options (``helper_command``, ``user``, ``capabilities``...) from its own
``cfg_section``: nova's ``[nova_sys_admin]``, cinder's
``[cinder_sys_admin]``, os-brick's ``[privsep_osbrick]``, os-vif's
``[vif_plug_ovs_privileged]``, neutron's ``[privsep_ovs_vsctl]``... No
namespace lists those sections. The contexts are module-level objects in
each project's ``privsep`` or ``privileged`` module; this plugin imports
those modules of the projects whose options the catalog holds and takes
every context's section, with the options of ``[privsep]``. A project's
own plugins count too when it loads them from an entry-point namespace of
its name (os-vif's ``os_vif`` plugins: ``vif_plug_ovs``...).
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import warnings
from collections.abc import Iterator

from oslo_extras.config.dynamic_groups import DynamicGroups
from oslo_extras.config.dynamic_groups import DynamicSection

TEMPLATE = 'privsep'
#: where projects keep their privsep contexts
MODULES = ('privsep', 'privileged')


def _context_class() -> type | None:
    try:
        with warnings.catch_warnings():
            # oslo.privsep imports eventlet, which warns: not the user's
            # concern, and a CI log must hold only the findings.
            warnings.simplefilter('ignore')
            from oslo_privsep.priv_context import PrivContext
    except ImportError:  # no oslo.privsep: no context either
        return None
    return PrivContext


@functools.cache
def context_sections(projects: frozenset[str]) -> frozenset[str]:
    """The ``cfg_section`` of every privsep context of ``projects``."""
    context_class = _context_class()
    if context_class is None:
        return frozenset()
    sections = set()
    for project in sorted(projects):
        for leaf in MODULES:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter('ignore')
                    module = importlib.import_module(f'{project}.{leaf}')
            except Exception:  # absent, or fails without its service
                continue
            for value in vars(module).values():
                if isinstance(value, context_class):
                    sections.add(value.cfg_section)
    return frozenset(sections)


@functools.cache
def with_plugins(projects: frozenset[str]) -> frozenset[str]:
    """Add the packages of each project's same-named plugin namespace."""
    # Cached: reading entry points scans every installed distribution.
    names = importlib.metadata.entry_points()
    found = set(projects)
    for project in projects:
        for entry_point in names.select(group=project):
            found.add(entry_point.module.split('.')[0])
    return frozenset(found)


class PrivsepContexts(DynamicGroups):
    """``[privsep_osbrick]``, ``[nova_sys_admin]``... take ``[privsep]``'s
    options."""

    def capture(self, catalog) -> list[str] | None:
        """The context sections, found once where the projects are."""
        if TEMPLATE not in catalog:
            return None
        return sorted(_sections_of(catalog))

    def sections(self, catalog, raw) -> Iterator[DynamicSection]:
        if TEMPLATE not in catalog:
            return
        captured = self.captured(catalog)
        found = captured if captured is not None else _sections_of(catalog)
        for section in sorted(found):
            yield DynamicSection(
                section, template=TEMPLATE, origin='privsep context'
            )


def _sections_of(catalog) -> frozenset[str]:
    projects = frozenset(
        info.namespace.split('.')[0].replace('-', '_')
        for info in catalog.options()
        if info.namespace and ':' not in info.namespace
    )
    return context_sections(with_plugins(projects))
