"""A test-only service with its own deprecations, for migration tests.

Registered with the catalog directly (``OptionCatalog.add_opts``) rather
than through an installed entry point.
"""

from oslo_config import cfg

DEFAULT_OPTS = [
    cfg.StrOpt('new_name', deprecated_name='old_name'),
    cfg.IntOpt('workers', deprecated_name='worker_count'),
    cfg.MultiStrOpt('hook', deprecated_name='old_hook'),
    cfg.StrOpt(
        'gone',
        deprecated_for_removal=True,
        deprecated_reason='Nothing reads it any more.',
    ),
    cfg.StrOpt('log-file', deprecated_name='logfile'),
    cfg.StrOpt('admin_token', secret=True, deprecated_name='service_token'),
    cfg.StrOpt('plain'),
    cfg.StrOpt('log-config-append', deprecated_name='log-config'),
]
PCI_OPTS = [
    # nova's [pci] device_spec: two old names, in two groups.
    cfg.MultiStrOpt(
        'device_spec',
        deprecated_opts=[
            cfg.DeprecatedOpt('passthrough_whitelist', group='pci'),
            cfg.DeprecatedOpt('pci_passthrough_whitelist', group='DEFAULT'),
        ],
    ),
]
DATABASE_OPTS = [
    cfg.StrOpt(
        'connection',
        secret=True,
        deprecated_opts=[
            cfg.DeprecatedOpt('sql_connection', group='DEFAULT'),
            cfg.DeprecatedOpt('connection', group='sql'),
        ],
    ),
    cfg.IntOpt(
        'max_pool_size',
        deprecated_name='sql_max_pool_size',
        deprecated_group='DEFAULT',
    ),
]
KEY_MANAGER_OPTS = [cfg.StrOpt('auth_url')]
BARBICAN_OPTS = [
    cfg.StrOpt(
        'auth_endpoint',
        deprecated_opts=[cfg.DeprecatedOpt('auth_url', group='key_manager')],
    ),
]
BACKEND_OPTS = [
    cfg.StrOpt('volume_dir', deprecated_name='volumes_dir'),
    cfg.StrOpt('driver'),
]


def list_opts():
    return [
        (None, DEFAULT_OPTS),
        ('database', DATABASE_OPTS),
        ('key_manager', KEY_MANAGER_OPTS),
        ('barbican', BARBICAN_OPTS),
        ('backend', BACKEND_OPTS),
        ('pci', PCI_OPTS),
    ]


def catalog():
    """Return an OptionCatalog of this module (with backend_* sections)."""
    from oslo_extras.config.catalog import OptionCatalog

    result = OptionCatalog()
    for group, opts in list_opts():
        result.add_opts(group, opts, namespace='fake')
    result.add_group_pattern('backend_*', 'backend')
    return result
