"""The vault driver against a real OpenBao dev server."""

# Session fixtures are imported and then requested by name.
# ruff: noqa: F811

import contextlib
import logging
import time
import uuid

import pytest
import requests
from oslo_config import cfg

from oslo_extras.config import sources
from tests.functional.servers.openbao import OpenBao
from tests.functional.servers.openbao import openbao  # noqa: F401
from tests.functional.servers.openbao import openbao_tls  # noqa: F401

SECRET = 'Vault-S3cret-' + uuid.uuid4().hex[:8]


@contextlib.contextmanager
def count_requests():
    """Count the HTTP requests made through requests in the block."""
    sent = []
    original = requests.adapters.HTTPAdapter.send

    def send(self, request, *args, **kwargs):
        sent.append(request.url)
        return original(self, request, *args, **kwargs)

    requests.adapters.HTTPAdapter.send = send
    try:
        yield sent
    finally:
        requests.adapters.HTTPAdapter.send = original


def _opts():
    return [
        cfg.StrOpt('password', secret=True),
        cfg.IntOpt('max_pool_size', default=5),
        cfg.BoolOpt('debug_sql', default=False),
        cfg.StrOpt(
            'connection',
            secret=True,
            deprecated_opts=[cfg.DeprecatedOpt('sql_connection')],
        ),
    ]


def _conf(tmp_path, openbao_server, extra, opts=None):
    conf = cfg.ConfigOpts()
    conf.register_opts(opts or _opts(), group='database')
    conf.register_opts(
        [cfg.StrOpt('admin_password', secret=True)], group='keystone'
    )
    path = tmp_path / f'svc-{uuid.uuid4().hex[:6]}.conf'
    path.write_text(
        '[DEFAULT]\nconfig_source = vault\n'
        f'[vault]\ndriver = vault\nurl = {openbao_server.url}\n'
        'retries = 1\nretry_backoff = 0.05\ntimeout = 2\n' + extra
    )
    conf(['--config-file', str(path)])
    return conf


@pytest.fixture
def prefix(openbao):
    """A fresh path prefix with database and keystone secrets (KV v2)."""
    name = 'svc-' + uuid.uuid4().hex[:8]
    kv = openbao.client().secrets.kv.v2
    kv.create_or_update_secret(
        f'{name}/database',
        {
            'password': SECRET,
            'max_pool_size': '17',
            'debug_sql': 'true',
            'sql_connection': 'mysql+pymysql://db/nova',
        },
        mount_point='secret',
    )
    kv.create_or_update_secret(
        f'{name}/keystone',
        {'admin_password': 'ks-' + SECRET},
        mount_point='secret',
    )
    return name


def _token_conf(openbao, extra=''):
    return f'token = {openbao.token}\n' + extra


def test_kv2_values_typed_by_option_in_a_few_requests(
    tmp_path,
    openbao,
    prefix,
    caplog,
):
    caplog.set_level(logging.DEBUG)
    with count_requests() as sent:
        conf = _conf(
            tmp_path,
            openbao,
            _token_conf(openbao, f'path_prefix = {prefix}\n'),
        )
        sources.load(conf)
        assert conf.database.password == SECRET
        assert conf.database.max_pool_size == 17
        assert conf.database.debug_sql is True
        assert conf.database.connection == 'mysql+pymysql://db/nova'
        assert conf.keystone.admin_password == 'ks-' + SECRET
    # token lookup + LIST + one read per group.
    assert len(sent) == 4, sent
    loc = conf.get_location('password', 'database')
    assert loc.detail == f'vault:secret/{prefix}/database#password'
    assert any(r.name.startswith('urllib3') for r in caplog.records)
    assert SECRET not in caplog.text
    assert openbao.token not in caplog.text


