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
        conf.register_opts(self.list_options_for_discovery(), group_name)
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
