"""The key_manager driver: castellan's Barbican backend behind Keystone."""

# Session fixtures are imported and then requested by name.
# ruff: noqa: F811

import logging
import uuid

import pytest
import requests
from oslo_config import cfg

from oslo_extras.config import sources
from tests.functional.servers.barbican import barbican  # noqa: F401
from tests.functional.servers.keystone import keystone  # noqa: F401
from tests.functional.servers.openbao import openbao  # noqa: F401
from tests.functional.test_sources_vault import count_requests

SECRET = 'Barbican-S3cret-' + uuid.uuid4().hex[:8]


def _token(ks):
    response = requests.post(
        ks.url + '/auth/tokens',
        json={
            'auth': {
                'identity': {
                    'methods': ['password'],
                    'password': {
                        'user': {
                            'name': 'admin',
                            'domain': {'id': 'default'},
                            'password': ks.admin_password,
                        }
                    },
                },
                'scope': {
                    'project': {'name': 'admin', 'domain': {'id': 'default'}}
                },
            }
        },
        timeout=10,
    )
    response.raise_for_status()
    return response.headers['X-Subject-Token']


def _store(bb, ks, payload):
    response = requests.post(
        bb.url + '/v1/secrets',
        headers={'X-Auth-Token': _token(ks)},
        json={'payload': payload, 'payload_content_type': 'text/plain'},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()['secret_ref'].rpartition('/')[2]


def _castellan_conf(tmp_path, bb, ks, password=None):
    path = tmp_path / f'castellan-{uuid.uuid4().hex[:6]}.conf'
    path.write_text(
        '[key_manager]\nbackend = barbican\nauth_type = keystone_password\n'
        f'auth_url = {ks.url}\nusername = admin\n'
        f'password = {password or ks.admin_password}\n'
        'user_domain_id = default\nproject_name = admin\n'
        'project_domain_id = default\n'
        f'[barbican]\nbarbican_endpoint = {bb.url}\n'
        f'auth_endpoint = {ks.url}\nnumber_of_retries = 1\n'
        'retry_delay = 0\n'
    )
    return path


def _conf(tmp_path, castellan_conf, mapping, extra='', driver='key_manager'):
    conf = cfg.ConfigOpts()
    conf.register_opts(
        [
            cfg.StrOpt('password', secret=True),
            cfg.IntOpt('max_pool_size', default=5),
            cfg.StrOpt('connection', secret=True),
        ],
        group='database',
    )
    conf.register_opts(
        [cfg.StrOpt('admin_password', secret=True)], group='keystone'
    )
    mapping_path = tmp_path / f'mapping-{uuid.uuid4().hex[:6]}.conf'
    mapping_path.write_text(mapping)
    path = tmp_path / f'svc-{uuid.uuid4().hex[:6]}.conf'
    path.write_text(
        '[DEFAULT]\nconfig_source = secrets\n'
        f'[secrets]\ndriver = {driver}\nconfig_file = {castellan_conf}\n'
        f'mapping_file = {mapping_path}\n'
        + (
            'retries = 1\nretry_backoff = 0.05\n'
            if driver == 'key_manager'
            else ''
        )
        + extra
    )
    conf(['--config-file', str(path)])
    return conf


@pytest.fixture
def ids(barbican, keystone):
    return {
        'password': _store(barbican, keystone, SECRET),
        'pool': _store(barbican, keystone, '31'),
        'admin': _store(barbican, keystone, 'adm-' + SECRET),
    }


def test_barbican_values_typed_and_batched(
    tmp_path,
    barbican,
    keystone,
    ids,
    caplog,
):
    caplog.set_level(logging.DEBUG)
    mapping = (
        f'[database]\npassword = {ids["password"]}\n'
        f'max_pool_size = {ids["pool"]}\n'
        f'[keystone]\nadmin_password = {ids["admin"]}\n'
    )
    with count_requests() as sent:
        conf = _conf(
            tmp_path, _castellan_conf(tmp_path, barbican, keystone), mapping
        )
        sources.load(conf)
        assert conf.database.password == SECRET
        assert conf.database.max_pool_size == 31
        assert conf.keystone.admin_password == 'adm-' + SECRET
    tokens = [url for url in sent if url.endswith('/auth/tokens')]
    assert len(tokens) == 1, sent

    # Read once at open, served from the cache afterwards.
    with count_requests() as again:
        _ = conf.database.password
    assert again == []
    assert conf.get_location('password', 'database').detail == (
        f'key_manager:barbican/{ids["password"]}'
    )
    assert SECRET not in caplog.text


def test_rotation_seen_after_refresh(
    tmp_path,
    barbican,
    keystone,
    ids,
):
    mapping_path = f'[database]\npassword = {ids["password"]}\n'
    conf = _conf(
        tmp_path, _castellan_conf(tmp_path, barbican, keystone), mapping_path
    )
    assert conf.database.password == SECRET
    (source,) = sources.find_sources(conf)
    # Barbican secrets are immutable: rotation points the mapping at a new
    # secret id.
    source.mapping[('database', 'password')] = _store(
        barbican, keystone, 'rotated'
    )
    report = source.refresh()
    assert report.changed == [('database', 'password')]
    assert conf.database.password == 'rotated'


def test_missing_secret_and_bad_credentials_fail_closed(
    tmp_path,
    barbican,
    keystone,
    ids,
    caplog,
):
    missing = str(uuid.uuid4())
    conf = _conf(
        tmp_path,
        _castellan_conf(tmp_path, barbican, keystone),
        f'[database]\npassword = {ids["password"]}\nconnection = {missing}\n',
    )
    with pytest.raises(sources.SourceError) as err:
        sources.load(conf)
    assert '[database] connection' in str(err.value)
    assert f'secret {missing} not found' in str(err.value)
    assert conf.database.password == SECRET

    bad = _conf(
        tmp_path,
        _castellan_conf(tmp_path, barbican, keystone, password='wrong-pw'),
        f'[database]\npassword = {ids["password"]}\n',
    )
    with pytest.raises(sources.SourceError) as err:
        _ = bad.database.password
    assert 'wrong-pw' not in str(err.value) + caplog.text
    assert SECRET not in caplog.text


def test_castellan_vault_backend(tmp_path, openbao):
    """Any castellan backend works: here castellan's Vault backend."""
    from castellan import key_manager as castellan_km
    from castellan.common.objects import passphrase

    castellan_conf = tmp_path / 'castellan-vault.conf'
    castellan_conf.write_text(
        '[key_manager]\nbackend = vault\nauth_type = token\n'
        f'token = {openbao.token}\n'
        f'[vault]\nroot_token_id = {openbao.token}\n'
        f'vault_url = {openbao.url}\nkv_version = 2\n'
    )
    km_conf = cfg.ConfigOpts()
    km_conf(args=[], default_config_files=[str(castellan_conf)])
    manager = castellan_km.API(km_conf)
    secret_id = manager.store('ctx', passphrase.Passphrase(SECRET.encode()))
    pool_id = manager.store('ctx', passphrase.Passphrase(b'44'))

    conf = _conf(
        tmp_path,
        castellan_conf,
        f'[database]\npassword = {secret_id}\nmax_pool_size = {pool_id}\n',
    )
    sources.load(conf)
    assert conf.database.password == SECRET
    assert conf.database.max_pool_size == 44
    assert conf.get_location('password', 'database').detail == (
        f'key_manager:vault/{secret_id}'
    )


def test_one_keystone_token_where_castellans_driver_needs_one_per_secret(
    tmp_path, barbican, keystone
):
    from castellan import key_manager as castellan_km
    from castellan.common import utils as km_utils
    from castellan.common.objects import passphrase

    castellan_conf = _castellan_conf(tmp_path, barbican, keystone)
    km_conf = cfg.ConfigOpts()
    km_conf(args=[], default_config_files=[str(castellan_conf)])
    manager = castellan_km.API(km_conf)
    context = km_utils.credential_factory(km_conf)
    # Stored through castellan so that castellan's driver can read them
    # (it fails on text/plain payloads: it calls .decode() on a str).
    ids = [
        manager.store(context, passphrase.Passphrase(v.encode()))
        for v in (SECRET, '31', 'adm-' + SECRET)
    ]
    mapping = (
        f'[database]\npassword = {ids[0]}\nmax_pool_size = {ids[1]}\n'
        f'[keystone]\nadmin_password = {ids[2]}\n'
    )
    counts = {}
    for driver in ('key_manager', 'castellan'):
        with count_requests() as sent:
            conf = _conf(tmp_path, castellan_conf, mapping, driver=driver)
            assert conf.database.password == SECRET
            assert conf.database.max_pool_size == 31
            assert conf.keystone.admin_password == 'adm-' + SECRET
        counts[driver] = len([u for u in sent if u.endswith('/auth/tokens')])
    assert counts == {'key_manager': 1, 'castellan': 3}
