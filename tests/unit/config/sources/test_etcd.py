"""The etcd driver's key layout with a fake etcd3gw client."""

import pytest

from oslo_extras.config.sources import base
from oslo_extras.config.sources import etcd


class FakeEtcd:
    base_url = 'http://etcd.invalid:2379'

    def __init__(self, data):
        self.data = data
        self.calls = []

    def get_prefix(self, prefix):
        self.calls.append(('range', prefix))
        return [
            (value.encode(), {'key': key.encode()})
            for key, value in sorted(self.data.items())
            if key.startswith(prefix)
        ]

    def get(self, key):
        self.calls.append(('get', key))
        return [self.data[key].encode()] if key in self.data else []


def test_prefix_layout_and_mapping():
    client = FakeEtcd(
        {
            '/os/nova/database/password': 'pw',
            '/os/nova/DEFAULT/debug': 'true',
            '/os/nova/too/deep/key': 'ignored',
            '/shared/x': 'shared',
        }
    )
    source = etcd.EtcdSource(
        client,
        '/os/nova/',
        name='e',
        mapping={('api', 'x'): '/shared/x', ('api', 'y'): '/none'},
    )
    result = source.fetch()

    assert result.values == {
        ('database', 'password'): 'pw',
        ('DEFAULT', 'debug'): 'true',
        ('api', 'x'): 'shared',
    }
    assert result.errors == {('api', 'y'): 'key /none not found'}
    assert client.calls == [
        ('range', '/os/nova/'),
        ('get', '/shared/x'),
        ('get', '/none'),
    ]


def test_client_errors_become_backend_unavailable():
    class Down(FakeEtcd):
        def get_prefix(self, prefix):
            raise etcd._exc().ConnectionFailedError('refused')

    source = etcd.EtcdSource(Down({}), 'p', name='e')
    source.retry.retries = 0
    with pytest.raises(base.BackendUnavailable, match='connection failed'):
        source.fetch()
