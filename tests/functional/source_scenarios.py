"""Scenarios of the secret source drivers against the real servers.

Each scenario is a function ``(tmp_path, servers, witness)`` that asserts
the behaviour it is about. ``test_sources_scenarios.py`` runs each one on
its own; ``test_sources_leaks.py`` runs all of them under one capture of
every log record, and scans what the :class:`Witness` collected (errors,
tracebacks, reprs, reload reports) for every secret and token the
scenarios used.
"""

from __future__ import annotations

import dataclasses
import os
import time
import traceback
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from oslo_config import cfg

from oslo_extras.config import sources
from oslo_extras.config.reload import Reloader

#: Secrets that must round-trip byte for byte (and never leak).
ODD_SECRETS = {
    'dollar_tail': 'Pw-\\$Tail-' + uuid.uuid4().hex[:6],
    'dollar_workers': 'Pw-\\$workers' + uuid.uuid4().hex[:6],
    'dollars': 'a$b${c}$$-' + uuid.uuid4().hex[:6],
    'backslashes': 'x\\\\$y\\' + uuid.uuid4().hex[:6],
    'percent_quotes': '100%(x)s"\'q' + uuid.uuid4().hex[:6],
    'unicode': 'ünï☃-' + uuid.uuid4().hex[:6],
    'newlines': 'line1\nline2-' + uuid.uuid4().hex[:6],
}


@dataclasses.dataclass
class Witness:
    """What a scenario showed: texts to scan, secrets to look for."""

    secrets: set[str] = dataclasses.field(default_factory=set)
    texts: list[str] = dataclasses.field(default_factory=list)

    def secret(self, value: str) -> str:
        """Remember ``value`` as a secret; return it."""
        self.secrets.add(value)
        return value

    def show(self, thing: Any) -> None:
        """Record what a person could see of ``thing``."""
        self.texts.append(str(thing))
        self.texts.append(repr(thing))
        if isinstance(thing, BaseException):
            self.texts.append(''.join(traceback.format_exception(thing)))

    def expect_error(self, func: Callable[[], Any], match: str) -> str:
        """Run ``func``; it must raise ``SourceError`` matching ``match``."""
        with pytest.raises(sources.SourceError, match=match) as info:
            func()
        self.show(info.value)
        return str(info.value)


def make_conf(tmp_path, source_conf: str) -> cfg.ConfigOpts:
    """A ConfigOpts with a few typical options and one source group."""
    conf = cfg.ConfigOpts()
    conf.register_opts(
        [
            cfg.StrOpt('password', secret=True, mutable=True),
            cfg.IntOpt('max_pool_size', default=5),
            cfg.DictOpt('extra', default={}, secret=True),
            cfg.StrOpt('connection', secret=True),
        ]
        + [cfg.StrOpt(name, secret=True) for name in ODD_SECRETS],
        group='database',
    )
    conf.register_opts([cfg.IntOpt('workers', default=4)])
    path = tmp_path / f'svc-{uuid.uuid4().hex[:6]}.conf'
    path.write_text('[DEFAULT]\nconfig_source = src\n[src]\n' + source_conf)
    conf(['--config-file', str(path)], default_config_files=[])
    return conf


def load(conf, witness: Witness) -> list[sources.RefreshableSource]:
    found = sources.load(conf)
    for source in found:
        witness.show(source.errors)
    return found


def refresh(conf, witness: Witness) -> sources.RefreshReport:
    report = sources.refresh_all(conf)
    witness.show(report)
    return report


def check_odd_values(conf, witness: Witness, dict_too: bool = True) -> None:
    for name, value in ODD_SECRETS.items():
        witness.secret(value)
        assert getattr(conf.database, name) == value, name
    if dict_too:
        assert conf.database.extra == {
            'k': ODD_SECRETS['dollar_tail'],
            'b': ODD_SECRETS['backslashes'],
        }


# -- vault (OpenBao) ---------------------------------------------------------


def _vault_prefix(bao, witness: Witness, **fields: Any) -> str:
    name = 'svc-' + uuid.uuid4().hex[:8]
    data = {'password': witness.secret('V-S3cret-' + uuid.uuid4().hex[:8])}
    data.update(fields)
    bao.client().secrets.kv.v2.create_or_update_secret(
        f'{name}/database', data, mount_point='secret'
    )
    return name


