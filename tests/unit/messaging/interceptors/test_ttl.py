import time

import pytest

from oslo_extras.messaging import stamp as stamp_mod
from oslo_extras.messaging.interceptors import Outgoing
from oslo_extras.messaging.interceptors import Request
from oslo_extras.messaging.interceptors.heartbeat import Heartbeat
from oslo_extras.messaging.interceptors.ttl import TimeToLive
from oslo_extras.messaging.interceptors.ttl import expired
from oslo_extras.messaging.policy import MessagePolicy
from oslo_extras.messaging.stamp import Stamp


def stamped(policy, call, timeout=None):
    message = Outgoing('m', policy, call, timeout)
    Heartbeat().outgoing(message)
    TimeToLive().outgoing(message)
    return message.fields


def test_cast_carries_its_ttl_and_send_time():
    fields = stamped(MessagePolicy(ttl=5), call=False)
    assert fields['ttl'] == 5
    assert abs(fields['sent'] - time.time()) < 1


def test_call_ttl_is_at_most_what_the_caller_waits():
    assert stamped(MessagePolicy(ttl=30), True, timeout=10)['ttl'] == 10
    assert stamped(MessagePolicy(ttl=3), True, timeout=10)['ttl'] == 3
    assert stamped(MessagePolicy(), True, timeout=10)['ttl'] == 10
    # With heartbeats: the silence window less one interval (a call
    # received later gets its first heartbeat after the caller gave up).
    assert stamped(MessagePolicy(heartbeat=1), True)['ttl'] == 1
    assert stamped(MessagePolicy(heartbeat=1.5), True)['ttl'] == 1.5
    assert stamped(MessagePolicy(heartbeat=5), True, timeout=2)['ttl'] == 5
    assert stamped(MessagePolicy(heartbeat=1, ttl=0.5), True)['ttl'] == 0.5


def test_no_ttl_no_stamp():
    assert stamped(MessagePolicy(), call=False) == {}


NO_POLICY = MessagePolicy()


def req(stamp, policy=NO_POLICY, skew=0.0, waited=0.0):
    request = Request(None, 'm', stamp, policy, {'clock_skew': skew})
    request.received -= waited
    return request


def test_fresh_message_is_kept():
    assert expired(req(Stamp(ttl=5, sent=stamp_mod.now()))) is None
    assert expired(req(Stamp())) is None


def test_old_message_is_expired_by_the_sender_clock():
    reason = expired(req(Stamp(ttl=1, sent=stamp_mod.now() - 3)))
    assert 'sender clock' in reason


def test_broker_enforced_ttl_skips_the_sender_clock():
    # RabbitMQ expired nothing: a sender clock 3 s behind must not matter.
    behind = Stamp(ttl=1, sent=stamp_mod.now() - 3, broker_ttl=True)
    assert expired(req(behind)) is None
    # What waited here is still measured.
    assert 'in the server' in expired(req(behind, waited=1.5))


def test_skew_allowance_widens_the_wall_clock_check():
    old = Stamp(ttl=1, sent=stamp_mod.now() - 3)
    assert expired(req(old, skew=5)) is None


def test_time_waited_in_the_server_needs_no_clock_agreement():
    # The sender's clock is far behind (message looks fresh) and the skew
    # allowance is huge, yet it waited longer than its TTL here.
    future = Stamp(ttl=1, sent=stamp_mod.now() + 3600)
    assert 'in the server' in expired(req(future, skew=7200, waited=1.5))


def test_server_policy_ttl_applies_to_unstamped_messages():
    assert expired(req(Stamp(), MessagePolicy(ttl=1), waited=2))
    assert expired(req(Stamp(), MessagePolicy(ttl=1), waited=0.1)) is None


@pytest.mark.parametrize('kept_alive', [True, False])
def test_heartbeated_call_is_not_dropped_at_dispatch(kept_alive):
    request = req(Stamp(ttl=1, sent=stamp_mod.now() - 5))
    request.state['kept_alive'] = kept_alive
    assert TimeToLive().dispatching(request) is kept_alive


@pytest.mark.parametrize('broker_ttl', [True, False])
def test_dispatching_and_expired_agree(broker_ttl):
    # dispatching() checks a broker TTL inline: it must say what expired()
    # says, the smaller of the stamp's and the policy's TTL winning.
    now = stamp_mod.now()
    cases = [
        (Stamp(ttl=1, sent=now, broker_ttl=broker_ttl), NO_POLICY, 0.5),
        (Stamp(ttl=1, sent=now, broker_ttl=broker_ttl), NO_POLICY, 1.5),
        (
            Stamp(ttl=5, sent=now, broker_ttl=broker_ttl),
            MessagePolicy(ttl=1),
            1.5,
        ),
        (
            Stamp(ttl=1, sent=now, broker_ttl=broker_ttl),
            MessagePolicy(ttl=5),
            1.5,
        ),
        (Stamp(sent=now, broker_ttl=broker_ttl), MessagePolicy(ttl=1), 1.5),
        (Stamp(broker_ttl=broker_ttl), NO_POLICY, 99),
    ]
    for stamp, policy, waited in cases:
        request = req(stamp, policy, waited=waited)
        reason = expired(request)
        assert TimeToLive().dispatching(request) is (reason is None)
        assert request.dropped == reason


def test_dispatching_keeps_a_call_being_heartbeated():
    request = req(Stamp(ttl=1, broker_ttl=True), waited=5)
    request.state['kept_alive'] = True
    assert TimeToLive().dispatching(request)
    assert request.dropped is None


def test_receive_is_received_then_watches():
    # The server's fused hook says what the documented pair says.
    now = stamp_mod.now()
    stamps = [
        Stamp(),
        Stamp(ttl=5, sent=now),
        Stamp(ttl=1, sent=now - 3),
        Stamp(ttl=1, sent=now - 3, broker_ttl=True),
    ]
    for stamp in stamps:
        for policy in (NO_POLICY, MessagePolicy(ttl=2)):
            fused, pair = req(stamp, policy), req(stamp, policy)
            kept = TimeToLive().received(pair)
            expected = TimeToLive().watches(pair) if kept else None
            assert TimeToLive()._receive(fused) == expected
            assert fused.dropped == pair.dropped
