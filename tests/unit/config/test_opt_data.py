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


def test_generator_data_checks_like_the_namespaces(tmp_path, real_catalog):
    """--opt-data of real libraries reports what --namespace reports."""
    import warnings

    from oslo_config import generator

    from oslo_extras.config.catalog import OptionCatalog
    from oslo_extras.config.validate import Validator
    from tests.unit.config.conftest import REAL_NAMESPACES

    data = tmp_path / 'opts.yaml'
    argv = ['--format', 'yaml', '--output-file', str(data)]
    for namespace in REAL_NAMESPACES:
        argv += ['--namespace', namespace]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        generator.main(argv)
    from_data = OptionCatalog.from_opt_data(str(data))
    conf = tmp_path / 'svc.conf'
    conf.write_text(
        '[DEFAULT]\n'
        'log_rotate_interval_type = days\n'  # case-insensitive choice
        'debug = maybe\n'
        'rpc_response_timeout = 0.5\n'
        '[keystone_authtoken]\n'
        'memcache_security_strategy = encrypt\n'  # case-insensitive
        'memcache_secret_key = k\n'
        'www_authenticate_uri = not a uri\n'
        '[oslo_messaging_rabbit]\n'
        'rabbit_login_method = NOPE\n'
        'heartbeat_rate = x\n'
    )

    def found(catalog):
        return sorted(
            (f.line, f.code, f.severity)
            for f in Validator(catalog).validate([str(conf)])
        )

    assert found(from_data) == found(real_catalog)
    assert [line for line, *_ in found(from_data)] == [3, 4, 10, 11]


def test_malformed_opt_data_is_a_one_line_error(tmp_path):
    # The CLI prints a CatalogError as its one usage line (exit 2): a
    # YAML parser's message spans several lines, with a caret drawing.
    from oslo_extras.config.catalog import CatalogError
    from oslo_extras.config.catalog import OptionCatalog

    path = tmp_path / 'opts.yaml'
    path.write_text('options: [\n')
    with pytest.raises(CatalogError) as info:
        OptionCatalog.from_opt_data(str(path))
    message = str(info.value)
    assert '\n' not in message
    assert message.startswith(f'{path}: cannot read opt data: ')
    assert 'line 2' in message
