"""The key_manager driver's batching with a fake castellan key manager."""

import threading
import time

import pytest
from castellan.common import exception as km_exc
from castellan.common.credentials import keystone_password
from castellan.common.credentials import token

from oslo_extras.config.sources import _castellan_auth
from oslo_extras.config.sources import base
from oslo_extras.config.sources import key_manager


class Secret:
    def __init__(self, value):
        self.value = value

    def get_encoded(self):
        return self.value.encode()


class FakeManager:
    def __init__(self, secrets):
        self.secrets = secrets
        self.calls = []
        self.active = 0
        self.peak = 0
        self.lock = threading.Lock()

    def get(self, context, secret_id):
        with self.lock:
            self.calls.append(secret_id)
            self.active += 1
            self.peak = max(self.peak, self.active)
        time.sleep(0.05)
        with self.lock:
            self.active -= 1
        if secret_id not in self.secrets:
            raise km_exc.ManagedObjectNotFoundError(uuid=secret_id)
        return Secret(self.secrets[secret_id])


def test_each_id_read_once_in_parallel():
    manager = FakeManager({f'id{i}': f'v{i}' for i in range(8)})
    mapping = {('g', f'o{i}'): f'id{i}' for i in range(8)}
    mapping[('other', 'same')] = 'id0'
    mapping[('g', 'missing')] = 'nope'
    source = key_manager.KeyManagerSource(
        manager, None, name='km', mapping=mapping, max_workers=4
    )

    result = source.fetch()

    assert sorted(manager.calls) == sorted(
        [f'id{i}' for i in range(8)] + ['nope']
    )
    assert manager.peak > 1
    assert result.values[('other', 'same')] == 'v0'
    assert result.errors == {('g', 'missing'): 'secret nope not found'}
    assert result.locations[('g', 'o1')] == 'barbican/id1'


def test_key_manager_errors_are_retried_then_backend_unavailable(
    monkeypatch,
):
    monkeypatch.setattr('time.sleep', lambda s: None)

    class Broken(FakeManager):
        def get(self, context, secret_id):
            self.calls.append(secret_id)
            raise km_exc.KeyManagerError(reason='503 from barbican')

    manager = Broken({})
    source = key_manager.KeyManagerSource(
        manager, None, name='km', mapping={('g', 'o'): 'id'}
    )
    source.retry.retries = 2
    with pytest.raises(base.BackendUnavailable, match='503 from barbican'):
        source.fetch()
    assert len(manager.calls) == 3


def test_shared_context_reuses_one_keystone_plugin():
    credential = keystone_password.KeystonePassword(
        'pw',
        auth_url='http://ks.invalid/v3',
        username='u',
        project_name='p',
        user_domain_id='default',
        project_domain_id='default',
    )
    context = _castellan_auth.shared_context(credential)
    assert context.get_auth_plugin() is context.get_auth_plugin()
    assert context.get_auth_plugin().auth_url == 'http://ks.invalid/v3'

    plain = token.Token('t')
    assert _castellan_auth.shared_context(plain) is plain


def test_response_bodies_hidden_only_while_reading():
    import logging

    record = logging.LogRecord(
        'keystoneauth.session',
        logging.DEBUG,
        __file__,
        1,
        'RESP BODY: secret',
        None,
        None,
    )
    hide = key_manager._HideResponseBodies()
    assert hide.filter(record)
    with hide:
        assert not hide.filter(record)
    assert hide.filter(record)


def test_a_hung_backend_times_out():
    release = threading.Event()

    class Hung(FakeManager):
        def get(self, context, secret_id):
            release.wait(5)
            return Secret('late')

    source = key_manager.KeyManagerSource(
        Hung({}), None, name='km', mapping={('g', 'o'): 'id'}
    )
    source.retry.timeout = 0.2
    source.retry.retries = 0
    started = time.monotonic()
    try:
        with pytest.raises(base.BackendUnavailable, match='timed out'):
            source.fetch()
        assert time.monotonic() - started < 2
    finally:
        release.set()
