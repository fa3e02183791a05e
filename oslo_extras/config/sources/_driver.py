"""``SourceDriver``: what oslo.config loads by entry point.

It registers a driver's options (and the common ones) in the source group,
advertises them to the sample generator, builds the source and loads it.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING
from typing import Any

from oslo_config import cfg
from oslo_config import sources

from oslo_extras.config.sources import _mapping
from oslo_extras.config.sources._model import SourceError
from oslo_extras.config.sources._opts import common_opts
from oslo_extras.config.sources._retry import RetryPolicy

if TYPE_CHECKING:
    from oslo_extras.config.sources.base import RefreshableSource


class SourceDriver(sources.ConfigurationSourceDriver, metaclass=abc.ABCMeta):
    """Base of our drivers: registers options and loads the source.

    Subclasses set :attr:`name`, list their own options in
    :meth:`driver_opts` and build the source in :meth:`make_source`.
    """

    #: The entry point name, also used in value locations.
    name = ''

    @abc.abstractmethod
    def driver_opts(self) -> list[cfg.Opt]:
        """The options specific to this driver."""

    @abc.abstractmethod
    def make_source(self, group: Any, **common: Any) -> RefreshableSource:
        """Build (without loading) a source from its group's options.

        :param group: ``conf[group_name]``, with this driver's options
        :param common: ``name``, ``driver``, ``conf``, ``on_error``,
            ``cache_ttl``, ``retry``, ``mapping`` for the base class
        """

    def list_options_for_discovery(self) -> list[cfg.Opt]:
        return self.driver_opts() + common_opts()

    def open_source_from_opt_group(
        self, conf: cfg.ConfigOpts, group_name: str
    ) -> RefreshableSource:
        opts = self.list_options_for_discovery()
        conf.register_opts(opts, group_name)
        _check_values(conf, group_name, opts)
        group = conf[group_name]
        mapping = _mapping.parse_inline(group.mapping, group_name)
        if group.mapping_file:
            mapping.update(_mapping.parse_file(group.mapping_file))
        source = self.make_source(
            group,
            name=group_name,
            driver=self.name,
            conf=conf,
            on_error=group.on_error,
            cache_ttl=group.cache_ttl,
            retry=RetryPolicy(
                timeout=group.timeout,
                retries=group.retries,
                backoff=group.retry_backoff,
            ),
            mapping=mapping,
        )
        source.load()
        return source


def _check_values(
    conf: cfg.ConfigOpts, group_name: str, opts: list[cfg.Opt]
) -> None:
    """Read each option of the source group once, naming a bad one.

    oslo.config logs the text of whatever a driver raises, and its own
    errors quote the value: a token pasted into ``timeout`` or
    ``kv_version``, or the part of a token after a ``$`` (taken for an
    option name), would reach the log. The value is never shown.

    :raises SourceError: for the first option whose value does not convert
    """
    for opt in opts:
        try:
            getattr(conf[group_name], opt.dest)
        except (cfg.ConfigFileValueError, ValueError):
            raise SourceError(
                group_name,
                f'[{group_name}] {opt.dest}: not a valid '
                f'{type(opt.type).__name__} (the value is not shown)',
            ) from None
        except cfg.Error:
            # Substitution: what follows a '$' in a token is not an option.
            raise SourceError(
                group_name,
                f"[{group_name}] {opt.dest}: a '$' in the value names no "
                "option (write '$$' for a literal '$'; the value is not "
                'shown)',
            ) from None