def _vault_conf(tmp_path, bao, witness: Witness, extra: str) -> Any:
    witness.secret(bao.token)
    return make_conf(
        tmp_path,
        f'driver = vault\nurl = {bao.url}\ntoken = {bao.token}\n'
        'retries = 1\nretry_backoff = 0.05\ntimeout = 2\n' + extra,
    )


def vault_round_trip(tmp_path, servers, witness):
    bao = servers.openbao
    prefix = _vault_prefix(
        bao,
        witness,
        extra={
            'k': ODD_SECRETS['dollar_tail'],
            'b': ODD_SECRETS['backslashes'],
        },
        **ODD_SECRETS,
    )
    conf = _vault_conf(tmp_path, bao, witness, f'path_prefix = {prefix}\n')
    load(conf, witness)
    check_odd_values(conf, witness)


def vault_prefix_and_mount_typos_fail_closed(tmp_path, servers, witness):
    bao = servers.openbao
    prefix = _vault_prefix(bao, witness)
    for extra in (
        f'path_prefix = {prefix}x\n',
        f'path_prefix = {prefix}\nmount_point = secrett\n',
    ):
        conf = _vault_conf(tmp_path, bao, witness, extra)
        witness.expect_error(lambda c=conf: load(c, witness), 'nothing')
        witness.expect_error(
            lambda c=conf: c.database.password, r'\[database\] password'
        )


def vault_groups_entry_missing_fails_closed(tmp_path, servers, witness):
    bao = servers.openbao
    prefix = _vault_prefix(bao, witness)
    conf = _vault_conf(
        tmp_path,
        bao,
        witness,
        f'path_prefix = {prefix}-typo\ngroups = database\n',
    )
    witness.expect_error(lambda: load(conf, witness), 'not found')
    witness.expect_error(lambda: conf.database.password, 'not found')


def vault_deleted_secret_keeps_last_good(tmp_path, servers, witness):
    bao = servers.openbao
    for on_error in ('fail', 'cached'):
        prefix = _vault_prefix(bao, witness)
        conf = _vault_conf(
            tmp_path,
            bao,
            witness,
            f'path_prefix = {prefix}\non_error = {on_error}\n',
        )
        load(conf, witness)
        before = conf.database.password
        bao.client().secrets.kv.v2.delete_metadata_and_all_versions(
            f'{prefix}/database', mount_point='secret'
        )
        report = refresh(conf, witness)
        assert not report.ok
        assert ('database', 'password') in [f[:2] for f in report.failed]
        assert conf.database.password == before


def vault_bad_int_fails_at_load(tmp_path, servers, witness):
    bao = servers.openbao
    bad = witness.secret('not-an-int-' + uuid.uuid4().hex[:6])
    prefix = _vault_prefix(bao, witness, max_pool_size=bad)
    conf = _vault_conf(tmp_path, bao, witness, f'path_prefix = {prefix}\n')
    message = witness.expect_error(
        lambda: load(conf, witness), r'\[database\] max_pool_size'
    )
    assert bad not in message


def vault_bad_values_never_leak_in_any_quoting(tmp_path, servers, witness):
    """oslo.config's types quote a bad value with repr() (escaped newline
    and backslash) or strip it first: no form of it may show."""
    bao = servers.openbao
    for bad in (
        ' stripped-' + uuid.uuid4().hex[:6] + '\n',
        'back\\slash-' + uuid.uuid4().hex[:6],
        'new\nline-' + uuid.uuid4().hex[:6],
    ):
        witness.secret(bad)
        prefix = _vault_prefix(bao, witness, max_pool_size=bad)
        conf = _vault_conf(tmp_path, bao, witness, f'path_prefix = {prefix}\n')
        message = witness.expect_error(
            lambda c=conf: load(c, witness), r'\[database\] max_pool_size'
        )
        for form in (bad, bad.strip(), repr(bad)[1:-1]):
            assert form not in message


def vault_soft_deleted_secret_fails_at_load(tmp_path, servers, witness):
    """``bao kv delete`` (KV v2) keeps the metadata, so the secret is still
    listed: a service started after it must not serve the default."""
    bao = servers.openbao
    prefix = _vault_prefix(bao, witness)
    bao.client().secrets.kv.v2.create_or_update_secret(
        f'{prefix}/DEFAULT', {'workers': 7}, mount_point='secret'
    )
    bao.client().secrets.kv.v2.delete_latest_version_of_secret(
        f'{prefix}/database', mount_point='secret'
    )
    conf = _vault_conf(tmp_path, bao, witness, f'path_prefix = {prefix}\n')
    witness.expect_error(lambda: load(conf, witness), 'deleted')
    witness.expect_error(lambda: conf.database.password, 'deleted')
    assert conf.workers == 7


