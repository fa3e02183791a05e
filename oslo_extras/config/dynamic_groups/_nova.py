"""nova: sections named by ``[devices] enabled_mdev_types`` and
``[neutron] physnets``.

nova-compute registers ``[mdev_<type>]`` (``device_addresses``,
``mdev_class``, ``max_instances``; old name ``[vgpu_<type>]``) for every
enabled mediated device type, and ``[neutron_physnet_<name>]`` plus
``[neutron_tunnel]`` (``numa_nodes``) for every physnet, after it has read
the files (``nova.conf.devices.register_dynamic_opts``,
``nova.conf.neutron.register_dynamic_opts``). This plugin runs those very
functions on a scratch ``ConfigOpts`` holding the file's values, so the
sections take exactly what nova registers. Where nova is installed the
catalog captures, once, what each value's sections take (running nova's
functions on a probe value), so a cached or exported catalog resolves them
without nova.
"""

from __future__ import annotations

import importlib
import json
import warnings
from collections.abc import Iterator

from oslo_config import cfg

from oslo_extras.config import _upstream
from oslo_extras.config.catalog.opt_data import opt_from_data
from oslo_extras.config.catalog.opt_data import opt_to_data
from oslo_extras.config.dynamic_groups import DynamicGroups
from oslo_extras.config.dynamic_groups import DynamicSection

#: (nova.conf module, group, option whose value names the sections)
OWNERS = (
    ('nova.conf.devices', 'devices', 'enabled_mdev_types'),
    ('nova.conf.neutron', 'neutron', 'physnets'),
)


#: the value nova's functions are run with when capturing: each section
#: name containing it is a format for every value of the option
PROBE = 'oslo_extras_probe'


class NovaDynamicGroups(DynamicGroups):
    """``enabled_mdev_types = nvidia-35`` creates ``[mdev_nvidia-35]``."""

    def capture(self, catalog) -> dict | None:
        """Run nova's functions once on a probe value; keep what each
        value's sections take (``{owner: {section format: [opt data]}}``)."""
        owners = {}
        for module_name, group, option in OWNERS:
            info = catalog.option(group, option)
            if info is None:
                continue
            registered = _registered(module_name, group, info.opt, PROBE)
            if registered is None:
                continue
            owners[f'{group}.{option}'] = {
                section.replace(PROBE, '{}'): [
                    opt_to_data(opt, section, mask_secret_default=False)
                    for opt in opts
                ]
                for section, opts in registered.items()
            }
        return {'owners': owners} if owners else None

    def sections(self, catalog, raw) -> Iterator[DynamicSection]:
        captured = self.captured(catalog)
        if captured is not None:
            yield from _from_captured(catalog, raw, captured)
            return
        found: dict[str, list[cfg.Opt]] = {}
        for module_name, group, option in OWNERS:
            info = catalog.option(group, option)
            value = raw(group, option)
            if info is None or not value:
                continue
            registered = _registered(module_name, group, info.opt, value)
            for section, opts in (registered or {}).items():
                found.setdefault(section, []).extend(opts)
        for group, opts in found.items():
            yield DynamicSection(group, opts=opts, origin='nova')


def _registered(
    module_name: str, group: str, opt: cfg.Opt, value: str
) -> dict[str, list[cfg.Opt]] | None:
    """Run nova's ``register_dynamic_opts`` on a scratch ``ConfigOpts``
    holding only ``[group] opt = value``; return the sections it adds, or
    ``None`` without nova or for a bad value (invalid-value reports it)."""
    conf = cfg.ConfigOpts()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            module = importlib.import_module(module_name)
        conf.register_opt(opt, group=group)
        conf.set_override(opt.dest, opt.type(value), group)
        module.register_dynamic_opts(conf)
    except (ImportError, AttributeError, ValueError, cfg.Error):
        return None
    found: dict[str, list[cfg.Opt]] = {}
    for section, registered in _upstream.registered_opts(conf):
        if section not in ('DEFAULT', group):
            found.setdefault(section, []).append(registered)
    return found


def _from_captured(catalog, raw, captured) -> Iterator[DynamicSection]:
    found: dict[str, list[cfg.Opt]] = {}
    for owner, formats in (captured.get('owners') or {}).items():
        group, _sep, option = owner.partition('.')
        info = catalog.option(group, option)
        value = raw(group, option)
        if info is None or not value:
            continue
        try:
            items = info.opt.type(value)
        except ValueError:
            continue  # invalid-value reports it
        items = items if isinstance(items, list) else [items]
        for section_format, opts_data in formats.items():
            values = items if '{}' in section_format else [None]
            for item in values:
                name = section_format
                data = opts_data
                if item is not None:
                    name = section_format.replace('{}', str(item))
                    # Old group names (vgpu_<type>) carry the value too.
                    escaped = json.dumps(str(item))[1:-1]
                    data = json.loads(
                        json.dumps(opts_data).replace(PROBE, escaped)
                    )
                found.setdefault(name, []).extend(
                    opt_from_data(d) for d in data
                )
    for group, opts in found.items():
        yield DynamicSection(group, opts=opts, origin='nova')
