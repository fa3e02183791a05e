"""The shipped migration plugins: rabbit, keystone, value mapping.

The rabbit options are no longer in oslo.messaging, so the "before" side is
read with the options as the last releases that had them declared them
(:data:`LEGACY_RABBIT_OPTS`), and the "after" side with oslo.messaging's own
``TransportURL`` parser: both must name the same hosts, ports, credentials
and virtual host.
"""

import json
import textwrap

import oslo_messaging
import pytest
from oslo_config import cfg
from oslo_utils import netutils

from oslo_extras.cmd import config_migrate
from oslo_extras.config import migrate
from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.migrate.plugins import load_migrations
from tests.unit.config.migrate import _oslo

_RABBIT = cfg.OptGroup('oslo_messaging_rabbit')
# As declared by oslo.messaging 5.x (Newton), including the old group.
LEGACY_RABBIT_OPTS = [
    cfg.StrOpt('rabbit_host', default='localhost', deprecated_group='DEFAULT'),
    cfg.PortOpt('rabbit_port', default=5672, deprecated_group='DEFAULT'),
    cfg.ListOpt(
        'rabbit_hosts',
        default=['$rabbit_host:$rabbit_port'],
        deprecated_group='DEFAULT',
    ),
    cfg.StrOpt('rabbit_userid', default='guest', deprecated_group='DEFAULT'),
    cfg.StrOpt(
        'rabbit_password',
        default='guest',
        secret=True,
        deprecated_group='DEFAULT',
    ),
    cfg.StrOpt('rabbit_virtual_host', default='/', deprecated_group='DEFAULT'),
]


@pytest.fixture(scope='module')
def messaging_catalog():
    return OptionCatalog.from_namespaces(
        ['oslo.messaging', 'keystonemiddleware.auth_token']
    )


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip('\n'))
    return str(path)


def old_rabbit(path):
    """What oslo.messaging 5.x connected to, read through oslo.config."""
    values, _ = _oslo.effective(
        [(_RABBIT, LEGACY_RABBIT_OPTS)], [('file', path)]
    )
    group = 'oslo_messaging_rabbit'
    port = values[(group, 'rabbit_port')]
    hosts = []
    for host in values[(group, 'rabbit_hosts')]:
        name, host_port = netutils.parse_host_port(host, default_port=port)
        hosts.append(
            (
                name,
                int(host_port),
                values[(group, 'rabbit_userid')],
                values[(group, 'rabbit_password')],
            )
        )
    vhost = values[(group, 'rabbit_virtual_host')]
    return hosts, '' if vhost == '/' else vhost


def new_rabbit(path):
    """What current oslo.messaging connects to with the migrated file."""
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.StrOpt('transport_url', secret=True))
    conf(['--config-file', path], default_config_files=[])
    url = oslo_messaging.TransportURL.parse(
        cfg.ConfigOpts(), conf.transport_url
    )
    assert url.transport == 'rabbit'
    hosts = [(h.hostname, h.port, h.username, h.password) for h in url.hosts]
    return hosts, url.virtual_host or ''


def migrate_files(catalog, paths, **kw):
    plan = migrate.Migrator(catalog, load_migrations(), **kw).plan(paths)
    migrate.apply(plan)
    return plan