def vault_null_field_fails_closed(tmp_path, servers, witness):
    """A JSON null (written through the API, Terraform...) is no value: it
    must not become the string ``'None'``."""
    bao = servers.openbao
    prefix = _vault_prefix(bao, witness, connection=None)
    conf = _vault_conf(tmp_path, bao, witness, f'path_prefix = {prefix}\n')
    witness.expect_error(lambda: load(conf, witness), 'null')
    witness.expect_error(lambda: conf.database.connection, 'null')


def vault_bad_value_at_refresh_keeps_last_good(tmp_path, servers, witness):
    """A rotation that writes a non-integer: refresh refuses it as load
    does, and readers keep the last good value."""
    bao = servers.openbao
    prefix = _vault_prefix(bao, witness, max_pool_size='9')
    conf = _vault_conf(tmp_path, bao, witness, f'path_prefix = {prefix}\n')
    load(conf, witness)
    bad = witness.secret('\tnine-' + uuid.uuid4().hex[:6])
    bao.client().secrets.kv.v2.patch(
        f'{prefix}/database', {'max_pool_size': bad}, mount_point='secret'
    )
    report = refresh(conf, witness)
    assert [f[:2] for f in report.failed] == [('database', 'max_pool_size')]
    assert 'not a valid Integer' in report.failed[0][2]
    assert conf.database.max_pool_size == 9


def vault_token_renewed_without_refresh(tmp_path, servers, witness):
    bao = servers.openbao
    prefix = _vault_prefix(bao, witness)
    admin = bao.client()
    token = witness.secret(
        admin.auth.token.create(
            policies=['root'], ttl='3s', explicit_max_ttl='1h', renewable=True
        )['auth']['client_token']
    )
    conf = make_conf(
        tmp_path,
        f'driver = vault\nurl = {bao.url}\ntoken = {token}\n'
        f'path_prefix = {prefix}\ntimeout = 2\n',
    )
    (source,) = load(conf, witness)
    assert source.refresh_due_in() <= 1.5  # half the token's TTL
    try:
        time.sleep(4.5)  # past the 3 s TTL, and no refresh() in between
        data = admin.auth.token.lookup(token)['data']
        assert data['ttl'] > 0
        assert refresh(conf, witness).ok
    finally:
        source.close()


def vault_approle_logs_in_again_without_refresh(tmp_path, servers, witness):
    bao = servers.openbao
    prefix = _vault_prefix(bao, witness)
    client = bao.client()
    witness.secret(bao.token)
    if 'approle/' not in client.sys.list_auth_methods()['data']:
        client.sys.enable_auth_method('approle')
    client.sys.create_or_update_policy(
        'read-svc', 'path "secret/*" { capabilities = ["read", "list"] }'
    )
    role = 'r' + uuid.uuid4().hex[:6]
    client.auth.approle.create_or_update_approle(
        role, token_policies=['read-svc'], token_ttl='2s', token_max_ttl='2s'
    )
    role_id = client.auth.approle.read_role_id(role)['data']['role_id']
    secret_id = witness.secret(
        client.auth.approle.generate_secret_id(role)['data']['secret_id']
    )
    conf = make_conf(
        tmp_path,
        f'driver = vault\nurl = {bao.url}\nauth_method = approle\n'
        f'role_id = {role_id}\nsecret_id = {secret_id}\n'
        f'path_prefix = {prefix}\ntimeout = 2\n',
    )
    (source,) = load(conf, witness)
    try:
        first = witness.secret(source.client.token)
        time.sleep(3.0)  # the first token is gone; no refresh() called
        assert source.client.token != first
        witness.secret(source.client.token)
        # Raises Forbidden unless the token in use is valid.
        source.client.auth.token.lookup_self()
        assert refresh(conf, witness).ok
    finally:
        source.close()


def _read_policy(client) -> None:
    client.sys.create_or_update_policy(
        'read-svc', 'path "secret/*" { capabilities = ["read", "list"] }'
    )


