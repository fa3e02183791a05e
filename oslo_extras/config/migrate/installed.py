"""Which installed option namespaces still declare a name.

``--remove-obsolete`` may delete a name only when no installed code reads
it. The catalog built from ``--namespace`` holds only what the operator
named, and the release catalog only says which package dropped a name: a
name a service dropped can live on in a library it runs on (nova's
``[DEFAULT] log_options``, declared by oslo.service since train). So before
deleting, every installed ``oslo.config.opts`` namespace is asked, once per
process.
"""

from __future__ import annotations

import functools
import warnings

import stevedore
from oslo_config import cfg

from oslo_extras.config.catalog import normalize_group


def declared_by(group: str, name: str) -> list[str]:
    """Return the installed namespaces declaring ``[group] name``.

    Current names and old names both count: oslo.config reads either.
    """
    return list(_index().get((normalize_group(group), name), ()))


@functools.cache
def _index() -> dict[tuple[str, str], tuple[str, ...]]:
    index: dict[tuple[str, str], list[str]] = {}
    with warnings.catch_warnings():
        # Service modules warn on import (eventlet...); not the user's.
        warnings.simplefilter('ignore')
        manager = stevedore.ExtensionManager(
            'oslo.config.opts',
            on_load_failure_callback=lambda *_args: None,
        )
        for ext in manager:
            try:
                listed = list(ext.plugin())
            except Exception:  # noqa: BLE001 - a broken namespace is skipped
                continue
            for group, opts in listed:
                home = group.name if isinstance(group, cfg.OptGroup) else group
                home = home or 'DEFAULT'
                for opt in opts:
                    names = [(home, opt.dest), (home, opt.name)]
                    names += [
                        (old.group or home, old.name or opt.dest)
                        for old in opt.deprecated_opts
                    ]
                    for old_group, old_name in names:
                        owners = index.setdefault(
                            (normalize_group(old_group), old_name), []
                        )
                        if ext.name not in owners:
                            owners.append(ext.name)
    return {key: tuple(sorted(value)) for key, value in index.items()}