def test_kv1_with_explicit_mapping(tmp_path, openbao):
    client = openbao.client()
    mount = 'kv1-' + uuid.uuid4().hex[:6]
    client.sys.enable_secrets_engine('kv', path=mount, options={'version': 1})
    client.secrets.kv.v1.create_or_update_secret(
        'shared/db', {'nova_pw': SECRET, 'pool': '9'}, mount_point=mount
    )
    conf = _conf(
        tmp_path,
        openbao,
        _token_conf(openbao)
        + f'kv_version = 1\nmount_point = {mount}\ngroups = \n'
        'mapping = database.password:shared/db#nova_pw,'
        'database.max_pool_size:shared/db#pool\n',
    )
    sources.load(conf)
    assert conf.database.password == SECRET
    assert conf.database.max_pool_size == 9


def test_approle_login_and_relogin_after_token_expiry(
    tmp_path,
    openbao,
    prefix,
):
    client = openbao.client()
    if 'approle/' not in client.sys.list_auth_methods()['data']:
        client.sys.enable_auth_method('approle')
    client.sys.create_or_update_policy(
        'read-svc',
        'path "secret/*" { capabilities = ["read", "list"] }',
    )
    role = 'r' + uuid.uuid4().hex[:6]
    client.auth.approle.create_or_update_approle(
        role,
        token_policies=['read-svc'],
        token_ttl='2s',
        token_max_ttl='2s',
    )
    role_id = client.auth.approle.read_role_id(role)['data']['role_id']
    secret_id = client.auth.approle.generate_secret_id(role)['data'][
        'secret_id'
    ]
    id_file = tmp_path / 'secret-id'
    id_file.write_text(secret_id + '\n')
    conf = _conf(
        tmp_path,
        openbao,
        f'auth_method = approle\nrole_id = {role_id}\n'
        f'secret_id_file = {id_file}\npath_prefix = {prefix}\n',
    )
    sources.load(conf)
    assert conf.database.password == SECRET

    time.sleep(2.5)  # the AppRole token is gone now
    client.secrets.kv.v2.patch(
        f'{prefix}/database', {'password': 'rotated'}, mount_point='secret'
    )
    report = sources.find_sources(conf)[0].refresh()

    assert report.ok, report.failed
    assert report.changed == [('database', 'password')]
    assert conf.database.password == 'rotated'


def test_expired_token_refresh_keeps_last_good_value(
    tmp_path,
    openbao,
    prefix,
    caplog,
):
    token = openbao.client().auth.token.create(
        policies=['root'], ttl='2s', renewable=False
    )['auth']['client_token']
    conf = _conf(
        tmp_path, openbao, f'token = {token}\npath_prefix = {prefix}\n'
    )
    sources.load(conf)
    assert conf.database.password == SECRET

    time.sleep(2.5)
    caplog.set_level(logging.DEBUG)
    report = sources.find_sources(conf)[0].refresh()

    assert not report.ok
    assert ('database', 'password') in [f[:2] for f in report.failed]
    assert 'permission denied' in report.failed[0][2]
    assert conf.database.password == SECRET
    assert SECRET not in caplog.text
    assert token not in caplog.text


def test_renewable_token_is_renewed(tmp_path, openbao, prefix):
    token = openbao.client().auth.token.create(
        policies=['root'], ttl='3s', explicit_max_ttl='1h', renewable=True
    )['auth']['client_token']
    conf = _conf(
        tmp_path, openbao, f'token = {token}\npath_prefix = {prefix}\n'
    )
    sources.load(conf)
    (source,) = sources.find_sources(conf)
    for _ in range(4):  # 4.8 s > the 3 s TTL: only renewal keeps it alive
        time.sleep(1.2)
        assert source.refresh().ok


def test_rotated_secret_seen_after_refresh(
    tmp_path,
    openbao,
    prefix,
):
    conf = _conf(
        tmp_path, openbao, _token_conf(openbao, f'path_prefix = {prefix}\n')
    )
    assert conf.database.password == SECRET
    openbao.client().secrets.kv.v2.patch(
        f'{prefix}/database', {'password': 'new-one'}, mount_point='secret'
    )
    report = sources.refresh_all(conf)
    assert report.changed == [('database', 'password')]
    assert conf.database.password == 'new-one'


