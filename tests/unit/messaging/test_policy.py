from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oslo_extras.messaging.policy import MAX_TTL
from oslo_extras.messaging.policy import MessagePolicy
from oslo_extras.messaging.policy import PolicyMap


def np_number():
    """A numpy float when numpy is installed, else a plain one."""
    try:
        import numpy
    except ImportError:
        return 2.5
    return numpy.float64(2.5)


seconds = st.none() | st.floats(0.001, 1e6)


@pytest.mark.parametrize('field', ['heartbeat', 'ttl'])
@pytest.mark.parametrize('value', [0, -1, float('nan')])
def test_non_positive_seconds_are_refused(field, value):
    with pytest.raises(ValueError, match=field):
        MessagePolicy(**{field: value})


@given(seconds, seconds, seconds, seconds)
def test_method_values_win_where_set(hb, ttl, method_hb, method_ttl):
    policies = PolicyMap(
        MessagePolicy(hb, ttl),
        {'resize': dict(heartbeat=method_hb, ttl=method_ttl)},
    )
    resolved = policies.resolve('resize')
    assert resolved.heartbeat == (hb if method_hb is None else method_hb)
    assert resolved.ttl == (ttl if method_ttl is None else method_ttl)
    assert policies.resolve('other') == MessagePolicy(hb, ttl)


def test_fractions_are_kept():
    assert (
        PolicyMap(MessagePolicy(heartbeat=0.25)).resolve(None).heartbeat
        == 0.25
    )


@given(
    st.one_of(
        st.lists(st.text(max_size=5), max_size=3),
        st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
        st.sets(st.integers(), max_size=3),
    )
)
def test_an_unhashable_method_gets_the_default(method):
    # A crafted message's method name: never a TypeError.
    policies = PolicyMap(MessagePolicy(ttl=7), {'resize': dict(ttl=1)})
    assert policies.resolve(method) == MessagePolicy(ttl=7)


@pytest.mark.parametrize('ttl', [float('inf'), MAX_TTL * 1.001, 1e300])
def test_a_ttl_no_broker_takes_is_refused(ttl):
    with pytest.raises(ValueError, match='ttl must be at most 315360000'):
        MessagePolicy(ttl=ttl)
    with pytest.raises(ValueError, match='ttl must be at most'):
        PolicyMap(methods={'m': dict(ttl=ttl)})


def test_a_ten_year_ttl_is_kept():
    assert MessagePolicy(ttl=MAX_TTL).ttl == MAX_TTL == 315360000


def test_client_server_and_notifier_refuse_an_infinite_ttl():
    # Before: accepted, then every cast failed with 'Unable to connect to
    # AMQP server ... cannot convert float infinity to integer' and the
    # server could not declare its queues.
    import oslo_messaging

    from oslo_extras import messaging
    from tests.unit.messaging.helpers import make_conf

    transport = messaging.get_rpc_transport(make_conf(), 'kombu+memory:////')
    target = oslo_messaging.Target(topic='t', server='s')
    inf = float('inf')
    try:
        for build in (
            lambda: messaging.get_rpc_client(transport, target, ttl=inf),
            lambda: messaging.get_rpc_server(transport, target, [], ttl=inf),
            lambda: messaging.get_notifier(transport, 'p', ttl=inf),
        ):
            with pytest.raises(ValueError, match='ttl must be at most'):
                build()
    finally:
        transport.cleanup()


@pytest.mark.parametrize(
    'methods, named',
    [
        ({'resize': dict(ttl=float('inf'))}, "method 'resize'"),
        ({'resize': dict(ttl=MAX_TTL + 1)}, "method 'resize'"),
        ({'resize': dict(heartbeat=0)}, "method 'resize'"),
        ({'resize': dict(heartbeat=-1, ttl=5)}, "method 'resize'"),
        ({'resize': dict(timeout=5)}, "method 'resize'"),
    ],
)
def test_a_refused_method_value_names_the_method(methods, named):
    # Before: 'ttl must be at most 315360000 seconds ..., got inf', with
    # nothing saying which of a client's methods declared it.
    with pytest.raises((TypeError, ValueError)) as raised:
        PolicyMap(MessagePolicy(ttl=5), methods)
    assert str(raised.value).startswith(f'{named}: ')


