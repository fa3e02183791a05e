"""Demo: a config written for older releases is migrated, meaning kept."""

from __future__ import annotations

import os
import warnings

import stevedore
from oslo_config import cfg

from oslo_extras.config import migrate
from oslo_extras.config.catalog import OptionCatalog

TITLE = 'Deprecated option auto-migration (oslo-config-migrate)'

NAMESPACES = ['oslo.log', 'oslo.messaging', 'keystonemiddleware.auth_token']

OLD = """\
[DEFAULT]
debug = True
# Logging, as written for Kilo
logdir = /var/log/demo
rpc_thread_pool_size = 32
rpc_backend = rabbit

[oslo_messaging_rabbit]
rabbit_hosts = mq1:5672,mq2
rabbit_userid = demo
rabbit_password = s3cr3t-demo-pw
kombu_reconnect_timeout = 4

[keystone_authtoken]
auth_uri = http://keystone:5000
memcache_servers = 127.0.0.1:11211
"""


def _read(path: str, opts) -> dict:
    conf = cfg.ConfigOpts()
    for group, group_opts in opts:
        for opt in group_opts:
            try:
                conf.register_opt(opt, group=group)
            except cfg.DuplicateOptError:
                pass  # listed by two libraries (both the same option)
    conf(['--config-file', path], project='demo', default_config_files=[])
    return {
        'log_dir': conf.log_dir,
        'executor_thread_pool_size': conf.executor_thread_pool_size,
        'memcached_servers': conf.keystone_authtoken.memcached_servers,
    }


def run(workdir: str) -> bool:
    path = os.path.join(workdir, 'demo.conf')
    with open(path, 'w') as stream:
        stream.write(OLD)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # eventlet import noise
        catalog = OptionCatalog.from_namespaces(NAMESPACES)
        # The options as the service registers them, to read the files.
        opts = [
            pair
            for ext in stevedore.NamedExtensionManager(
                'oslo.config.opts', names=NAMESPACES
            )
            for pair in ext.plugin()
        ]
    print('The service reads the old file; oslo.config warns:')
    before = _read(path, opts)
    print()

    print('oslo-config-migrate --dry-run (secrets masked):\n')
    plan = migrate.Migrator(catalog).plan([path])
    print(plan.diff().replace(workdir + os.sep, ''))
    for change in plan.all_changes():
        print('  ' + plan.mask(str(change)).replace(workdir + os.sep, ''))

    written = migrate.apply(
        plan,
        backup_suffix='.orig',
        state_dir=os.path.join(workdir, 'state'),  # the journal stays here
    )
    after = _read(path, opts)
    again = migrate.Migrator(catalog).plan([path])
    print(
        f'\n--in-place wrote {len(written)} file(s) (backup: .orig); '
        f'second run changes: {sum(f.changed for f in again.files)}'
    )
    print(f'values read by oslo.config before == after: {before == after}')
    text = open(path).read()
    shown = plan.diff() + ''.join(str(c) for c in plan.all_changes())
    return (
        before == after
        and not again.changed
        and 'transport_url = rabbit://demo:' in text
        and 's3cr3t-demo-pw' not in shown
    )
