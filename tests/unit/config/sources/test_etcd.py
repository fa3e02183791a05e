"""The etcd driver's key layout with a fake etcd3gw client."""

import pytest
import requests

from oslo_extras.config.sources import _etcd_client
from oslo_extras.config.sources import base
from oslo_extras.config.sources import etcd
from oslo_extras.config.sources._retry import RetryPolicy


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


def test_upper_case_group_keys_serve_the_lower_case_group():
    client = FakeEtcd(
        {
            '/p/Database/password': 'pw',
            '/p/default/debug': 'true',
            '/p/Cache/hosts': 'a',
            '/p/cache/hosts': 'b',
        }
    )
    result = etcd.EtcdSource(client, '/p', name='e').fetch()
    assert result.values == {
        ('database', 'password'): 'pw',
        ('DEFAULT', 'debug'): 'true',
    }
    assert 'both give this option' in result.errors[('cache', 'hosts')]


def test_groups_must_each_have_a_key_and_a_typo_prefix_fails():
    client = FakeEtcd({'/p/database/password': 'pw'})
    source = etcd.EtcdSource(
        client, '/p', name='e', groups=['database', 'API']
    )
    source.load()
    with pytest.raises(base.SourceError, match='no key under /p/api/'):
        source.check()
    typo = etcd.EtcdSource(client, '/pp', name='e')
    typo.load()
    with pytest.raises(base.SourceError, match='found nothing to serve'):
        typo.check()


class DownEtcd(FakeEtcd):
    base_url = 'http://down.invalid:2379'

    def get_prefix(self, prefix):
        self.calls.append(('range', prefix))
        raise requests.ConnectionError('refused')


def test_several_endpoints_fail_over_and_stay_on_the_good_one():
    down = DownEtcd({})
    up = FakeEtcd({'/p/database/password': 'pw'})
    endpoints = _etcd_client.EtcdEndpoints([down, up])
    source = etcd.EtcdSource(
        endpoints, '/p', name='e', retry=RetryPolicy(retries=0)
    )
    assert source.fetch().values == {('database', 'password'): 'pw'}
    assert source.fetch().values == {('database', 'password'): 'pw'}
    assert len(down.calls) == 1  # the good endpoint stays current
    assert source.client is up


def test_all_endpoints_down_is_backend_unavailable_naming_them():
    source = etcd.EtcdSource(
        _etcd_client.EtcdEndpoints([DownEtcd({}), DownEtcd({})]),
        '/p',
        name='e',
        retry=RetryPolicy(retries=0),
    )
    with pytest.raises(base.BackendUnavailable, match='connection failed'):
        source.fetch()


class AuthEtcd(FakeEtcd):
    """Needs a token from /auth/authenticate; the first one expires."""

    def __init__(self, data):
        super().__init__(data)
        self.session = requests.Session()
        self.tokens = 0

    def get_url(self, path):
        return path

    def post(self, url, json):
        assert url == '/auth/authenticate'
        if json != {'name': 'nova', 'password': 'etcd-Pa55'}:
            raise etcd._exc().Etcd3Exception(
                'authentication failed, invalid user ID or password'
            )
        self.tokens += 1
        return {'token': f'tok-{self.tokens}.abcdef'}

    def get_prefix(self, prefix):
        token = self.session.headers.get('Authorization')
        if (
            token != f'tok-{self.tokens}.abcdef'
            or self.tokens < 2
            and (self.calls)
        ):
            self.calls.append(('denied', token))
            raise etcd._exc().Etcd3Exception('etcdserver: invalid auth token')
        return super().get_prefix(prefix)


def test_user_password_auth_gets_and_replaces_its_token():
    client = AuthEtcd({'/p/database/password': 'pw'})
    endpoints = _etcd_client.EtcdEndpoints(
        [client], username='nova', password='etcd-Pa55'
    )
    source = etcd.EtcdSource(
        endpoints, '/p', name='e', sensitive=['etcd-Pa55']
    )
    assert source.fetch().values == {('database', 'password'): 'pw'}
    # The first token is refused on the second read: one new token.
    assert source.fetch().values == {('database', 'password'): 'pw'}
    assert client.tokens == 2
    assert 'tok-1.abcdef' in source.sensitive


def test_a_wrong_password_is_reported_without_it():
    client = AuthEtcd({'/p/database/password': 'pw'})
    endpoints = _etcd_client.EtcdEndpoints(
        [client], username='nova', password='wrong-Pa55'
    )
    source = etcd.EtcdSource(
        endpoints, '/p', name='e', sensitive=['wrong-Pa55']
    )
    with pytest.raises(base.BackendUnavailable) as err:
        source.fetch()
    assert 'authentication failed' in str(err.value)
    assert 'wrong-Pa55' not in str(err.value)


@pytest.mark.parametrize(
    ('text', 'parsed'),
    [
        ('10.0.0.1:2379', ('http', '10.0.0.1', 2379)),
        ('https://etcd-1:2379', ('https', 'etcd-1', 2379)),
        ('[::1]:2379', ('http', '::1', 2379)),
    ],
)
def test_endpoint_syntax(text, parsed):
    assert _etcd_client.parse_endpoint(text, 'http') == parsed


@pytest.mark.parametrize('text', ['etcd-1', 'ftp://x:1', 'x:port'])
def test_bad_endpoints_are_refused(text):
    with pytest.raises(ValueError, match='must be host:port'):
        _etcd_client.parse_endpoint(text, 'http')


def test_ca_file_is_not_overridden_by_requests_ca_bundle(monkeypatch):
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', '/etc/ssl/certs/other.pem')
    monkeypatch.setenv('CURL_CA_BUNDLE', '/etc/ssl/certs/other.pem')
    session = _etcd_client.tls_session('/etc/etcd/ca.pem', None, None)
    settings = session.merge_environment_settings(
        'https://etcd:2379', {}, False, None, None
    )
    assert settings['verify'] == '/etc/etcd/ca.pem'
    # Without ca_file the environment's bundle is used, as requests does.
    plain = _etcd_client.tls_session(None, None, None)
    settings = plain.merge_environment_settings(
        'https://etcd:2379', {}, False, None, None
    )
    assert settings['verify'] == '/etc/ssl/certs/other.pem'


def test_cert_file_needs_its_key():
    with pytest.raises(ValueError, match='go together'):
        _etcd_client.tls_session(None, '/c.pem', None)


class WatchEtcd(FakeEtcd):
    """Two writes, then quiet streams; records each stream's revision."""

    def __init__(self):
        super().__init__({})
        self.starts = []
        self.events = [
            {'kv': {'key': b'/p/a/b', 'mod_revision': '8'}},
            {'kv': {'key': b'/p/a/b', 'mod_revision': '11'}},
        ]

    def status(self):
        return {'header': {'revision': '5'}}

    def watch_prefix_once(self, prefix, timeout, start_revision):
        self.starts.append((prefix, start_revision))
        if self.events:
            return self.events.pop(0)
        import time

        time.sleep(0.01)
        raise etcd._exc().WatchTimedOut()


def test_the_watch_resumes_after_the_last_revision_seen():
    import time

    client = WatchEtcd()
    source = etcd.EtcdSource(client, '/p', name='e')
    changes = []
    stop = source.watch(lambda: changes.append(1))
    deadline = time.monotonic() + 5
    while len(client.starts) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop()
    assert changes == [1, 1]
    assert client.starts[:4] == [
        ('/p/', 6),  # from the revision current when the watch began
        ('/p/', 9),
        ('/p/', 12),
        ('/p/', 12),  # a quiet stream ends; the next starts where it was
    ]
