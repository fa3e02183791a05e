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


@given(values, values, values, values, st.booleans(), st.booleans())
def test_stamp_reaches_the_body_as_the_client_stamped_it(
    ttl, sent, heartbeat, fresh_sent, broker_ttl, batch
):
    # The client's serializer writes it (a plan's stamp, with this
    # message's send time), the extras driver moves it to the body, the
    # server takes it from there.
    from oslo_extras.messaging._serializer import Stamped
    from oslo_extras.messaging._serializer import StampingSerializer

    planned = stamp.Stamp(ttl=ttl, sent=sent, heartbeat=heartbeat)
    ctxt = StampingSerializer(None).serialize_context(
        Stamped({'user': 'u1'}, planned, fresh_sent)
    )
    wire_ctxt, body, wire_ttl = stamp.to_wire(
        ctxt, {'method': 'm'}, broker_ttl, heartbeat_batch=batch
    )
    assert wire_ctxt == {'user': 'u1'} and wire_ttl == ttl
    taken = stamp.Stamp.take(dict(wire_ctxt), dict(body))
    expected_sent = sent if fresh_sent is None else fresh_sent
    assert (taken.ttl, taken.sent, taken.heartbeat) == (
        ttl,
        expected_sent,
        heartbeat,
    )
    assert taken.broker_ttl == (broker_ttl and ttl is not None)
    assert taken.heartbeat_batch == (batch and heartbeat is not None)
    if ttl is None and expected_sent is None and heartbeat is None:
        assert stamp.BODY_KEY not in body


def test_to_wire_reads_numbers_other_clients_wrote():
    ctxt = {stamp.TTL: 5, stamp.SENT: '12.5', stamp.HEARTBEAT: 'often'}
    _, body, ttl = stamp.to_wire(ctxt, {})
    assert ttl == 5.0 and type(ttl) is float
    assert body[stamp.BODY_KEY] == {'ttl': 5.0, 'sent': 12.5}


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