@pytest.mark.parametrize(
    'body',
    [
        # defaults only: the plugin must know the old defaults
        '[oslo_messaging_rabbit]\nrabbit_host = mq.example.org\n',
        # user and password that need URL quoting, one host
        '[oslo_messaging_rabbit]\nrabbit_host = 10.0.0.5\nrabbit_port = 5673\n'
        'rabbit_userid = no va@x\nrabbit_password = p@ss:w%rd#?\n'
        'rabbit_virtual_host = nova/prod\n',
        # several hosts, with and without ports, IPv6; rabbit_hosts wins
        '[oslo_messaging_rabbit]\nrabbit_host = ignored\nrabbit_port = 5674\n'
        'rabbit_hosts = r1:5672, r2, [fd00::3]:5675\nrabbit_userid = nova\n'
        'rabbit_password = secret\n',
        # the older home in [DEFAULT], overridden in the new group
        '[DEFAULT]\nrpc_backend = rabbit\nrabbit_host = old\n'
        'rabbit_password = default-group-secret\n\n'
        '[oslo_messaging_rabbit]\nrabbit_host = new\n',
    ],
)
def test_rabbit_options_fold_into_an_equivalent_url(
    tmp_path, messaging_catalog, body
):
    path = write(tmp_path, 'a.conf', body)
    expected = old_rabbit(path)
    plan = migrate_files(messaging_catalog, [path])
    assert new_rabbit(path) == expected
    text = open(path).read()
    assert 'rabbit_' not in text and 'rpc_backend' not in text
    # the secret never shows in the diff or the report
    password = expected[0][0][3]
    shown = plan.diff() + '\n'.join(
        plan.mask(str(c)) for c in plan.all_changes()
    )
    assert password not in shown
    assert 'transport_url = ****' in shown
    # idempotent
    assert (
        not migrate.Migrator(messaging_catalog, load_migrations())
        .plan([path])
        .changed
    )


def test_rabbit_url_keeps_its_place_in_default(tmp_path, messaging_catalog):
    path = write(
        tmp_path,
        'a.conf',
        """
        [DEFAULT]
        debug = true
        # the broker
        rabbit_host = mq
        state_path = /var/lib/x
    """,
    )
    migrate_files(messaging_catalog, [path])
    assert open(path).read() == (
        '[DEFAULT]\ndebug = true\n# the broker\n'
        'transport_url = rabbit://guest:guest@mq:5672/\n'
        'state_path = /var/lib/x\n'
    )


def test_rabbit_options_ignored_when_transport_url_is_set(
    tmp_path, messaging_catalog
):
    path = write(
        tmp_path,
        'a.conf',
        """
        [DEFAULT]
        transport_url = rabbit://u:p@h:5672/

        [oslo_messaging_rabbit]
        rabbit_host = other
        heartbeat_rate = 3
    """,
    )
    plan = migrate_files(messaging_catalog, [path])
    assert open(path).read() == (
        '[DEFAULT]\ntransport_url = rabbit://u:p@h:5672/\n\n'
        '[oslo_messaging_rabbit]\nheartbeat_rate = 3\n'
    )
    (change,) = [c for c in plan.all_changes() if c.kind == 'plugin']
    assert 'ignored because [DEFAULT] transport_url is set' in change.message


@pytest.mark.parametrize(
    'files,reason',
    [
        (
            {'a.conf': '[DEFAULT]\nrpc_backend = zmq\nrabbit_host = h\n'},
            'rpc_backend = zmq is not RabbitMQ',
        ),
        (
            {
                'a.conf': '[DEFAULT]\n'
                'rpc_backend = nova.openstack.common.rpc.impl_qpid\n'
                'rabbit_host = h\n'
            },
            'is not RabbitMQ',
        ),
        ({'a.conf': '[DEFAULT]\nrabbit_host = $my_ip\n'}, '$-interpolation'),
        # oslo.messaging re-quotes with '/' unescaped: kombu cannot parse it
        (
            {'a.conf': '[DEFAULT]\nrabbit_password = pass/word\n'},
            'contains "/"',
        ),
    ],
)
def test_unsafe_rabbit_folds_are_left_for_the_operator(
    tmp_path, messaging_catalog, files, reason
):
    paths = [write(tmp_path, name, body) for name, body in files.items()]
    plan = migrate.Migrator(messaging_catalog, load_migrations()).plan(paths)
    assert not plan.changed
    manual = [c for c in plan.all_changes() if c.kind == 'manual']
    assert manual and reason in manual[0].message
    assert manual[0].plugin == 'rabbit-transport-url'


