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


def loaded_sources(conf: cfg.ConfigOpts) -> list[sources.ConfigurationSource]:
    """Return the configuration sources ``conf`` loaded, in lookup order."""
    return list(getattr(conf, '_sources', ()))


def clear_value_caches(conf: cfg.ConfigOpts) -> None:
    """Forget every option value ``conf`` has cached, source values too.

    oslo.config keeps converted values in ``__cache`` and source answers in
    ``__drivers_cache``; it has no public way to clear either, so after a
    source's values change both must go.
    """
    conf._ConfigOpts__cache.clear()
    conf._ConfigOpts__drivers_cache.clear()


# -- live reload (oslo_extras.config.reload) ---------------------------------
#
# A reload parses the files into a fresh namespace, computes typed values
# from it, and installs namespace and values in one step. oslo.config keeps
# both in private attributes; these helpers are the only code touching them.


class PrefilledCache(dict):
    """A value cache that keeps the values a reload installed.

    oslo.config's ``_get`` looks a key up, computes the value on a miss and
    then stores it. A reader that missed just before a reload swapped the
    namespace would store a value computed from the old namespace into the
    new cache; keeping existing keys makes that late store harmless.
    """

    def __setitem__(self, key, value):
        self.setdefault(key, value)


def cache_key(group: str, dest: str) -> tuple[str | None, str]:
    """Return the key ``ConfigOpts._get`` caches ``[group] dest`` under."""
    return (None if group == 'DEFAULT' else group, dest)


def parse_files(conf: cfg.ConfigOpts):
    """Parse the command line and config files of ``conf`` again.

    Returns a new private namespace without touching ``conf``.

    :raises oslo_config.cfg.Error: unreadable/unparsable files, missing
        required options
    """
    return conf._reload_config_files()


def typed_value(conf: cfg.ConfigOpts, group: str, dest: str, namespace=None):
    """Return the typed value of ``[group] dest`` read from ``namespace``.

    With ``namespace=None`` this is the value readers see right now (mutable
    options from the mutated namespace); overrides, environment, sources and
    defaults apply as in a normal read.

    :raises ValueError: the value does not convert to the option type
    """
    grp = None if group == 'DEFAULT' else group
    return conf._do_get(dest, grp, namespace)[0]


def install(conf: cfg.ConfigOpts, namespace, values: dict) -> None:
    """Make ``namespace`` the mutable namespace and ``values`` the cache.

    Two reference assignments; readers holding no lock may see the new
    cache with the old namespace for an instant, which is harmless because
    every registered option is in the cache.
    """
    conf._ConfigOpts__cache = PrefilledCache(values)
    conf._mutable_ns = namespace


def mutate_hooks(conf: cfg.ConfigOpts) -> list:
    """Return the hooks registered with ``conf.register_mutate_hook``."""
    return list(conf._mutate_hooks)
