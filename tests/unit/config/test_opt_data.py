"""Option types to and from data: one codec, no lost checks."""

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from oslo_config import cfg
from oslo_config import types

from oslo_extras.config.catalog import opt_from_data
from oslo_extras.config.catalog import opt_to_data

OPTS = [
    cfg.StrOpt('s', choices=['Days', 'Weeks'], ignore_case=True),
    cfg.StrOpt('c', choices=['a', 'b']),
    cfg.StrOpt('r', regex=r'^[a-z]+$'),
    cfg.StrOpt('m', max_length=3),
    cfg.IntOpt('i', min=1, max=10),
    cfg.IntOpt('ic', choices=[1, 2]),
    cfg.FloatOpt('f', min=0.5),
    cfg.PortOpt('p'),
    cfg.BoolOpt('b'),
    cfg.ListOpt('l', item_type=types.Integer(min=0)),
    cfg.DictOpt('d'),
    cfg.Opt('d2', type=types.Dict(key_value_separator='=')),
    cfg.IPOpt('ip4', version=4),
    cfg.IPOpt('ip'),
    cfg.HostnameOpt('hn'),
    cfg.HostAddressOpt('ha'),
    cfg.HostDomainOpt('hd'),
    cfg.URIOpt('u', schemes=['http', 'https']),
    cfg.Opt('rg', type=types.Range(min=0, max=9)),
    cfg.MultiStrOpt('ms'),
    cfg.MultiOpt('mi', item_type=types.Integer(max=5)),
]

SAMPLES = [
    '',
    'a',
    'A',
    'days',
    'Days',
    'x1',
    'abc',
    'abcd',
    '0',
    '1',
    '2',
    '11',
    '0.1',
    '99999',
    'true',
    'maybe',
    '1,2',
    '-1',
    'k:v',
    'k=v',
    '10.0.0.1',
    '::1',
    'host',
    'bad host!',
    'a_b.example',
    'http://x/',
    'ftp://x/',
    'not a uri',
    '1-5',
    '5-20',
]


def _verdict(opt, value):
    opt_type = opt.type
    if getattr(opt, 'multi', False):
        opt_type = (
            opt.type.item_type if hasattr(opt.type, 'item_type') else opt_type
        )
    try:
        opt_type(value)
    except (ValueError, TypeError):
        return False
    return True


@pytest.mark.parametrize('opt', OPTS, ids=lambda o: o.name)
def test_round_trip_keeps_every_check(opt):
    rebuilt = opt_from_data(opt_to_data(opt, 'DEFAULT'))
    assert rebuilt.name == opt.name
    assert bool(getattr(rebuilt, 'multi', False)) == bool(
        getattr(opt, 'multi', False)
    )
    for value in SAMPLES:
        assert _verdict(rebuilt, value) == _verdict(opt, value), value


@settings(max_examples=200, deadline=None)
@given(opt=st.sampled_from(OPTS), value=st.text(max_size=12))
def test_round_trip_agrees_on_any_value(opt, value):
    rebuilt = opt_from_data(opt_to_data(opt, 'DEFAULT'))
    assert _verdict(rebuilt, value) == _verdict(opt, value)


def test_secret_defaults_are_not_exported():
    data = opt_to_data(cfg.StrOpt('pw', secret=True, default='hunter2'), 'g')
    assert 'hunter2' not in repr(data)


def test_plain_generator_choices_ignore_case():
    opt = opt_from_data(
        {
            'name': 'memcache_security_strategy',
            'type': 'string value',
            'choices': [['None', None], ['MAC', None], ['ENCRYPT', None]],
        }
    )
    assert opt.type('encrypt') == 'encrypt'
    with pytest.raises(ValueError):
        opt.type('bogus')


def test_plain_generator_choices_with_none():
    # nova lists choices such as [null, 'disabled'] for a StrOpt.
    opt = opt_from_data(
        {
            'name': 'mode',
            'type': 'string value',
            'choices': [[None, 'disabled'], ['on', None]],
        }
    )
    assert opt.type('on') == 'on'
    with pytest.raises(ValueError):
        opt.type('ON')