@pytest.mark.parametrize(
    'ttl, limit_and_value',
    [
        (float('inf'), ('at most 315360000 seconds', 'got inf')),
        (MAX_TTL + 1, ('at most 315360000 seconds', 'got 315360001')),
        (0, ('> 0 seconds', 'got 0')),
    ],
)
def test_the_error_keeps_the_limit_and_the_value(ttl, limit_and_value):
    with pytest.raises(ValueError) as raised:
        PolicyMap(methods={'resize': dict(ttl=ttl)})
    for part in limit_and_value:
        assert part in str(raised.value)


@pytest.mark.parametrize(
    'build, named',
    [
        (
            lambda m, t, tr: m.get_rpc_client(
                tr, t, ttl=5, methods={'resize': dict(ttl=float('inf'))}
            ),
            "method 'resize': ttl must be at most 315360000",
        ),
        (
            lambda m, t, tr: m.get_rpc_server(
                tr, t, [], methods={'resize': dict(heartbeat=0)}
            ),
            "method 'resize': heartbeat must be > 0 seconds, got 0",
        ),
        (
            lambda m, t, tr: m.get_notifier(
                tr, 'p', events={'compute.metrics': dict(ttl=1e300)}
            ),
            "event type 'compute.metrics': ttl must be at most 315360000",
        ),
        (
            lambda m, t, tr: m.get_notification_listener(
                tr, [t], [], events={'compute.metrics': dict(ttl=-1)}
            ),
            "event type 'compute.metrics': ttl must be > 0 seconds, got -1",
        ),
        (
            lambda m, t, tr: m.get_rpc_client(tr, t, ttl=float('inf')),
            'default policy: ttl must be at most 315360000 seconds',
        ),
        (
            lambda m, t, tr: m.get_rpc_server(tr, t, [], heartbeat=0),
            'default policy: heartbeat must be > 0 seconds, got 0',
        ),
        (
            lambda m, t, tr: m.get_notifier(tr, 'p', ttl=0),
            'default policy: ttl must be > 0 seconds, got 0',
        ),
    ],
)
def test_builders_name_whose_policy_is_refused(build, named):
    import oslo_messaging

    from oslo_extras import messaging
    from tests.unit.messaging.helpers import make_conf

    transport = messaging.get_rpc_transport(make_conf(), 'kombu+memory:////')
    target = oslo_messaging.Target(topic='t', server='s')
    try:
        with pytest.raises(ValueError) as raised:
            build(messaging, target, transport)
        assert str(raised.value).startswith(named)
    finally:
        transport.cleanup()


@pytest.mark.parametrize('field', ['heartbeat', 'ttl'])
@pytest.mark.parametrize(
    'value, shown',
    [
        (Decimal('NaN'), "> 0 seconds, got Decimal('NaN')"),
        (Decimal('sNaN'), "> 0 seconds, got Decimal('sNaN')"),
        pytest.param(10**400, '(401 characters)', id='int-401-digits'),
        pytest.param(10**5000, 'an int of 16610 bits', id='int-5001-digits'),
    ],
)
def test_odd_numbers_are_refused_with_whose_and_the_value(field, value, shown):
    # Before: Decimal NaNs raised decimal.InvalidOperation naming no
    # method; an int past Python's digit limit raised the digit limit's
    # ValueError instead of the limit; a huge heartbeat was accepted.
    with pytest.raises(ValueError) as raised:
        PolicyMap(methods={'resize': {field: value}})
    assert str(raised.value).startswith(f"method 'resize': {field} must be")
    assert shown in str(raised.value)


@pytest.mark.parametrize(
    'value',
    [float('inf'), pytest.param(10**400, id='int-401-digits'), Decimal('Inf')],
)
def test_an_infinite_heartbeat_is_refused(value):
    # Before: accepted; a huge int failed every call of the client with
    # OverflowError (int too large to convert to float).
    with pytest.raises(ValueError, match='heartbeat must be a finite number'):
        PolicyMap.declared(heartbeat=value)


@pytest.mark.parametrize(
    'value', [True, False, '5', b'5', 1j, [1], {'a': 1}, 'token=s3cr3t']
)
def test_what_is_no_number_of_seconds_is_named_by_its_type(value):
    # Before: True was a 1 s heartbeat or TTL, False '> 0, got False', and
    # the others "'>' not supported between instances of 'str' and 'int'"
    # (no limit). The value itself is not shown: it may be anything.
    with pytest.raises(TypeError) as raised:
        PolicyMap(methods={'resize': {'ttl': value}})
    message = str(raised.value)
    assert message == (
        "method 'resize': ttl must be a number of seconds (> 0), "
        f'got a {type(value).__name__}'
    )