def _keystonemiddleware_reads_auth_uri():
    """keystonemiddleware before 13.0 (10.9.1 in OpenStack 2025.1, 12.0.0
    in 2026.1) still has ``auth_uri`` as a live option, deprecated for
    removal."""
    return any(opt.dest == 'auth_uri' for opt in _keystone_opts()[0][1])


def test_keystone_auth_uri_renamed(tmp_path, messaging_catalog):
    path = write(
        tmp_path,
        'a.conf',
        """
        [keystone_authtoken]
        # public endpoint
        auth_uri = http://keystone:5000
        memcache_servers = m1:11211
    """,
    )
    plan = migrate_files(messaging_catalog, [path])
    if _keystonemiddleware_reads_auth_uri():
        # Still read: kept, its value copied to the new name, reported.
        assert open(path).read() == (
            '[keystone_authtoken]\n# public endpoint\n'
            'auth_uri = http://keystone:5000\n'
            'memcached_servers = m1:11211\n'
            'www_authenticate_uri = http://keystone:5000\n'
        )
        assert sorted(c.kind for c in plan.all_changes()) == [
            'copy',
            'obsolete',
            'rename',
        ]
    else:
        assert open(path).read() == (
            '[keystone_authtoken]\n# public endpoint\n'
            'www_authenticate_uri = http://keystone:5000\n'
            'memcached_servers = m1:11211\n'
        )
        assert {c.plugin for c in plan.all_changes()} == {
            'keystone-auth-uri',
            None,
        }
    values, warnings = _oslo.effective(_keystone_opts(), [('file', path)])
    assert values[('keystone_authtoken', 'www_authenticate_uri')] == (
        'http://keystone:5000'
    )
    assert values[('keystone_authtoken', 'memcached_servers')] == ['m1:11211']
    if _keystonemiddleware_reads_auth_uri():
        # oslo.config warns about the kept line, and only about it.
        assert [w.split('"')[1] for w in warnings] == ['auth_uri']
    else:
        assert warnings == []


def _keystone_opts():
    from keystonemiddleware.auth_token import _opts

    return _opts.list_opts()


def test_keystone_auth_uri_loses_to_www_authenticate_uri(
    tmp_path, messaging_catalog
):
    path = write(
        tmp_path,
        'a.conf',
        """
        [keystone_authtoken]
        www_authenticate_uri = http://new
        auth_uri = http://old
    """,
    )
    plan = migrate_files(messaging_catalog, [path])
    if _keystonemiddleware_reads_auth_uri():
        # Still read (when www_authenticate_uri is empty): kept, reported.
        assert open(path).read() == (
            '[keystone_authtoken]\nwww_authenticate_uri = http://new\n'
            'auth_uri = http://old\n'
        )
        assert [c.kind for c in plan.all_changes()] == ['obsolete']
    else:
        assert open(path).read() == (
            '[keystone_authtoken]\nwww_authenticate_uri = http://new\n'
        )


def test_keystone_legacy_admin_options_explained_not_changed(
    tmp_path, messaging_catalog
):
    path = write(
        tmp_path,
        'a.conf',
        """
        [keystone_authtoken]
        auth_host = keystone.example.org
        auth_port = 35357
        auth_protocol = http
        admin_user = nova
        admin_password = very-secret
        admin_tenant_name = service
    """,
    )
    plan = migrate.Migrator(messaging_catalog, load_migrations()).plan([path])
    assert not plan.changed
    (manual,) = [c for c in plan.all_changes() if c.kind == 'manual']
    assert 'auth_url = http://keystone.example.org:35357' in manual.message
    assert 'username = nova' in manual.message
    assert 'project_name = service' in manual.message
    assert 'auth_type = password' in manual.message
    assert 'very-secret' not in manual.message


