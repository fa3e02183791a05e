"""nova: sections named by ``[devices] enabled_mdev_types`` and
``[neutron] physnets``.

nova-compute registers ``[mdev_<type>]`` (``device_addresses``,
``mdev_class``, ``max_instances``; old name ``[vgpu_<type>]``) for every
enabled mediated device type, and ``[neutron_physnet_<name>]`` plus
``[neutron_tunnel]`` (``numa_nodes``) for every physnet, after it has read
the files (``nova.conf.devices.register_dynamic_opts``,
``nova.conf.neutron.register_dynamic_opts``). This plugin runs those very
functions on a scratch ``ConfigOpts`` holding the file's values, so the
sections take exactly what nova registers. Without nova installed (a
catalog from ``--opt-data``) it finds nothing.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Iterator

from oslo_config import cfg

from oslo_extras.config import _upstream
from oslo_extras.config.dynamic_groups import DynamicGroups
from oslo_extras.config.dynamic_groups import DynamicSection

#: (nova.conf module, group, option whose value names the sections)
OWNERS = (
    ('nova.conf.devices', 'devices', 'enabled_mdev_types'),
    ('nova.conf.neutron', 'neutron', 'physnets'),
)


class NovaDynamicGroups(DynamicGroups):
    """``enabled_mdev_types = nvidia-35`` creates ``[mdev_nvidia-35]``."""

    def sections(self, catalog, raw) -> Iterator[DynamicSection]:
        wanted = [
            (module, group, option)
            for module, group, option in OWNERS
            if catalog.option(group, option) is not None and raw(group, option)
        ]
        if not wanted:
            return
        conf = cfg.ConfigOpts()
        static = {'DEFAULT'}
        for module_name, group, option in wanted:
            # Only the option nova's function reads, with the file's value.
            opt = catalog.option(group, option).opt
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter('ignore')
                    module = importlib.import_module(module_name)
                conf.register_opt(opt, group=group)
                conf.set_override(option, opt.type(raw(group, option)), group)
                static.add(group)
                module.register_dynamic_opts(conf)
            except (ImportError, AttributeError, ValueError, cfg.Error):
                continue  # no nova, or a bad value invalid-value reports
        found: dict[str, list[cfg.Opt]] = {}
        for group, opt in _upstream.registered_opts(conf):
            if group not in static:
                found.setdefault(group, []).append(opt)
        for group, opts in found.items():
            yield DynamicSection(group, opts=opts, origin='nova')