def test_missing_mapped_secret_fails_closed(
    tmp_path,
    openbao,
    prefix,
    caplog,
):
    conf = _conf(
        tmp_path,
        openbao,
        _token_conf(openbao, f'path_prefix = {prefix}\n')
        + f'mapping = database.connection:{prefix}/nope#x\n',
    )
    with pytest.raises(sources.SourceError) as err:
        sources.load(conf)
    assert '[database] connection' in str(err.value)
    assert 'not found' in str(err.value)
    assert SECRET not in caplog.text + str(err.value)


def test_backend_down_at_start_fails_closed(tmp_path, caplog):
    dead = cfg.ConfigOpts()
    dead.register_opts(_opts(), group='database')
    path = tmp_path / 'svc.conf'
    path.write_text(
        '[DEFAULT]\nconfig_source = vault\n[vault]\ndriver = vault\n'
        'url = http://127.0.0.1:9\ntoken = t-' + SECRET + '\n'
        'retries = 2\nretry_backoff = 0.01\ntimeout = 0.5\n'
    )
    dead(['--config-file', str(path)])

    with pytest.raises(sources.SourceError) as err:
        sources.load(dead)
    assert 'connection failed' in str(err.value)
    assert '[vault]' in str(err.value)
    with pytest.raises(sources.SourceError):
        _ = dead.database.password
    assert dead.database.max_pool_size == 5
    assert SECRET not in caplog.text + str(err.value)


def test_type_error_names_option_not_value(
    tmp_path,
    openbao,
    prefix,
):
    openbao.client().secrets.kv.v2.patch(
        f'{prefix}/database',
        {'max_pool_size': SECRET},
        mount_point='secret',
    )
    conf = _conf(
        tmp_path, openbao, _token_conf(openbao, f'path_prefix = {prefix}\n')
    )
    with pytest.raises(sources.SourceError) as err:
        _ = conf.database.max_pool_size
    assert '[database] max_pool_size' in str(err.value)
    assert SECRET not in str(err.value)


def test_server_down_during_refresh_keeps_last_good(tmp_path, caplog):
    own = OpenBao().start()  # a server of its own, to stop mid-test
    try:
        own.client().secrets.kv.v2.create_or_update_secret(
            'svc/database', {'password': SECRET}, mount_point='secret'
        )
        conf = _conf(
            tmp_path, own, f'token = {own.token}\npath_prefix = svc\n'
        )
        sources.load(conf)
        assert conf.database.password == SECRET
    finally:
        own.stop()
    caplog.set_level(logging.DEBUG)

    report = sources.refresh_all(conf)

    assert not report.ok
    assert report.failed == [
        ('database', 'password', f'{own.url}: connection failed')
    ]
    assert report.changed == []
    assert conf.database.password == SECRET
    assert SECRET not in caplog.text
    assert own.token not in caplog.text


def test_tls_verified_with_ca_file_and_refused_without(tmp_path, openbao_tls):
    openbao_tls.client().secrets.kv.v2.create_or_update_secret(
        'svc/database', {'password': SECRET}, mount_point='secret'
    )
    base = f'token = {openbao_tls.token}\npath_prefix = svc\n'
    conf = _conf(
        tmp_path, openbao_tls, base + f'ca_file = {openbao_tls.ca_file}\n'
    )
    sources.load(conf)
    assert conf.database.password == SECRET

    # verify_tls is on by default: the system CAs do not know this server.
    unverified = _conf(tmp_path, openbao_tls, base)
    with pytest.raises(sources.SourceError) as err:
        sources.load(unverified)
    assert 'TLS verification failed' in str(err.value)


def test_namespace(tmp_path, openbao):
    namespace = 'ns' + uuid.uuid4().hex[:6]
    openbao.client().sys.create_namespace(namespace)
    inside = openbao.client(namespace=namespace)
    inside.sys.enable_secrets_engine(
        'kv', path='secret', options={'version': 2}
    )
    inside.secrets.kv.v2.create_or_update_secret(
        'svc/database', {'password': 'in-' + namespace}, mount_point='secret'
    )
    conf = _conf(
        tmp_path,
        openbao,
        f'token = {openbao.token}\npath_prefix = svc\n'
        f'namespace = {namespace}\n',
    )
    sources.load(conf)
    assert conf.database.password == 'in-' + namespace