def _enable_auth(client, method: str) -> None:
    if f'{method}/' not in client.sys.list_auth_methods()['data']:
        client.sys.enable_auth_method(method)


def _sign_jwt(private_key, claims: dict) -> str:
    """An RS256 JWT signed with ``private_key`` (cryptography)."""
    import base64
    import json

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b'=').decode()

    header = b64(json.dumps({'alg': 'RS256', 'typ': 'JWT'}).encode())
    body = b64(json.dumps(claims).encode())
    signature = private_key.sign(
        f'{header}.{body}'.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    return f'{header}.{body}.{b64(signature)}'


def vault_jwt_auth(tmp_path, servers, witness):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    bao = servers.openbao
    prefix = _vault_prefix(bao, witness)
    client = bao.client()
    witness.secret(bao.token)
    _read_policy(client)
    _enable_auth(client, 'jwt')
    key = rsa.generate_private_key(65537, 2048)
    public_pem = (
        key.public_key()
        .public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        .decode()
    )
    client.auth.jwt.configure(
        jwt_validation_pubkeys=[public_pem],
        bound_issuer='https://issuer.oslo-extras.test',
        path='jwt',
    )
    client.auth.jwt.create_role(
        name='nova',
        user_claim='sub',
        allowed_redirect_uris=[],
        role_type='jwt',
        bound_audiences=['openbao'],
        token_policies=['read-svc'],
        token_ttl='60s',
        path='jwt',
    )
    now = int(time.time())
    token = witness.secret(
        _sign_jwt(
            key,
            {
                'iss': 'https://issuer.oslo-extras.test',
                'sub': 'nova-api',
                'aud': 'openbao',
                'iat': now,
                'nbf': now - 5,
                'exp': now + 600,
            },
        )
    )
    jwt_file = tmp_path / 'jwt'
    jwt_file.write_text(token + '\n')
    conf = make_conf(
        tmp_path,
        f'driver = vault\nurl = {bao.url}\nauth_method = jwt\nrole = nova\n'
        f'jwt_file = {jwt_file}\npath_prefix = {prefix}\ntimeout = 2\n',
    )
    (source,) = load(conf, witness)
    try:
        witness.secret(source.client.token)
        assert conf.database.password.startswith('V-S3cret-')
        # A JWT signed by another key is refused: fail closed.
        other = rsa.generate_private_key(65537, 2048)
        jwt_file.write_text(witness.secret(_sign_jwt(other, {'sub': 'x'})))
        bad = make_conf(
            tmp_path,
            f'driver = vault\nurl = {bao.url}\nauth_method = jwt\n'
            f'role = nova\njwt_file = {jwt_file}\npath_prefix = {prefix}\n'
            'timeout = 2\nretries = 0\n',
        )
        witness.expect_error(lambda: load(bad, witness), r'\[src\]')
        for found in sources.find_sources(bad):
            found.close()
    finally:
        source.close()


def vault_tls_cert_auth(tmp_path, servers, witness):
    from tests.functional.servers._certs import make_tls_files

    bao = servers.openbao_tls
    witness.secret(bao.token)
    prefix = _vault_prefix(bao, witness)
    client = bao.client()
    _read_policy(client)
    _enable_auth(client, 'cert')
    files = make_tls_files(str(tmp_path), client_name='nova-host')
    with open(files.ca) as stream:
        client.auth.cert.create_ca_certificate_role(
            name='nova-host',
            certificate=stream.read(),
            token_policies=['read-svc'],
            token_ttl=60,
            mount_point='cert',
        )
    base_conf = (
        f'driver = vault\nurl = {bao.url}\nca_file = {bao.ca_file}\n'
        f'path_prefix = {prefix}\ntimeout = 2\nretries = 0\n'
    )
    conf = make_conf(
        tmp_path,
        base_conf + 'auth_method = cert\nrole = nova-host\n'
        f'client_cert_file = {files.client_cert}\n'
        f'client_key_file = {files.client_key}\n',
    )
    (source,) = load(conf, witness)
    try:
        witness.secret(source.client.token)
        assert conf.database.password.startswith('V-S3cret-')
    finally:
        source.close()
    # A client certificate from another CA is refused: fail closed.
    (tmp_path / 'other').mkdir()
    other = make_tls_files(str(tmp_path / 'other'), client_name='nova-host')
    conf = make_conf(
        tmp_path,
        base_conf + 'auth_method = cert\nrole = nova-host\n'
        f'client_cert_file = {other.client_cert}\n'
        f'client_key_file = {other.client_key}\n',
    )
    witness.expect_error(lambda: load(conf, witness), r'\[src\]')
    for found in sources.find_sources(conf):
        found.close()


def vault_wrapped_secret_id(tmp_path, servers, witness):
    bao = servers.openbao
    prefix = _vault_prefix(bao, witness)
    client = bao.client()
    witness.secret(bao.token)
    _read_policy(client)
    _enable_auth(client, 'approle')
    role = 'w' + uuid.uuid4().hex[:6]
    client.auth.approle.create_or_update_approle(
        role, token_policies=['read-svc'], token_ttl='60s'
    )
    role_id = client.auth.approle.read_role_id(role)['data']['role_id']
    wrapped = client.auth.approle.generate_secret_id(role, wrap_ttl='120s')
    wrapping_token = witness.secret(wrapped['wrap_info']['token'])
    id_file = tmp_path / 'wrapped-secret-id'
    id_file.write_text(wrapping_token + '\n')
    conf = make_conf(
        tmp_path,
        f'driver = vault\nurl = {bao.url}\nauth_method = approle\n'
        f'role_id = {role_id}\nsecret_id_file = {id_file}\n'
        f'secret_id_wrapped = true\npath_prefix = {prefix}\ntimeout = 2\n',
    )
    (source,) = load(conf, witness)
    try:
        for credential in source.sensitive:
            witness.secret(credential)
        assert conf.database.password.startswith('V-S3cret-')
        # Revoked token: a new login with the unwrapped id, no new unwrap.
        client.auth.token.revoke(source.client.token)
        assert refresh(conf, witness).ok
        witness.secret(source.client.token)
    finally:
        source.close()
    # The wrapping token was used once: a second service cannot reuse it.
    again = make_conf(
        tmp_path,
        f'driver = vault\nurl = {bao.url}\nauth_method = approle\n'
        f'role_id = {role_id}\nsecret_id_file = {id_file}\n'
        f'secret_id_wrapped = true\npath_prefix = {prefix}\ntimeout = 2\n'
        'retries = 0\n',
    )
    witness.expect_error(lambda: load(again, witness), r'\[src\]')
    for found in sources.find_sources(again):
        found.close()


def vault_dynamic_database_credential(tmp_path, servers, witness):
    import urllib.parse

    from tests.functional import dynamic_db as dynamic

    bao, pg = servers.openbao, servers.postgres
    witness.secret(bao.token)
    witness.secret(pg.password)
    role = 'leak-' + uuid.uuid4().hex[:6]
    dynamic._engine(bao, pg, role, default_ttl='30s', max_ttl='60s')
    conf = dynamic._conf(tmp_path, bao, pg, role)
    (source,) = load(conf, witness)
    try:
        url = witness.secret(conf.database.connection)
        parts = urllib.parse.urlsplit(url)
        witness.secret(urllib.parse.unquote(parts.password))
        connection = dynamic._connect(url)
        cursor = connection.cursor()
        cursor.execute('SELECT 1')
        assert cursor.fetchone()[0] == 1
        connection.close()
        assert refresh(conf, witness).ok
        witness.show(source.errors)
    finally:
        source.close()


# -- etcd ---------------------------------------------------------------------


def _etcd_prefix(server, witness: Witness, values: dict[str, str]) -> str:
    prefix = '/openstack/svc-' + uuid.uuid4().hex[:8]
    client = server.client()
    client.put(
        f'{prefix}/database/password',
        witness.secret('E-S3cret-' + uuid.uuid4().hex[:8]),
    )
    for key, value in values.items():
        # etcd3gw encodes a str value as latin-1: give it UTF-8 bytes.
        client.put(f'{prefix}/{key}', value.encode('utf-8'))
    return prefix


def _etcd_conf(tmp_path, server, prefix: str, extra: str = '') -> Any:
    return make_conf(
        tmp_path,
        f'driver = etcd\nhost = 127.0.0.1\nport = {server.port}\n'
        f'prefix = {prefix}\nretries = 1\nretry_backoff = 0.05\n'
        'timeout = 2\n' + extra,
    )


def etcd_round_trip(tmp_path, servers, witness):
    values = {f'database/{name}': v for name, v in ODD_SECRETS.items()}
    # A dict option from etcd is its text form, parsed by oslo.config.
    values['database/extra'] = (
        f'k:{ODD_SECRETS["dollar_tail"]},b:{ODD_SECRETS["backslashes"]}'
    )
    prefix = _etcd_prefix(servers.etcd, witness, values)
    conf = _etcd_conf(tmp_path, servers.etcd, prefix)
    load(conf, witness)
    check_odd_values(conf, witness)


def etcd_prefix_typo_and_groups_fail_closed(tmp_path, servers, witness):
    prefix = _etcd_prefix(servers.etcd, witness, {})
    conf = _etcd_conf(tmp_path, servers.etcd, prefix + 'x')
    witness.expect_error(lambda: load(conf, witness), 'nothing')
    witness.expect_error(lambda: conf.database.password, 'nothing')
    conf = _etcd_conf(
        tmp_path, servers.etcd, prefix, 'groups = database, keystone\n'
    )
    witness.expect_error(lambda: load(conf, witness), 'no key under')


def etcd_deleted_key_keeps_last_good(tmp_path, servers, witness):
    prefix = _etcd_prefix(servers.etcd, witness, {'DEFAULT/workers': '3'})
    conf = _etcd_conf(tmp_path, servers.etcd, prefix)
    load(conf, witness)
    before = conf.database.password
    servers.etcd.client().delete(f'{prefix}/database/password')
    report = refresh(conf, witness)
    assert [f[:2] for f in report.failed] == [('database', 'password')]
    assert conf.database.password == before
    # The whole prefix deleted: still nothing lost.
    servers.etcd.client().delete_prefix(prefix + '/')
    report = refresh(conf, witness)
    assert not report.ok
    assert conf.database.password == before and conf.workers == 3


def etcd_bad_int_fails_at_load(tmp_path, servers, witness):
    bad = witness.secret('no-int-' + uuid.uuid4().hex[:6])
    prefix = _etcd_prefix(
        servers.etcd, witness, {'database/max_pool_size': bad}
    )
    conf = _etcd_conf(tmp_path, servers.etcd, prefix)
    message = witness.expect_error(
        lambda: load(conf, witness), r'\[database\] max_pool_size'
    )
    assert bad not in message


def etcd_upper_case_group_keys(tmp_path, servers, witness):
    prefix = '/openstack/svc-' + uuid.uuid4().hex[:8]
    secret = witness.secret('Upper-' + uuid.uuid4().hex[:8])
    client = servers.etcd.client()
    client.put(f'{prefix}/Database/password', secret)
    client.put(f'{prefix}/default/workers', '9')
    conf = _etcd_conf(tmp_path, servers.etcd, prefix)
    load(conf, witness)
    assert (conf.database.password, conf.workers) == (secret, 9)


def etcd_user_password_auth(tmp_path, servers, witness):
    server = servers.etcd_auth
    prefix = _etcd_prefix(server, witness, {})
    for user in ('root', 'nova'):
        witness.secret(server.passwords[user])
    good = (
        f'username = nova\npassword = {server.passwords["nova"]}\n'
        'api_path = /v3/\n'
    )
    conf = _etcd_conf(tmp_path, server, prefix, good)
    (source,) = load(conf, witness)
    assert conf.database.password.startswith('E-S3cret-')
    for token in source.sensitive:
        witness.secret(token)
    wrong = witness.secret('wrong-' + uuid.uuid4().hex)
    conf = _etcd_conf(
        tmp_path, server, prefix, f'username = nova\npassword = {wrong}\n'
    )
    witness.expect_error(lambda: load(conf, witness), 'authentication failed')
    conf = _etcd_conf(tmp_path, server, prefix, 'api_path = /v3/\n')
    witness.expect_error(lambda: load(conf, witness), r'\[src\]')


def etcd_client_certificate_auth(tmp_path, servers, witness):
    server = servers.etcd_tls
    prefix = _etcd_prefix(server, witness, {})
    tls = server.tls
    base_conf = (
        f'driver = etcd\nendpoints = https://127.0.0.1:{server.port}\n'
        f'prefix = {prefix}\nretries = 0\ntimeout = 2\nca_file = {tls.ca}\n'
    )
    conf = make_conf(
        tmp_path,
        base_conf
        + f'cert_file = {tls.client_cert}\nkey_file = {tls.client_key}\n',
    )
    load(conf, witness)
    assert conf.database.password.startswith('E-S3cret-')
    conf = make_conf(tmp_path, base_conf)  # no client certificate
    witness.expect_error(lambda: load(conf, witness), r'\[src\]')


def etcd_endpoints_fail_over(tmp_path, servers, witness):
    from tests.functional.servers._process import free_port

    prefix = _etcd_prefix(servers.etcd, witness, {})
    dead = free_port()
    conf = make_conf(
        tmp_path,
        f'driver = etcd\nendpoints = 127.0.0.1:{dead}, '
        f'127.0.0.1:{servers.etcd.port}\nprefix = {prefix}\nretries = 0\n'
        'timeout = 2\n',
    )
    (source,) = load(conf, witness)
    assert conf.database.password.startswith('E-S3cret-')
    assert source.client.port == servers.etcd.port


def etcd_watch_applies_a_write(tmp_path, servers, witness):
    prefix = _etcd_prefix(servers.etcd, witness, {})
    conf = _etcd_conf(tmp_path, servers.etcd, prefix)
    load(conf, witness)
    reloader = Reloader(conf)
    reloader.enable_triggers(
        ['sources'], options={'sources': {'interval': 3600}}
    )
    try:
        time.sleep(0.3)  # the watch is being set up
        new = witness.secret('Pushed-' + uuid.uuid4().hex[:8])
        started = time.monotonic()
        servers.etcd.client().put(f'{prefix}/database/password', new)
        while conf.database.password != new and time.monotonic() - started < 5:
            time.sleep(0.01)
        assert conf.database.password == new
        assert time.monotonic() - started < 1.0
        witness.show(reloader.last_report)
        witness.texts.append(reloader.last_report.as_text())
    finally:
        reloader.stop()


def cli_config_check_on_source_groups(tmp_path, servers, witness):
    """oslo-config-check on a config whose source groups hold credentials
    (and a mistyped one): its output names problems, never the values."""
    import subprocess
    import sys

    token = witness.secret('hvs.CliTok3n-' + uuid.uuid4().hex[:8])
    password = witness.secret('Etcd-CliPw-' + uuid.uuid4().hex[:8])
    typo = witness.secret('Typo-Secr3t-' + uuid.uuid4().hex[:8])
    path = tmp_path / 'cli.conf'
    path.write_text(
        '[DEFAULT]\nconfig_source = vault, etcd\n\n'
        f'[vault]\ndriver = vault\ntoken = {token}\ntimeout = soon\n\n'
        f'[etcd]\ndriver = etcd\npassword = {password}\npasword = {typo}\n'
    )
    script = os.path.join(os.path.dirname(sys.executable), 'oslo-config-check')
    for fmt in ('text', 'json'):
        done = subprocess.run(
            [
                script,
                '--config-file',
                str(path),
                '--namespace',
                'oslo.config',
                '--format',
                fmt,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        witness.texts += [done.stdout, done.stderr]
        assert done.returncode == 1, done.stdout + done.stderr
        assert 'pasword' in done.stdout + done.stderr


SCENARIOS = [
    vault_round_trip,
    vault_prefix_and_mount_typos_fail_closed,
    vault_groups_entry_missing_fails_closed,
    vault_deleted_secret_keeps_last_good,
    vault_bad_int_fails_at_load,
    vault_bad_values_never_leak_in_any_quoting,
    vault_soft_deleted_secret_fails_at_load,
    vault_null_field_fails_closed,
    vault_bad_value_at_refresh_keeps_last_good,
    vault_token_renewed_without_refresh,
    vault_approle_logs_in_again_without_refresh,
    vault_jwt_auth,
    vault_tls_cert_auth,
    vault_wrapped_secret_id,
    vault_dynamic_database_credential,
    etcd_round_trip,
    etcd_prefix_typo_and_groups_fail_closed,
    etcd_deleted_key_keeps_last_good,
    etcd_bad_int_fails_at_load,
    etcd_upper_case_group_keys,
    etcd_user_password_auth,
    etcd_client_certificate_auth,
    etcd_endpoints_fail_over,
    etcd_watch_applies_a_write,
    cli_config_check_on_source_groups,
]
