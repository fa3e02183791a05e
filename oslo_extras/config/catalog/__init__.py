"""The option catalog: every option a service knows, in one queryable place.

A catalog is built once and shared by validation (``oslo-config-check``),
migration (``oslo-config-migrate``), reload and sample output. It can be
loaded from three places, which may be merged:

* ``oslo.config.opts`` entry points (what ``oslo-config-generator
  --namespace`` reads), including per-driver options published under
  ``oslo.config.opts.<driver_option>``::

      catalog = OptionCatalog.from_namespaces(['oslo.log', 'oslo.messaging'])

* a generator YAML/JSON file (``oslo-config-generator --format yaml``)::

      catalog = OptionCatalog.from_opt_data('nova-opts.yaml')

* a live :class:`oslo_config.cfg.ConfigOpts`::

      catalog = OptionCatalog.from_conf(CONF)

Some groups only exist once a config file names them (config sources,
drivers, keystoneauth plugins, dynamic groups):
:meth:`OptionCatalog.bind` resolves those against the raw values of a file.

Modules: :mod:`.model` (groups, options, queries), :mod:`.loaders` (the
three sources), :mod:`.binding` (file values), :mod:`.opt_data` (option
types to and from data).
"""

from oslo_extras.config.catalog.model import DEFAULT_GROUP
from oslo_extras.config.catalog.model import CatalogError
from oslo_extras.config.catalog.model import GroupInfo
from oslo_extras.config.catalog.model import OptionCatalog
from oslo_extras.config.catalog.model import OptionInfo
from oslo_extras.config.catalog.model import RawLookup
from oslo_extras.config.catalog.model import normalize_group
from oslo_extras.config.catalog.model import normalize_name
from oslo_extras.config.catalog.opt_data import opt_from_data
from oslo_extras.config.catalog.opt_data import opt_to_data

__all__ = [
    'DEFAULT_GROUP',
    'CatalogError',
    'GroupInfo',
    'OptionCatalog',
    'OptionInfo',
    'RawLookup',
    'normalize_group',
    'normalize_name',
    'opt_from_data',
    'opt_to_data',
]
