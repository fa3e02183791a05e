"""Dynamic secrets: template parsing, lease renewal and rotation timing."""

import pytest

from oslo_extras.config.sources import _vault_dynamic
from oslo_extras.config.sources import vault
from oslo_extras.config.sources._retry import RetryPolicy

LINE = (
    'database.connection database/creds/nova '
    'postgresql://{username}:{password}@db:5432/nova'
)


def test_parse_specs():
    (spec,) = _vault_dynamic.parse_specs([LINE], 'v')
    assert spec.key == ('database', 'connection')
    assert spec.path == 'database/creds/nova'
    with pytest.raises(ValueError, match='group.option path template'):
        _vault_dynamic.parse_specs(
            ['connection database/creds/x {password}'], 'v'
        )
    with pytest.raises(ValueError, match='may use only'):
        _vault_dynamic.parse_specs(['a.b path {secret}'], 'v')


class CredsClient:
    def __init__(self):
        self.token = None
        self.issued = 0
        self.renewals = []
        self.sys = self

    def read(self, path):
        self.issued += 1
        return {
            'lease_id': f'{path}/lease-{self.issued}',
            'lease_duration': 30,
            'renewable': True,
            'data': {
                'username': f'v-nova-{self.issued}',
                'password': 'p@ss/w:rd',
            },
        }

    def renew_lease(self, lease_id, increment):
        self.renewals.append(lease_id)
        # The max TTL (60 s from issue) caps the renewal.
        return {'lease_id': lease_id, 'lease_duration': 20, 'renewable': True}


def test_renewal_then_rotation_before_the_max_ttl(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(_vault_dynamic.time, 'monotonic', lambda: clock[0])
    source = vault.VaultSource(
        url='http://vault.invalid',
        token='t',
        name='v',
        retry=RetryPolicy(retries=0),
        dynamic=_vault_dynamic.parse_specs([LINE], 'v'),
    )
    source.client = CredsClient()
    leases = source.dynamic
    first = leases.values()[('database', 'connection')]
    # Percent-encoded into the URL, remembered as secrets.
    assert first == 'postgresql://v-nova-1:p%40ss%2Fw%3Ard@db:5432/nova'
    assert 'p@ss/w:rd' in source.sensitive and first in source.sensitive
    assert leases.due_in() == 15  # renew at half the lease
    assert leases.rotation_due_in() == 20  # a third of 30 s before the end
    clock[0] = 15
    leases.renew()
    assert source.client.renewals == ['database/creds/nova/lease-1']
    assert leases.rotation_due_in() == 10  # 15 + 20 - 10 - now
    assert leases.values()[('database', 'connection')] == first
    clock[0] = 25
    leases.renew()  # due for rotation: not renewed again
    assert len(source.client.renewals) == 1
    second = leases.values()[('database', 'connection')]
    assert 'v-nova-2' in second
    assert source.refresh_due_in() == 20