@pytest.mark.parametrize(
    'value', [Decimal('3'), Fraction(3, 2), 3, 1.5, np_number()]
)
def test_other_numbers_are_kept_as_floats(value):
    # Before: kept as given; a Decimal heartbeat failed every call
    # (Decimal - float) on the client and on the server, a Fraction was
    # sent in the message and failed to serialize on RabbitMQ.
    policy = MessagePolicy(heartbeat=value, ttl=value)
    assert type(policy.heartbeat) is float and type(policy.ttl) is float
    assert policy.heartbeat == policy.ttl == float(value)


@pytest.mark.parametrize(
    ('value', 'error', 'message'),
    [
        ('60', TypeError, 'max_call_time must be a number of seconds'),
        (0, ValueError, 'max_call_time must be > 0 seconds, got 0'),
        (-1, ValueError, 'got -1'),
        (float('nan'), ValueError, 'got nan'),
        (float('inf'), ValueError, 'finite'),
        (True, TypeError, 'got a bool'),
    ],
)
def test_a_client_refuses_a_max_call_time_that_is_no_time(
    value, error, message
):
    # Before: accepted, then every heartbeating call failed ('60' from a
    # config file: TypeError in the heartbeat interceptor).
    import oslo_messaging

    from oslo_extras import messaging
    from tests.unit.messaging.helpers import make_conf

    transport = messaging.get_rpc_transport(make_conf(), 'kombu+memory:////')
    target = oslo_messaging.Target(topic='t', server='s')
    try:
        with pytest.raises(error, match=message):
            messaging.get_rpc_client(
                transport, target, heartbeat=1, max_call_time=value
            )
        client = messaging.get_rpc_client(
            transport, target, heartbeat=1, max_call_time=Decimal('7.5')
        )
        assert client._max_call_time == 7.5
    finally:
        transport.cleanup()


def _np_timedeltas():
    try:
        import numpy
    except ImportError:
        return []
    return [
        pytest.param(numpy.timedelta64(30, 'ns'), id='timedelta64-30ns'),
        pytest.param(numpy.timedelta64(30), id='timedelta64-no-unit'),
        pytest.param(numpy.timedelta64(30, 's'), id='timedelta64-30s'),
    ]


@pytest.mark.parametrize('field', ['heartbeat', 'ttl', 'clock_skew'])
@pytest.mark.parametrize('value', _np_timedeltas())
def test_a_numpy_duration_is_refused_by_its_type(field, value):
    # numpy registers timedelta64 as an integer: 30 ns (or no unit) was
    # taken as 30 s, and 30 s failed with float()'s TypeError, naming
    # neither the field nor the limit.
    from oslo_extras.messaging import policy

    with pytest.raises(TypeError) as raised:
        if field == 'clock_skew':
            policy.clock_skew(value)
        else:
            policy.seconds(field, value)
    assert str(raised.value).startswith(f'{field} must be a number of seconds')
    assert str(raised.value).endswith('got a timedelta64')


@pytest.mark.parametrize('field', ['heartbeat', 'ttl', 'clock_skew'])
def test_a_fraction_too_long_to_print_is_refused_with_the_limit(field):
    # Its repr() passes an int past Python's digit limit: the error said
    # "'Fraction' object has no attribute 'bit_length'".
    from oslo_extras.messaging import policy

    value = Fraction(10**5000, 3)
    with pytest.raises(ValueError) as raised:
        if field == 'clock_skew':
            policy.clock_skew(value)
        else:
            policy.seconds(field, value)
    message = str(raised.value)
    assert message.startswith(f'{field} must be')
    assert message.endswith('got a Fraction too long to print')


@pytest.mark.parametrize(
    'value',
    [Decimal('-1e-400'), Fraction(-1, 10**400), -(10**400)],
    ids=['decimal', 'fraction', 'int'],
)
def test_a_negative_clock_skew_is_refused_however_small_or_large(value):
    # A negative Decimal or Fraction too small for a float was taken as
    # -0.0 (an allowance of 0 s) instead of being refused as negative.
    from oslo_extras.messaging import policy

    with pytest.raises(ValueError, match='clock_skew must be a finite'):
        policy.clock_skew(value)