def test_notification_driver_paths_mapped_and_moved(
    tmp_path, messaging_catalog
):
    path = write(
        tmp_path,
        'a.conf',
        """
        [DEFAULT]
        notification_driver = nova.openstack.common.notifier.rpc_notifier2
        notification_driver = log
        notification_topics = notifications

        [oslo_messaging_notifications]
        driver = noop
    """,
    )
    plan = migrate_files(messaging_catalog, [path])
    values, warnings = _oslo.effective(
        oslo_messaging.opts.list_opts(), [('file', path)]
    )
    group = 'oslo_messaging_notifications'
    # old values first, as the old library read them
    assert values[(group, 'driver')] == ['messagingv2', 'log', 'noop']
    assert values[(group, 'topics')] == ['notifications']
    assert warnings == []
    kinds = {c.plugin for c in plan.all_changes()}
    assert kinds == {'notification-driver-aliases'}


def test_plugins_listed_and_selectable(capsys):
    assert config_migrate.main(['--list-migrations']) == 0
    out = capsys.readouterr().out
    for name in (
        'rabbit-transport-url',
        'keystone-auth-uri',
        'notification-driver-aliases',
    ):
        assert name in out
    with pytest.raises(KeyError, match='nope'):
        load_migrations(['nope'])


def test_json_report_masks_rabbit_password(tmp_path, capsys):
    path = write(
        tmp_path,
        'a.conf',
        """
        [oslo_messaging_rabbit]
        rabbit_host = h
        rabbit_password = hunter2-secret
    """,
    )
    code = config_migrate.main(
        [
            '--namespace',
            'oslo.messaging',
            '--config-file',
            path,
            '--format',
            'json',
        ]
    )
    captured = capsys.readouterr()
    assert code == 0
    assert 'hunter2' not in captured.out + captured.err
    data = json.loads(captured.out)
    assert data['changed'] is True
    assert {c['plugin'] for c in data['changes']} == {'rabbit-transport-url'}


def test_a_failing_plugin_is_a_clean_error(tmp_path, messaging_catalog):
    from oslo_extras.config.migrate.plugins import Migration

    class Broken(Migration):
        name = 'broken'

        def migrate(self, ini, catalog, lookup):
            raise ValueError('value s3cr3t is bad')

    path = write(tmp_path, 'a.conf', '[DEFAULT]\nold = 1\n')
    with pytest.raises(migrate.MigrationError) as err:
        migrate.Migrator(messaging_catalog, [Broken()]).plan([path])
    assert "plugin 'broken' failed (ValueError)" in str(err.value)
    assert 's3cr3t' not in str(err.value)


def _legacy_tls_opts():
    # The union of oslo.messaging 4.x-5.x: the rabbit_*/kombu_* names in
    # [oslo_messaging_rabbit], earlier in [DEFAULT], then the ssl* names.
    def opt(cls, new, old):
        return cls(
            new,
            deprecated_opts=[
                cfg.DeprecatedOpt(old, group='oslo_messaging_rabbit'),
                cfg.DeprecatedOpt(old, group='DEFAULT'),
            ],
        )

    return [
        opt(cfg.BoolOpt, 'ssl', 'rabbit_use_ssl'),
        opt(cfg.StrOpt, 'ssl_version', 'kombu_ssl_version'),
        opt(cfg.StrOpt, 'ssl_key_file', 'kombu_ssl_keyfile'),
        opt(cfg.StrOpt, 'ssl_cert_file', 'kombu_ssl_certfile'),
        opt(cfg.StrOpt, 'ssl_ca_file', 'kombu_ssl_ca_certs'),
    ]


def _tls(path, opts):
    values, _ = _oslo.effective([(_RABBIT, opts)], [('file', path)])
    return {k[1]: v for k, v in values.items()}


