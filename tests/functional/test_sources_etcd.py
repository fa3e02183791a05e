"""The etcd driver against a real etcd v3 server."""

# Session fixtures are imported and then requested by name.
# ruff: noqa: F811

import logging
import uuid

import pytest
from oslo_config import cfg

from oslo_extras.config import sources
from tests.functional.servers.etcd import Etcd
from tests.functional.servers.etcd import etcd  # noqa: F401
from tests.functional.test_sources_vault import count_requests

SECRET = 'Etcd-S3cret-' + uuid.uuid4().hex[:8]


def _conf(tmp_path, server, extra=''):
    conf = cfg.ConfigOpts()
    conf.register_opts(
        [
            cfg.StrOpt('password', secret=True),
            cfg.IntOpt('max_pool_size', default=5),
            cfg.StrOpt(
                'connection',
                secret=True,
                deprecated_opts=[cfg.DeprecatedOpt('sql_connection')],
            ),
        ],
        group='database',
    )
    conf.register_opts([cfg.ListOpt('hosts', default=[])], group='cache')
    path = tmp_path / f'svc-{uuid.uuid4().hex[:6]}.conf'
    path.write_text(
        '[DEFAULT]\nconfig_source = etcd\n'
        f'[etcd]\ndriver = etcd\nhost = 127.0.0.1\nport = {server.port}\n'
        'retries = 1\nretry_backoff = 0.05\ntimeout = 2\n' + extra
    )
    conf(['--config-file', str(path)])
    return conf


@pytest.fixture
def prefix(etcd):
    name = '/openstack/svc-' + uuid.uuid4().hex[:8]
    client = etcd.client()
    client.put(f'{name}/database/password', SECRET)
    client.put(f'{name}/database/max_pool_size', '23')
    client.put(f'{name}/database/sql_connection', 'mysql://db')
    client.put(f'{name}/cache/hosts', 'a:1,b:2')
    return name


def test_one_prefix_read_values_typed(tmp_path, etcd, prefix, caplog):
    caplog.set_level(logging.DEBUG)
    with count_requests() as sent:
        conf = _conf(tmp_path, etcd, f'prefix = {prefix}\napi_path = /v3/\n')
        sources.load(conf)
        assert conf.database.password == SECRET
        assert conf.database.max_pool_size == 23
        assert conf.database.connection == 'mysql://db'
        assert conf.cache.hosts == ['a:1', 'b:2']
    assert len(sent) == 1, sent
    assert SECRET not in caplog.text
    assert conf.get_location('password', 'database').detail == (
        f'etcd:{prefix}/database/password'
    )


def test_mapping_outside_prefix(tmp_path, etcd, prefix):
    etcd.client().put('/shared/pw-' + prefix[-8:], 'shared')
    conf = _conf(
        tmp_path,
        etcd,
        f'prefix = {prefix}\n'
        f'mapping = database.password:/shared/pw-{prefix[-8:]}\n',
    )
    assert conf.database.password == 'shared'


def test_rotation_and_failed_refresh(tmp_path, caplog):
    own = Etcd().start()  # a server of its own, to stop mid-test
    try:
        own.client().put('/svc/database/password', SECRET)
        conf = _conf(tmp_path, own, 'prefix = /svc\n')
        assert conf.database.password == SECRET
        own.client().put('/svc/database/password', 'rotated')
        (source,) = sources.find_sources(conf)

        assert source.refresh().changed == [('database', 'password')]
        assert conf.database.password == 'rotated'
    finally:
        own.stop()
    caplog.set_level(logging.DEBUG)

    # The backend is gone: refresh keeps the last good value.
    report = source.refresh()
    assert not report.ok
    assert 'connection failed' in report.failed[0][2]
    assert conf.database.password == 'rotated'
    assert SECRET not in caplog.text
    assert 'rotated' not in caplog.text


def test_missing_mapped_key_and_dead_backend_fail_closed(
    tmp_path,
    etcd,
    prefix,
):
    conf = _conf(
        tmp_path,
        etcd,
        f'prefix = {prefix}\nmapping = database.connection:/nope/x\n',
    )
    with pytest.raises(sources.SourceError) as err:
        sources.load(conf)
    assert 'key /nope/x not found' in str(err.value)

    dead = cfg.ConfigOpts()
    dead.register_opts([cfg.StrOpt('password', secret=True)], 'database')
    path = tmp_path / 'dead.conf'
    path.write_text(
        '[DEFAULT]\nconfig_source = etcd\n[etcd]\ndriver = etcd\n'
        'port = 9\nretries = 1\nretry_backoff = 0.01\n'
    )
    dead(['--config-file', str(path)])
    with pytest.raises(sources.SourceError) as err:
        sources.load(dead)
    assert 'connection failed' in str(err.value)
