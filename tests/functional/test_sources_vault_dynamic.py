"""Dynamic database credentials: OpenBao's database secrets engine against
a private PostgreSQL. ``[database] connection`` is built from a template
and a leased credential; the lease is renewed while the service runs and a
new credential is rotated in through reload before the lease's max TTL,
while a client keeps querying with zero failed queries."""

# Session fixtures are imported and then requested by name.
# ruff: noqa: F811

import logging
import threading
import time
import urllib.parse
import uuid

import pg8000.dbapi
from oslo_config import cfg

from oslo_extras.config import sources
from oslo_extras.config.reload import Reloader
from tests.functional.servers.openbao import openbao  # noqa: F401
from tests.functional.servers.postgres import postgres  # noqa: F401

CREATION = [
    'CREATE ROLE "{{name}}" WITH LOGIN PASSWORD \'{{password}}\' '
    "VALID UNTIL '{{expiration}}';",
    'GRANT pg_read_all_data TO "{{name}}";',
]


def _engine(openbao, postgres, role, default_ttl, max_ttl):
    client = openbao.client()
    if 'database/' not in client.sys.list_mounted_secrets_engines()['data']:
        client.sys.enable_secrets_engine('database', path='database')
    client.secrets.database.configure(
        name='pg',
        plugin_name='postgresql-database-plugin',
        connection_url=(
            'postgresql://{{username}}:{{password}}@127.0.0.1:'
            f'{postgres.port}/postgres?sslmode=disable'
        ),
        username=postgres.superuser,
        password=postgres.password,
        allowed_roles=['*'],
    )
    client.secrets.database.create_role(
        name=role,
        db_name='pg',
        creation_statements=CREATION,
        default_ttl=default_ttl,
        max_ttl=max_ttl,
    )


def _conf(tmp_path, openbao, postgres, role):
    prefix = 'svc-' + uuid.uuid4().hex[:8]
    openbao.client().secrets.kv.v2.create_or_update_secret(
        f'{prefix}/database', {'max_pool_size': '3'}, mount_point='secret'
    )
    conf = cfg.ConfigOpts()
    conf.register_opts(
        [
            cfg.StrOpt('connection', secret=True, mutable=True),
            cfg.IntOpt('max_pool_size', default=5),
        ],
        group='database',
    )
    path = tmp_path / f'svc-{uuid.uuid4().hex[:6]}.conf'
    path.write_text(
        '[DEFAULT]\nconfig_source = vault\n'
        f'[vault]\ndriver = vault\nurl = {openbao.url}\n'
        f'token = {openbao.token}\npath_prefix = {prefix}\ntimeout = 2\n'
        f'dynamic_secrets = database.connection database/creds/{role} '
        'postgresql://{username}:{password}@127.0.0.1:'
        f'{postgres.port}/postgres\n'
    )
    conf(['--config-file', str(path)], default_config_files=[])
    return conf


def _connect(url):
    parts = urllib.parse.urlsplit(url)
    return pg8000.dbapi.connect(
        user=urllib.parse.unquote(parts.username),
        password=urllib.parse.unquote(parts.password),
        host=parts.hostname,
        port=parts.port,
        database=parts.path.lstrip('/'),
        timeout=5,
    )


def test_credentials_renewed_and_rotated_with_zero_failed_queries(
    tmp_path, openbao, postgres, caplog
):
    caplog.set_level(logging.DEBUG, 'oslo_extras.config.sources')
    role = 'nova-' + uuid.uuid4().hex[:6]
    _engine(openbao, postgres, role, default_ttl='3s', max_ttl='9s')
    conf = _conf(tmp_path, openbao, postgres, role)
    (source,) = sources.load(conf)
    first = conf.database.connection
    assert (
        first.startswith('postgresql://') and conf.database.max_pool_size == 3
    )

    reloader = Reloader(conf)
    reloader.enable_triggers(
        ['sources'], options={'sources': {'interval': 60}}
    )
    users, failures, queries = [], [], [0]
    stop = threading.Event()

    def query_forever():
        url, connection = None, None
        while not stop.is_set():
            try:
                current = conf.database.connection
                if current != url:
                    fresh = _connect(current)  # new credential first
                    if connection is not None:
                        connection.close()
                    url, connection = current, fresh
                    users.append(urllib.parse.urlsplit(url).username)
                cursor = connection.cursor()
                cursor.execute('SELECT 1')
                assert cursor.fetchone()[0] == 1
                queries[0] += 1
            except Exception as exc:
                failures.append(type(exc).__name__)
            time.sleep(0.02)
        if connection is not None:
            connection.close()

    client = threading.Thread(target=query_forever)
    client.start()
    try:
        time.sleep(14)  # > max TTL: renewals, then at least one rotation
    finally:
        stop.set()
        client.join(30)
        reloader.stop()
        source.close()

    assert failures == []
    assert queries[0] > 100
    assert len(set(users)) >= 2, users  # rotated in through reload
    assert conf.database.connection != first
    assert reloader.last_report.trigger == 'sources'
    # Renewed while the service ran (leases of 3 s, max 9 s), not only
    # replaced: the first credential was renewed before being rotated.
    log = caplog.text
    assert log.count('lease renewed') >= 2
    assert log.count('new credential from database/creds/') >= 2
    assert log.index('lease renewed') < log.index(
        'new credential from database/creds/', log.index('lease renewed')
    )
    for user in set(users):
        assert user not in log