@pytest.mark.parametrize('group', ['DEFAULT', 'oslo_messaging_rabbit'])
def test_rabbit_tls_is_carried_to_the_ssl_options(
    tmp_path, messaging_catalog, group
):
    path = write(
        tmp_path,
        'nova.conf',
        f"""
        [DEFAULT]
        rpc_backend = nova.openstack.common.rpc.impl_kombu

        [{group}]
        rabbit_host = mq.example.org
        rabbit_port = 5671
        rabbit_use_ssl = true
        kombu_ssl_version = TLSv1_2
        kombu_ssl_keyfile = /etc/nova/ssl/key.pem
        kombu_ssl_certfile = /etc/nova/ssl/cert.pem
        kombu_ssl_ca_certs = /etc/nova/ssl/ca.pem
        """,
    )
    before = _tls(path, _legacy_tls_opts())
    assert before['ssl'] is True
    plan = migrate_files(messaging_catalog, [path])
    assert not [c for c in plan.all_changes() if c.kind == 'manual']
    current = [
        o
        for o in dict(oslo_messaging.opts.list_opts())['oslo_messaging_rabbit']
        if o.name.startswith('ssl')
    ]
    after = _tls(path, current)
    assert {k: after[k] for k in before} == before
    assert new_rabbit(path)[0] == [('mq.example.org', 5671, 'guest', 'guest')]
    assert 'rpc_backend' not in open(path).read()
    again = migrate.Migrator(messaging_catalog, load_migrations()).plan([path])
    assert not again.changed


def test_rabbit_tls_new_name_wins_in_the_same_file(
    tmp_path, messaging_catalog
):
    path = write(
        tmp_path,
        'a.conf',
        """
        [DEFAULT]
        rabbit_use_ssl = false

        [oslo_messaging_rabbit]
        ssl = true
        """,
    )
    migrate_files(messaging_catalog, [path])
    assert _tls(path, _legacy_tls_opts())['ssl'] is True
    assert 'rabbit_use_ssl' not in open(path).read()


def test_rabbit_options_split_over_files_follow_oslo_config(
    tmp_path, messaging_catalog
):
    first = write(
        tmp_path,
        'a.conf',
        """
        [oslo_messaging_rabbit]
        rabbit_host = a
        rabbit_password = first-secret
        """,
    )
    second = write(tmp_path, 'b.conf', '[DEFAULT]\nrabbit_host = b\n')
    # Old oslo.config: the later file wins, even under the older group.
    values, _ = _oslo.effective(
        [(_RABBIT, LEGACY_RABBIT_OPTS)], [('file', first), ('file', second)]
    )
    assert values[('oslo_messaging_rabbit', 'rabbit_host')] == 'b'
    plan = migrate_files(messaging_catalog, [first, second])
    assert not [c for c in plan.all_changes() if c.kind == 'manual']
    assert 'rabbit' not in open(first).read()
    assert new_rabbit(second)[0] == [('b', 5672, 'guest', 'first-secret')]
    assert 'first-secret' not in plan.diff()
    again = migrate.Migrator(messaging_catalog, load_migrations()).plan(
        [first, second]
    )
    assert not again.changed


def test_rabbit_fold_keeps_comments_and_paragraphs(
    tmp_path, messaging_catalog
):
    path = write(
        tmp_path,
        'a.conf',
        """
        [DEFAULT]
        debug = true

        # broker
        rabbit_host = mq
        # credentials
        rabbit_userid = nova
        rabbit_password = pw

        # logging
        log_dir = /var/log/svc

        [oslo_messaging_rabbit]
        # Broker address
        rabbit_host = mq2

        heartbeat_rate = 2
        """,
    )
    migrate_files(messaging_catalog, [path])
    assert open(path).read() == (
        '[DEFAULT]\ndebug = true\n\n'
        '# broker\n# credentials\n# Broker address\n'
        'transport_url = rabbit://nova:pw@mq2:5672/\n\n'
        '# logging\nlog_dir = /var/log/svc\n\n'
        '[oslo_messaging_rabbit]\nheartbeat_rate = 2\n'
    )
