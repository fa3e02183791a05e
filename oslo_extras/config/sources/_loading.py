"""What ``sources.load()`` checks once ``conf()`` has opened the sources."""

from __future__ import annotations

from collections.abc import Iterable

from oslo_config import cfg

from oslo_extras.config import _upstream
from oslo_extras.config.sources._model import SourceError
from oslo_extras.config.sources.base import RefreshableSource

#: Entry point names of our drivers (``setup.cfg``, ``oslo.config.driver``).
OUR_DRIVERS = frozenset({'secrets_dir', 'vault', 'etcd', 'key_manager'})


def find_sources(conf: cfg.ConfigOpts) -> list[RefreshableSource]:
    """Return the oslo_extras sources ``conf`` has loaded, in lookup order."""
    return [
        source
        for source in _upstream.loaded_sources(conf)
        if isinstance(source, RefreshableSource)
    ]


def check_sources(conf: cfg.ConfigOpts) -> list[RefreshableSource]:
    """Raise :class:`SourceError` unless every source of ours loaded.

    Every value a source serves is converted with its registered option's
    type here, so a bad value fails at load (naming group and option, not
    the value) instead of at its first read. Also catches a source group
    that oslo.config could not open at all (it logs and skips those).
    """
    found = find_sources(conf)
    opts = list(_upstream.registered_opts(conf))
    for source in found:
        source.check()
        source.check_types(opts)
    opened = {source.name for source in found}
    for group_name in _configured_sources(conf):
        if group_name in opened:
            continue
        try:
            driver = conf[group_name].driver
        except (cfg.NoSuchOptError, cfg.NoSuchGroupError, ValueError):
            driver = None
        if driver in OUR_DRIVERS:
            raise SourceError(
                group_name,
                f'the {driver} driver could not open this source '
                '(see the error logged above)',
            )
    return found


def _configured_sources(conf: cfg.ConfigOpts) -> Iterable[str]:
    try:
        return list(conf.config_source or ())
    except cfg.NoSuchOptError:
        return []
