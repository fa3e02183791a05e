"""A value that fails its option's type never shows up in the error, not
even in the form a library quotes it: ``repr()`` escapes (``\\n``,
``\\\\``, ``\\t``, control characters), JSON escapes, or stripped of the
surrounding whitespace oslo.config's number types strip before parsing."""

import json

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from oslo_config import cfg

from oslo_extras.config import masking
from oslo_extras.config.sources import base

ODD = [
    ' hunter2-Secret \n',
    'hun\\ter2-Secret',
    'hun\nter2-Secret',
    'hun\tter2-Secret',
    'h\x01idden-Secret',
    'zero\u200bwidth-Secret',
    'both\'"quotes\\-Secret',
]


class _Mem(base.RefreshableSource):
    def __init__(self, values):
        super().__init__(name='mem', driver='memory')
        self.values = values

    def fetch(self):
        result = base.FetchResult()
        for key, value in self.values.items():
            result.values[key] = value
            result.locations[key] = '/'.join(key)
        return result


def _core(value: str) -> str:
    """The part of the secret a leak would show, whatever its quoting."""
    return value.strip().split('-')[0][-4:] + '-Secret'


@pytest.mark.parametrize('value', ODD)
@pytest.mark.parametrize(
    'opt',
    [
        cfg.IntOpt('opt'),
        cfg.FloatOpt('opt'),
        cfg.StrOpt('opt', choices=['a', 'b']),
        cfg.StrOpt('opt', regex='^x$'),
        cfg.PortOpt('opt'),
    ],
    ids=['int', 'float', 'choices', 'regex', 'port'],
)
def test_a_bad_value_never_leaks_in_any_quoting(value, opt):
    source = _Mem({('db', 'opt'): value})
    source.load()
    with pytest.raises(base.SourceError) as info:
        source.check_types([('db', opt)])
    text = str(info.value)
    assert '[db] opt' in text
    for form in (value, value.strip(), repr(value)[1:-1], _core(value)):
        assert form not in text


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from('ab\\\n\t\r "\'\x01\x7fü☃$%'),
        min_size=3,
        max_size=20,
    )
)
def test_scrub_masks_every_quoted_form(secret):
    forms = [
        secret,
        secret.strip(),
        repr(secret)[1:-1],
        repr(secret.strip())[1:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    ]
    for shown in forms:
        if len(shown) >= 3:
            assert shown not in masking.scrub(f'<<{shown}>>', [secret])


def test_reprs_of_fetch_results_and_leases_hold_no_secret():
    from oslo_extras.config.sources import _vault_dynamic

    secret = 'repr-S3cret-value'
    result = base.FetchResult(
        values={('db', 'password'): secret},
        locations={('db', 'password'): 'kv/db#password'},
    )
    assert secret not in repr(result)
    assert 'kv/db#password' in repr(result)
    lease = _vault_dynamic._Lease(
        lease_id='database/creds/svc/lease-S3cret',
        value=f'postgresql://u:{secret}@h/db',
        first_ttl=3,
        duration=3,
        renewable=True,
        renewed_at=0,
        expires=3,
    )
    assert secret not in repr(lease)
    assert 'lease-S3cret' not in repr(lease)


@pytest.mark.parametrize(
    ('driver', 'line'),
    [
        ('vault', 'timeout = s.Pasted-Token-S3cret'),
        ('vault', 'kv_version = s.Pasted-Token-S3cret'),
        ('vault', 'secret_id_wrapped = s.Pasted-Token-S3cret'),
        ('etcd', 'port = Pasted-Password-S3cret'),
        ('secrets_dir', 'max_size = Pasted-S3cret'),
        # oslo.config's substitution names what follows a '$'.
        ('vault', 'token = s.abc$PastedTokenTailS3cret'),
    ],
)
def test_a_credential_pasted_into_a_typed_source_option_never_leaks(
    tmp_path, caplog, driver, line
):
    """oslo.config logs the text of whatever the driver raises: a bad
    value of the source group's own options is named, never shown."""
    from oslo_extras.config import sources

    path = tmp_path / 'svc.conf'
    path.write_text(
        '[DEFAULT]\nconfig_source = src\n[src]\n'
        f'driver = {driver}\nurl = http://127.0.0.1:1\n'
        f'directory = {tmp_path}\n{line}\n'
    )
    secret = line.split(' = ')[1]
    conf = cfg.ConfigOpts()
    caplog.set_level('DEBUG')
    conf(['--config-file', str(path)], default_config_files=[])
    with pytest.raises(base.SourceError) as info:
        sources.load(conf)
    option = line.split(' = ')[0]
    assert f'[src] {option}' in caplog.text
    for shown in (secret, secret.split('$')[-1]):
        assert shown not in caplog.text
        assert shown not in str(info.value)
