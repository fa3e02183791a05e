"""OpenBao's database secrets engine on the test PostgreSQL, a service
config using it through ``dynamic_secrets``, and a client connection."""

import urllib.parse
import uuid

import pg8000.dbapi
from oslo_config import cfg

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
