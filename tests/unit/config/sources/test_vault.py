"""The vault driver's batching and auth logic with a fake hvac client."""

import time

import hvac.exceptions
import pytest
import requests
from oslo_config import cfg

from oslo_extras.config.sources import _vault_auth
from oslo_extras.config.sources import _vault_opts
from oslo_extras.config.sources import base
from oslo_extras.config.sources import vault
from oslo_extras.config.sources._retry import RetryPolicy

TOKEN = 'hvs.fake-token-value'


class FakeKV:
    def __init__(self, store, calls):
        self.store = store
        self.calls = calls

    def list_secrets(self, path, mount_point):
        self.calls.append(('list', path))
        keys = sorted(
            {
                k[len(path) + 1 :].split('/')[0]
                for k in self.store
                if k.startswith(path + '/')
            }
        )
        if not keys:
            raise hvac.exceptions.InvalidPath()
        return {'data': {'keys': keys}}

    def read_secret_version(self, path, mount_point, **kwargs):
        self.calls.append(('read', path))
        if path not in self.store:
            raise hvac.exceptions.InvalidPath()
        return {'data': {'data': dict(self.store[path])}, 'lease_duration': 0}


class FakeClient:
    def __init__(self, store):
        self.calls = []
        self.token = None
        kv = FakeKV(store, self.calls)
        self.secrets = type('S', (), {})()
        self.secrets.kv = type('K', (), {'v2': kv, 'v1': kv})()
        self.auth = type('A', (), {})()
        self.auth.token = self
        self.lookups = 0
        self.renewals = 0

    def lookup_self(self):
        self.lookups += 1
        return {'data': {'ttl': 100, 'renewable': True}}

    def renew_self(self):
        self.renewals += 1
        return {'auth': {'lease_duration': 100, 'renewable': True}}


def _source(store, **kwargs):
    source = vault.VaultSource(
        url='http://vault.invalid:8200',
        token=TOKEN,
        name='v',
        retry=RetryPolicy(retries=0),
        **kwargs,
    )
    source.client = FakeClient(store)
    return source


STORE = {
    'nova/database': {'password': 'pw', 'pool': '3'},
    'nova/keystone': {'password': 'kspw'},
    'shared/db': {'url': 'mysql://x'},
}


def test_convention_reads_one_secret_per_group():
    source = _source(STORE, path_prefix='nova')
    result = source.fetch()

    assert result.values == {
        ('database', 'password'): 'pw',
        ('database', 'pool'): '3',
        ('keystone', 'password'): 'kspw',
    }
    assert result.locations[('database', 'pool')] == (
        'secret/nova/database#pool'
    )
    assert source.client.calls == [
        ('list', 'nova'),
        ('read', 'nova/database'),
        ('read', 'nova/keystone'),
    ]


def test_groups_option_skips_the_list_and_mapping_reads_each_path_once():
    source = _source(
        STORE,
        path_prefix='nova',
        groups=['database'],
        mapping={
            ('database', 'connection'): 'shared/db#url',
            ('api', 'db'): 'shared/db#url',
            ('database', 'missing'): 'shared/db#nope',
            ('x', 'y'): 'nowhere#f',
        },
    )
    result = source.fetch()

    assert result.values[('database', 'connection')] == 'mysql://x'
    assert result.values[('api', 'db')] == 'mysql://x'
    assert result.errors == {
        ('database', 'missing'): "secret secret/shared/db has no field 'nope'",
        ('x', 'y'): 'secret secret/nowhere not found',
    }
    assert source.client.calls == [
        ('read', 'nova/database'),
        ('read', 'nowhere'),
        ('read', 'shared/db'),
    ]


