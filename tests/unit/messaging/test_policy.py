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
