from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from oslo_extras.messaging import stamp

values = st.none() | st.floats(0.001, 1e9)


@given(values, values, values)
def test_stamp_round_trips_through_a_context(ttl, sent, heartbeat):
    original = stamp.Stamp(ttl=ttl, sent=sent, heartbeat=heartbeat)
    ctxt = {'user': 'u1'}
    original.write(ctxt)
    assert stamp.Stamp.read(ctxt) == original
    assert stamp.Stamp.pop(ctxt) == original
    assert ctxt == {'user': 'u1'}


def test_garbage_values_read_as_missing():
    ctxt = {stamp.TTL: 'soon', stamp.SENT: None, stamp.HEARTBEAT: [1]}
    assert stamp.Stamp.pop(ctxt) == stamp.Stamp()


def test_deadline_needs_both_ttl_and_send_time():
    assert stamp.Stamp(ttl=2, sent=10).deadline() == 12
    assert stamp.Stamp(ttl=2).deadline() is None


body_values = values | st.integers(-5, 5) | st.text(max_size=3) | st.booleans()
flags = st.none() | st.booleans() | st.just('true') | st.just(1)


def expected_from_body(body):
    """What the body stamp means, read the plain (slow) way."""
    return stamp.Stamp(
        ttl=stamp._number(body.get('ttl')),
        sent=stamp._number(body.get('sent')),
        heartbeat=stamp._number(body.get('heartbeat')),
        broker_ttl=body.get(stamp.BROKER_TTL) is True,
        heartbeat_batch=body.get(stamp.HEARTBEAT_BATCH) is True,
    )


@settings(deadline=None, max_examples=300)
@given(
    st.dictionaries(
        st.sampled_from(
            ['ttl', 'sent', 'heartbeat', stamp.BROKER_TTL, 'other']
            + [stamp.HEARTBEAT_BATCH]
        ),
        body_values | flags,
    ),
    st.dictionaries(
        st.sampled_from([*stamp.KEYS, 'user']), values, max_size=4
    ),
)
def test_take_reads_the_body_and_clears_the_context(body, ctxt):
    message = {'method': 'm', stamp.BODY_KEY: dict(body)}
    context = dict(ctxt)
    taken = stamp.Stamp.take(context, message)
    assert taken == expected_from_body(body)
    assert message == {'method': 'm'}
    assert context.keys().isdisjoint(stamp.KEYS)
    assert context.get('user') == ctxt.get('user')
