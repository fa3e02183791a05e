"""The only place oslo_extras.config touches oslo.config private internals.

oslo.config has no public API to list what a ``ConfigOpts`` has registered or
to name the "no value" sentinel of a configuration source. Keeping both here
means an upstream change breaks one small module, and
``tests/unit/config/test_upstream.py`` fails loudly when it does.
"""

from __future__ import annotations

from collections.abc import Iterator

from oslo_config import cfg
from oslo_config import sources

#: What ``ConfigurationSource.get()`` returns when it has no value.
NO_VALUE = sources._NoValue


def registered_groups(conf: cfg.ConfigOpts) -> dict[str, cfg.OptGroup]:
    """Return the option groups registered on ``conf`` keyed by name."""
    return dict(conf._groups)


def registered_opts(conf: cfg.ConfigOpts) -> Iterator[tuple[str, cfg.Opt]]:
    """Yield ``(group_name, opt)`` for every option registered on ``conf``.

    Options of the default group are yielded with ``'DEFAULT'``.
    """
    for info in conf._opts.values():
        yield 'DEFAULT', info['opt']
    for name, group in conf._groups.items():
        for info in group._opts.values():
            yield name, info['opt']


def group_driver_opts(group: cfg.OptGroup) -> dict[str, list[cfg.Opt]]:
    """Return the per-driver options the generator saved on ``group``."""
    return dict(group._driver_opts)
