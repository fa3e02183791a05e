"""Migrate configs written for older releases of installed libraries.

The catalog comes from the real ``oslo.config.opts`` namespaces (oslo.log,
oslo.messaging, keystonemiddleware, oslo.db) and every registered option is
read through oslo.config before and after; only what a plugin rebuilt from
options the current libraries dropped (``transport_url``, the notification
driver) may differ, and those are checked against what the old release did.
"""

import textwrap

import oslo_messaging
import pytest
import stevedore
from oslo_config import cfg

from oslo_extras.config import migrate
from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.migrate.plugins import load_migrations
from tests.unit.config.migrate import _oslo

NAMESPACES = [
    'oslo.log',
    'oslo.messaging',
    'keystonemiddleware.auth_token',
    'oslo.db',
]

OLD_NOVA_CONF = """
[DEFAULT]
debug = True
# where logs go (Kilo-era names)
logdir = /var/log/nova
logfile = nova-api.log
log_config = /etc/nova/logging.conf
rpc_thread_pool_size = 64
rpc_backend = rabbit
notification_driver = nova.openstack.common.notifier.rpc_notifier
sql_connection = mysql://nova:dbpass@db/nova

[oslo_messaging_rabbit]
rabbit_hosts = 10.0.0.1:5672,10.0.0.2
rabbit_userid = nova
rabbit_password = rabbit-pass@with:chars
kombu_reconnect_timeout = 5
ssl_enforce_fips_mode = false

[keystone_authtoken]
auth_uri = http://keystone:5000/v3
auth_type = password
auth_url = http://keystone:5000
username = nova
password = ks-secret
memcache_servers = 10.0.0.1:11211,10.0.0.2:11211

[database]
connection = mysql+pymysql://nova:dbpass@db/nova
max_pool_size = 20
"""


@pytest.fixture(scope='module')
def catalog():
    return OptionCatalog.from_namespaces(NAMESPACES)


def namespace_opts(names):
    manager = stevedore.NamedExtensionManager(
        'oslo.config.opts', names=names, name_order=True
    )
    merged = {}
    for ext in manager:
        for group, opts in ext.plugin():
            key = (
                group.name
                if isinstance(group, cfg.OptGroup)
                else (group or 'DEFAULT')
            )
            known = {o.dest for o in merged.get(key, [])}
            merged.setdefault(key, []).extend(
                o for o in opts if o.dest not in known
            )
    return list(merged.items())


def test_old_nova_conf(tmp_path, catalog):
    path = tmp_path / 'nova.conf'
    path.write_text(OLD_NOVA_CONF.lstrip())
    plan, before, after, warnings = _oslo.migrate_and_compare(
        catalog,
        namespace_opts(NAMESPACES),
        [('file', str(path))],
        tmp_path=tmp_path,
        changed={
            ('DEFAULT', 'transport_url'),
            ('oslo_messaging_notifications', 'driver'),
            ('keystone_authtoken', 'www_authenticate_uri'),
        },
        migrations=load_migrations(),
    )
    assert _oslo.renamed_warnings(warnings) == []
    assert after[('DEFAULT', 'log_dir')] == '/var/log/nova'
    assert after[('DEFAULT', 'log_config_append')] == '/etc/nova/logging.conf'
    assert after[('DEFAULT', 'executor_thread_pool_size')] == 64
    assert after[('keystone_authtoken', 'memcached_servers')] == [
        '10.0.0.1:11211',
        '10.0.0.2:11211',
    ]
    assert after[('oslo_messaging_notifications', 'driver')] == ['messaging']
    assert after[('keystone_authtoken', 'www_authenticate_uri')] == (
        'http://keystone:5000/v3'
    )
    url = oslo_messaging.TransportURL.parse(
        cfg.ConfigOpts(), after[('DEFAULT', 'transport_url')]
    )
    assert [
        (h.hostname, h.port, h.username, h.password) for h in url.hosts
    ] == [
        ('10.0.0.1', 5672, 'nova', 'rabbit-pass@with:chars'),
        ('10.0.0.2', 5672, 'nova', 'rabbit-pass@with:chars'),
    ]

    by_kind = {}
    for change in plan.all_changes():
        by_kind.setdefault(change.kind, []).append(change)
    # oslo.db no longer knows sql_connection: reported, never guessed
    assert [c.old_name for c in by_kind['unknown']] == ['sql_connection']
    # Obsolete: deprecated for removal but still read. Which those are
    # depends on the installed releases: oslo.messaging deprecated
    # ssl_enforce_fips_mode after 16.1.2 (OpenStack 2025.1),
    # keystonemiddleware removed auth_uri in 13.0 (2025.1 has 10.9.1).
    in_file = {
        ('oslo_messaging_rabbit', 'ssl_enforce_fips_mode'),
        ('keystone_authtoken', 'auth_uri'),
    }
    expected = sorted(
        opt.dest
        for group, opts in namespace_opts(NAMESPACES)
        for opt in opts
        if (group, opt.dest) in in_file and opt.deprecated_for_removal
    )
    assert sorted(c.old_name for c in by_kind.get('obsolete', [])) == expected
    shown = plan.diff() + '\n'.join(
        plan.mask(str(c)) for c in plan.all_changes()
    )
    for secret in ('rabbit-pass', 'ks-secret', 'dbpass'):
        assert secret not in shown