def test_token_is_looked_up_once_and_renewed_when_due(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(_vault_auth.time, 'monotonic', lambda: clock[0])
    source = _source(STORE, path_prefix='nova')
    source.fetch()
    source.fetch()
    assert (source.client.lookups, source.client.renewals) == (1, 0)
    clock[0] = 60  # 40 s of 100 left: less than half
    source.fetch()
    assert source.client.renewals == 1


def test_token_file_is_reread(tmp_path):
    path = tmp_path / 'token'
    path.write_text('first\n')
    source = _source(STORE, path_prefix='nova', token_file=str(path))
    source.fetch()
    assert source.client.token == 'first'
    path.write_text('second\n')
    source.fetch()
    assert source.client.token == 'second'
    assert source.client.lookups == 2


def test_forbidden_with_token_auth_is_backend_unavailable():
    source = _source(STORE, path_prefix='nova')

    def denied(**kwargs):
        raise hvac.exceptions.Forbidden('permission denied ' + TOKEN)

    source.client.secrets.kv.v2.list_secrets = denied
    with pytest.raises(base.BackendUnavailable) as err:
        source.fetch()
    assert 'permission denied' in str(err.value)
    assert TOKEN not in str(err.value)


def test_connection_errors_are_retried_then_reported(monkeypatch):
    monkeypatch.setattr('time.sleep', lambda s: None)
    source = _source(STORE, path_prefix='nova')
    source.retry = RetryPolicy(retries=2, backoff=0)
    calls = []

    def down(**kwargs):
        calls.append(1)
        raise requests.ConnectionError('refused')

    source.client.secrets.kv.v2.list_secrets = down
    with pytest.raises(base.BackendUnavailable, match='connection failed'):
        source.fetch()
    assert len(calls) == 3


def test_describe_never_echoes_payloads():
    assert vault._describe(requests.Timeout()) == 'timed out'
    assert vault._describe(hvac.exceptions.InvalidPath('x')) == 'not found'
    assert vault._describe(ValueError('secret')) == 'ValueError'


def test_hvac_never_picks_up_a_token_from_the_environment(monkeypatch):
    monkeypatch.setenv('VAULT_TOKEN', 'from-env')
    source = vault.VaultSource(
        url='http://vault.invalid:8200', name='v', auth_method='approle'
    )
    assert source.client.token is None


def test_a_prefix_typo_fails_closed_at_load():
    source = _source({'nova/database': {'password': 'x'}}, path_prefix='novaa')
    source.load()
    with pytest.raises(
        base.SourceError, match='found nothing to serve under secret/novaa'
    ):
        source.check()


def test_a_groups_entry_without_its_secret_fails_closed():
    source = _source(
        {'nova/database': {'password': 'x'}},
        path_prefix='nova',
        groups=['database', 'cache'],
    )
    source.load()
    with pytest.raises(
        base.SourceError, match='secret secret/nova/cache not found'
    ):
        source.check()
    with pytest.raises(base.SourceError, match=r'\[cache\] backend'):
        source.get('cache', 'backend', cfg.StrOpt('backend'))


def test_a_deleted_secret_is_a_failed_refresh_keeping_the_value():
    store = {'nova/database': {'password': 'x'}, 'nova/api': {'workers': '2'}}
    source = _source(store, path_prefix='nova')
    source.load()
    del store['nova/database']
    report = source.refresh()
    assert not report.ok
    assert report.failed[0][:2] == ('database', 'password')
    assert source.get('database', 'password', cfg.StrOpt('p'))[0] == 'x'


class ShortTokenClient(FakeClient):
    """A token of ``ttl`` seconds; AppRole logins counted."""

    def __init__(self, store, ttl, renewable=True, max_ttl=None):
        super().__init__(store)
        self.ttl = ttl
        self.renewable = renewable
        self.max_ttl = max_ttl
        self.logins = 0
        self.auth.approle = self

    def lookup_self(self):
        self.lookups += 1
        return {'data': {'ttl': self.ttl, 'renewable': self.renewable}}

    def renew_self(self):
        self.renewals += 1
        ttl = self.ttl if self.max_ttl is None else self.max_ttl
        return {'auth': {'lease_duration': ttl, 'renewable': True}}

    def login(self, role_id, secret_id, mount_point):
        self.logins += 1
        return {
            'auth': {
                'client_token': f'approle-token-{self.logins}',
                'lease_duration': self.ttl,
                'renewable': self.renewable,
            }
        }


def test_refresh_due_in_honours_the_token_ttl(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(_vault_auth.time, 'monotonic', lambda: clock[0])
    monkeypatch.setattr(base.time, 'monotonic', lambda: clock[0])
    source = _source(STORE, path_prefix='nova')
    source.client = ShortTokenClient(STORE, ttl=100)
    source.fetch()
    assert source.refresh_due_in() == 50
    clock[0] = 30
    assert source.refresh_due_in() == 20
    source.cache_ttl = 5
    source.refresh()
    assert source.refresh_due_in() == 5


def test_the_token_is_renewed_without_any_refresh():
    source = _source(STORE, path_prefix='nova')
    source.client = ShortTokenClient(STORE, ttl=0.6)
    source.load()
    try:
        deadline = time.monotonic() + 5
        while source.client.renewals < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert source.client.renewals >= 3
        assert source.client.lookups == 1
    finally:
        source.close()


def test_approle_logs_in_again_before_expiry_when_renewal_is_capped():
    source = _source(
        STORE,
        path_prefix='nova',
        auth_method='approle',
        role_id='role',
        secret_id='sid-value',
    )
    # Renewal can only give 0.1 s more (the max TTL): log in instead.
    source.client = ShortTokenClient(STORE, ttl=0.6, max_ttl=0.1)
    source.load()
    try:
        deadline = time.monotonic() + 5
        while source.client.logins < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert source.client.logins >= 3
        assert source.client.token.startswith('approle-token-')
    finally:
        source.close()


def test_a_non_renewable_approle_token_is_replaced_by_a_login():
    source = _source(
        STORE,
        path_prefix='nova',
        auth_method='approle',
        role_id='role',
        secret_id='sid-value',
    )
    source.client = ShortTokenClient(STORE, ttl=0.5, renewable=False)
    source.load()
    try:
        deadline = time.monotonic() + 5
        while source.client.logins < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert source.client.logins >= 3
        assert source.client.renewals == 0
    finally:
        source.close()


def test_the_renewal_thread_ends_with_its_source():
    source = _source(STORE, path_prefix='nova')
    source.client = ShortTokenClient(STORE, ttl=0.4)
    source.load()
    thread = source._renewal
    source.close()
    deadline = time.monotonic() + 5
    while thread.alive and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not thread.alive


class LoginClient(ShortTokenClient):
    """Records every login call of every method."""

    def __init__(self, store):
        super().__init__(store, ttl=300)
        self.login_calls = []
        self.auth.jwt = self
        self.auth.kubernetes = self
        self.auth.cert = self

    def _auth(self):
        self.logins += 1
        return {
            'auth': {
                'client_token': f'login-token-{self.logins}',
                'lease_duration': self.ttl,
                'renewable': True,
            }
        }

    def jwt_login(self, role, jwt, path):
        self.login_calls.append(('jwt', role, jwt, path))
        return self._auth()

    def login(self, **kwargs):
        self.login_calls.append(('login', kwargs))
        return self._auth()


def _login_source(tmp_path, **kwargs):
    source = _source(STORE, path_prefix='nova', **kwargs)
    source.client = LoginClient(STORE)
    return source


def test_jwt_login_reads_the_jwt_file_each_time(tmp_path):
    jwt_file = tmp_path / 'jwt'
    jwt_file.write_text('eyJ.first.sig\n')
    source = _login_source(
        tmp_path, auth_method='jwt', role='nova', jwt_file=str(jwt_file)
    )
    source.fetch()
    assert source.client.login_calls == [
        ('jwt', 'nova', 'eyJ.first.sig', 'jwt')
    ]
    jwt_file.write_text('eyJ.second.sig\n')
    source.client.token = None  # revoked: log in again
    source.fetch()
    assert source.client.login_calls[-1][2] == 'eyJ.second.sig'
    assert 'eyJ.second.sig' in source.sensitive


def test_kubernetes_login_uses_the_service_account_token(tmp_path):
    jwt_file = tmp_path / 'token'
    jwt_file.write_text('k8s-sa-jwt')
    source = _login_source(
        tmp_path,
        auth_method='kubernetes',
        role='nova',
        jwt_file=str(jwt_file),
        auth_mount_point='k8s-east',
    )
    source.fetch()
    assert source.client.login_calls == [
        (
            'login',
            {'role': 'nova', 'jwt': 'k8s-sa-jwt', 'mount_point': 'k8s-east'},
        )
    ]
    assert source.client.token == 'login-token-1'


def test_kubernetes_driver_defaults_to_the_pod_token_path():
    from oslo_config import fixture as config_fixture

    conf = cfg.ConfigOpts()
    fixture = config_fixture.Config(conf)
    fixture.setUp()
    try:
        conf.register_opts(
            vault.VaultDriver().list_options_for_discovery(), 'v'
        )
        fixture.config(auth_method='kubernetes', role='nova', group='v')
        source = vault.VaultDriver().make_source(
            conf.v, name='v', retry=RetryPolicy(retries=0)
        )
        assert source.jwt_file == _vault_opts.KUBERNETES_JWT
        assert source.auth_mount_point == 'kubernetes'
        fixture.config(role=None, group='v')
        with pytest.raises(ValueError, match='needs role'):
            vault.VaultDriver().make_source(conf.v, name='v')
    finally:
        fixture.cleanUp()


def test_cert_login_sends_the_role_name(tmp_path):
    source = _login_source(tmp_path, auth_method='cert', role='nova-host')
    source.fetch()
    assert source.client.login_calls == [
        ('login', {'name': 'nova-host', 'mount_point': 'cert'})
    ]


def test_a_wrapped_secret_id_is_unwrapped_once(tmp_path, monkeypatch):
    unwrapped = []

    class Unwrapper:
        def __init__(self, **kwargs):
            self.token = None
            self.sys = self

        def unwrap(self):
            unwrapped.append(self.token)
            return {'data': {'secret_id': 'real-secret-id-' + self.token}}

    import hvac

    monkeypatch.setattr(hvac, 'Client', Unwrapper)
    id_file = tmp_path / 'wrapped'
    id_file.write_text('hvs.wrapping-1\n')
    source = _login_source(
        tmp_path,
        auth_method='approle',
        role_id='role',
        secret_id_file=str(id_file),
        secret_id_wrapped=True,
    )
    source.fetch()
    source.client.token = None
    source.fetch()  # logs in again with the same unwrapped secret id
    assert unwrapped == ['hvs.wrapping-1']
    calls = [c[1]['secret_id'] for c in source.client.login_calls]
    assert calls == ['real-secret-id-hvs.wrapping-1'] * 2
    assert 'real-secret-id-hvs.wrapping-1' in source.sensitive


def test_urls_fail_over_to_the_next_node_and_stay_there():
    source = vault.VaultSource(
        url='http://node-a:8200',
        urls=['http://node-b:8200', 'http://node-c:8200'],
        token=TOKEN,
        name='v',
        retry=RetryPolicy(retries=0),
        path_prefix='nova',
    )
    client = FakeClient(STORE)
    client.url = source.url
    kv = client.secrets.kv.v2
    original = kv.list_secrets
    seen = []

    def list_secrets(path, mount_point):
        seen.append(client.url)
        if client.url != 'http://node-c:8200':
            raise requests.ConnectionError('refused')
        return original(path, mount_point)

    kv.list_secrets = list_secrets
    source.client = client
    assert source.fetch().values[('database', 'password')] == 'pw'
    assert source.url == client.url == 'http://node-c:8200'
    source.fetch()
    assert seen == [
        'http://node-a:8200',
        'http://node-b:8200',
        'http://node-c:8200',
        'http://node-c:8200',
    ]


def test_all_urls_down_is_backend_unavailable():
    source = vault.VaultSource(
        url='http://node-a:8200',
        urls=['http://node-b:8200'],
        token=TOKEN,
        name='v',
        retry=RetryPolicy(retries=0),
    )
    source.client = FakeClient(STORE)

    def down(**kwargs):
        raise requests.ConnectionError('refused')

    source.client.secrets.kv.v2.list_secrets = down
    with pytest.raises(base.BackendUnavailable, match='connection failed'):
        source.fetch()


@pytest.mark.parametrize('kind', ['fifo', 'zero', 'big'])
def test_a_credential_file_never_blocks_nor_is_read_whole(tmp_path, kind):
    """token_file (like secret_id_file and jwt_file) is read as a secret
    file is: a FIFO never blocks, a device or a huge file is refused."""
    import os
    import threading

    path = tmp_path / 'token'
    if kind == 'fifo':
        os.mkfifo(path)
    elif kind == 'zero':
        path.symlink_to('/dev/zero')
    else:
        path.write_text('x' * (1024 * 1024))
    source = _source(STORE, path_prefix='nova', token_file=str(path))
    outcome = []

    def fetch():
        try:
            source.fetch()
        except base.BackendUnavailable as exc:
            outcome.append(str(exc))

    thread = threading.Thread(target=fetch, daemon=True)
    thread.start()
    thread.join(5)
    assert not thread.is_alive(), 'reading the token file blocked'
    assert outcome and 'token' in outcome[0]


def test_a_credential_file_behind_symlinks_is_read(tmp_path):
    """Kubernetes mounts the service account token as ``token ->
    ..data/token``, ``..data -> ..<timestamp>``."""
    stamp = tmp_path / '..2026_11_30'
    stamp.mkdir()
    (stamp / 'token').write_text('linked-token\n')
    (tmp_path / '..data').symlink_to(stamp.name)
    (tmp_path / 'token').symlink_to('..data/token')
    source = _source(
        STORE, path_prefix='nova', token_file=str(tmp_path / 'token')
    )
    source.fetch()
    assert source.client.token == 'linked-token'


def test_a_revoked_token_stops_renewal_after_one_error(caplog):
    source = _source(STORE, path_prefix='nova')
    source.fetch()
    calls = []

    def refused():
        calls.append(1)
        raise hvac.exceptions.Forbidden()

    source.client.renew_self = refused
    source.token.note(1, True)
    source.token.expires = time.monotonic() - 1  # lapsed
    source.token.renew()
    assert source.token.due_in() is None  # nothing more to schedule
    assert 'expired or was revoked' in caplog.text
    assert len(calls) == 1


def test_a_token_at_its_max_ttl_is_reported_once_not_hammered(caplog):
    # OpenBao answers a renewal past the max TTL with a 500, while the
    # token is still valid: one warning, then no more renewals.
    source = _source(STORE, path_prefix='nova')
    source.fetch()
    calls = []

    def at_max_ttl():
        calls.append(1)
        raise hvac.exceptions.InternalServerError(
            '1 error occurred: * past the max TTL, cannot renew'
        )

    source.client.renew_self = at_max_ttl
    source.token.note(10, True)
    source.token.renew()
    assert source.token.due_in() is None  # nothing more to schedule
    assert 'reached its max TTL' in caplog.text
    assert 'renewal failed' not in caplog.text
    assert len(calls) == 1


def test_hvac_never_picks_up_a_client_certificate_from_the_environment(
    monkeypatch,
):
    """VAULT_CLIENT_CERT/KEY of the service's environment must not be
    presented to Vault unless the source group configures a certificate."""
    import hvac.v1

    monkeypatch.setattr(hvac.v1, 'VAULT_CLIENT_CERT', '/env/cert.pem')
    monkeypatch.setattr(hvac.v1, 'VAULT_CLIENT_KEY', '/env/key.pem')
    source = vault.VaultSource(url='http://vault.invalid:8200', name='v')
    assert not source.client.adapter._kwargs.get('cert')
    mine = ('/etc/nova/cert.pem', '/etc/nova/key.pem')
    source = vault.VaultSource(
        url='http://vault.invalid:8200', name='v', client_cert=mine
    )
    assert source.client.adapter._kwargs.get('cert') == mine
