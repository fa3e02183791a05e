import pytest
from hypothesis import given
from hypothesis import strategies as st

from oslo_extras.messaging.policy import MAX_TTL
from oslo_extras.messaging.policy import MessagePolicy
from oslo_extras.messaging.policy import PolicyMap

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
