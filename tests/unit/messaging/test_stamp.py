from hypothesis import given
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