def test_config_dir_of_an_old_release(tmp_path, catalog):
    confdir = tmp_path / 'nova.conf.d'
    confdir.mkdir()
    (confdir / '10-logging.conf').write_text(
        textwrap.dedent("""\
        [DEFAULT]
        log_dir = /srv/log
        logfile = a.log
    """)
    )
    (confdir / '20-site.conf').write_text(
        textwrap.dedent("""\
        [DEFAULT]
        logdir = /site/log
        rpc_thread_pool_size = 8

        [oslo_messaging_rabbit]
        kombu_missing_consumer_retry_timeout = 9
        kombu_reconnect_timeout = 4
    """)
    )
    plan, before, after, warnings = _oslo.migrate_and_compare(
        catalog,
        namespace_opts(NAMESPACES),
        [('dir', str(confdir))],
        tmp_path=tmp_path,
        migrations=load_migrations(),
    )
    assert _oslo.renamed_warnings(warnings) == []
    # an old name in a later file beats the new name in an earlier one
    assert after[('DEFAULT', 'log_dir')] == '/site/log'
    # within one file the new name wins
    assert (
        after[
            ('oslo_messaging_rabbit', 'kombu_missing_consumer_retry_timeout')
        ]
        == 9
    )
    assert [
        c.old_name for c in plan.all_changes() if c.kind == 'duplicate'
    ] == ['log_dir']


def test_castellan_live_alias_is_kept(tmp_path):
    """``[key_manager] auth_url`` is live and also feeds ``auth_endpoint``."""
    path = tmp_path / 'svc.conf'
    path.write_text(
        textwrap.dedent("""\
        [key_manager]
        api_class = barbican
        auth_url = http://keystone:5000/v3
    """)
    )
    names = ['castellan.config']
    plan, before, after, warnings = _oslo.migrate_and_compare(
        OptionCatalog.from_namespaces(names),
        namespace_opts(names),
        [('file', str(path))],
        tmp_path=tmp_path,
        migrations=[],
    )
    assert _oslo.renamed_warnings(warnings) == []
    assert after[('key_manager', 'auth_url')] == 'http://keystone:5000/v3'
    assert after[('barbican', 'auth_endpoint')] == 'http://keystone:5000/v3'
    assert after[('key_manager', 'backend')] == 'barbican'
    assert sorted(c.kind for c in plan.all_changes()) == ['copy', 'rename']
    assert 'auth_url = http://keystone:5000/v3' in plan.files[0].migrated


def test_auth_plugin_options_known_under_the_old_auth_plugin_name(
    tmp_path, catalog
):
    path = tmp_path / 'svc.conf'
    path.write_text(
        textwrap.dedent("""\
        [keystone_authtoken]
        auth_plugin = password
        auth_url = http://keystone:5000
        username = svc
        password = ks-secret
        user_domain_name = Default
    """)
    )
    plan, before, after, warnings = _oslo.migrate_and_compare(
        catalog,
        namespace_opts(NAMESPACES),
        [('file', str(path))],
        tmp_path=tmp_path,
        migrations=load_migrations(),
    )
    assert after[('keystone_authtoken', 'auth_type')] == 'password'
    # the password plugin's options are known, so none is "unknown"
    assert [c.kind for c in plan.all_changes()] == ['rename']
    assert 'ks-secret' not in plan.diff()


def test_keystoneauth_hyphenated_old_name_is_renamed(tmp_path, catalog):
    # keystoneauth declares user-name as an old name of username: oslo.config
    # reads it (and warns), so it is not an "ignored spelling".
    path = tmp_path / 'svc.conf'
    path.write_text(
        '[keystone_authtoken]\nauth_type = password\n'
        'auth_url = http://keystone:5000\nuser-name = svc\n'
    )
    plan = migrate.Migrator(catalog, load_migrations()).plan([str(path)])
    (change,) = plan.all_changes()
    assert change.kind == 'rename'
    assert 'username = svc' in plan.files[0].migrated
