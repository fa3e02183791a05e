"""Every option oslo_extras registers, for ``oslo-config-generator``.

Registered as the ``oslo_extras`` namespace of ``oslo.config.opts``::

    oslo-config-generator --namespace oslo_extras

Each capability contributes a ``list_opts()`` of its own; this module only
gathers them, importing lazily so a sample run loads what it lists and no
more.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from oslo_config import cfg

# Modules with a ``list_opts()`` returning [(group, [opts])].
_OPT_MODULES = (
    'oslo_extras.config.strict',
    'oslo_extras.policy.options',
    'oslo_extras.config.reload.opts',
)


def list_opts() -> list[tuple[str | cfg.OptGroup | None, Iterable[cfg.Opt]]]:
    """Return ``[(group, [opt, ...]), ...]`` for every option we register."""
    merged: dict[str, list[cfg.Opt]] = {}
    groups: dict[str, str | cfg.OptGroup | None] = {}
    for module_name in _OPT_MODULES:
        module = importlib.import_module(module_name)
        for group, opts in module.list_opts():
            key = (
                group.name
                if isinstance(group, cfg.OptGroup)
                else (group or 'DEFAULT')
            )
            groups.setdefault(key, group)
            merged.setdefault(key, []).extend(opts)
    return [(groups[key], merged[key]) for key in sorted(merged)]
