import pytest
from hypothesis import given
from hypothesis import strategies as st

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
