"""Whatever a crafted message stamps, reading it never raises."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from oslo_extras.messaging import stamp

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.floats()
    | st.integers()
    | st.integers(min_value=10**308, max_value=10**400)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
FIELDS = st.dictionaries(
    st.sampled_from(['ttl', 'sent', 'heartbeat', 'broker_ttl']), JSON_VALUES
)


@given(
    body=FIELDS | JSON_VALUES,
    ctxt=st.dictionaries(
        st.sampled_from(['ttl', 'sent', 'heartbeat']), JSON_VALUES
    ),
)
def test_any_stamp_reads_as_numbers_or_unset(body, ctxt):
    context = {stamp.PREFIX + key: value for key, value in ctxt.items()}
    message = {'method': 'work', stamp.BODY_KEY: body}
    read = stamp.Stamp.take(context, message)
    for value in (read.ttl, read.sent, read.heartbeat):
        assert value is None or (
            type(value) is float and not math.isnan(value)
        )
    assert stamp.BODY_KEY not in message
    assert not any(key.startswith(stamp.PREFIX) for key in context)


def test_an_integer_past_a_float_reads_as_unset():
    read = stamp.Stamp.take({}, {stamp.BODY_KEY: {'ttl': 10**400}})
    assert read.ttl is None
