"""A server's per-method TTL counts the time spent in the broker too.

RabbitMQ expires a message after the TTL its client stamped (``expiration``)
or the queue's ``x-message-ttl`` (the server's default ``ttl``): with
``broker_ttl`` the server skips the sender-clock check because the broker
measured that much. A method whose own server TTL is shorter than both was
never measured by the broker: the sender clock (with its skew allowance)
must still be compared, or a request that waited in the queue longer than
that TTL runs.
"""

from __future__ import annotations

from oslo_extras.messaging import stamp as stamp_mod
from oslo_extras.messaging.interceptors import Request
from oslo_extras.messaging.interceptors.ttl import TimeToLive
from oslo_extras.messaging.interceptors.ttl import expired
from oslo_extras.messaging.policy import MessagePolicy
from oslo_extras.messaging.stamp import Stamp


def request(stamp, policy, queue_ttl=None, skew=1.0):
    services = {'clock_skew': skew, 'queue_ttl': queue_ttl}
    return Request(None, 'resize', stamp, policy, services)


def test_method_ttl_shorter_than_the_brokers_checks_the_sender_clock():
    # Stamped 30 s (the broker's expiration), 10 s old; the method: 2 s.
    old = Stamp(ttl=30.0, sent=stamp_mod.now() - 10, broker_ttl=True)
    req = request(old, MessagePolicy(ttl=2))
    assert 'sender clock' in expired(req)
    ttl = TimeToLive()
    assert ttl._receive(request(old, MessagePolicy(ttl=2))) is None
    assert ttl.received(request(old, MessagePolicy(ttl=2))) is False
    assert ttl.dispatching(request(old, MessagePolicy(ttl=2))) is False


def test_broker_measured_ttl_still_skips_the_sender_clock():
    # The caller's clock 3 s behind: the broker measured the TTL.
    behind = Stamp(ttl=2.0, sent=stamp_mod.now() - 3, broker_ttl=True)
    ttl = TimeToLive()
    for policy, queue_ttl in (
        (MessagePolicy(), None),
        (MessagePolicy(ttl=5), None),  # the stamp's 2 s is shorter
        (MessagePolicy(ttl=2), 2.0),  # the queue's x-message-ttl
    ):
        assert expired(request(behind, policy, queue_ttl)) is None
        assert ttl._receive(request(behind, policy, queue_ttl)) is True
        assert ttl.dispatching(request(behind, policy, queue_ttl)) is True
