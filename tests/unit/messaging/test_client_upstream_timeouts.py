"""Code written for upstream keeps upstream's meaning of its timeouts.

Upstream's ``prepare(timeout=T, call_monitor_timeout=W)`` means: the caller
waits T seconds in all and gives up after W seconds without a reply or a
heartbeat. nova prepares its long calls so (``timeout=long_rpc_timeout``,
1800 s, ``call_monitor_timeout=rpc_response_timeout``, 60 s). A heartbeat
policy on the method used to turn T into the silence window and cap the
call at ``rpc_response_timeout``: the 1800 s call was killed at 60 s, and a
dead server was noticed only after 1800 s of silence.
"""

from __future__ import annotations

import time

import oslo_messaging
import pytest

from oslo_extras import messaging
from tests.unit.messaging.helpers import Endpoint
from tests.unit.messaging.helpers import new_target
from tests.unit.messaging.helpers import running


def _plan(client, method='work'):
    message = client._outgoing(method, call=True)
    return (
        message.timeout,
        message.silence,
        message.call_monitor_timeout,
        message.fields.get('heartbeat'),
        message.fields.get('ttl'),
    )


def test_novas_long_call_keeps_its_total_and_window(fake_transport):
    # nova.compute.rpcapi: prepare(call_monitor_timeout=60, timeout=1800).
    client = messaging.get_rpc_client(
        fake_transport, new_target(), heartbeat=1, ttl=300
    )
    prepared = client.prepare(call_monitor_timeout=60, timeout=1800)
    total, silence, window, interval, call_ttl = _plan(prepared)
    assert (total, silence, window, interval) == (1800, 60, 60, 1.0)
    # What its caller waits: the window less one heartbeat interval.
    assert call_ttl == 59.0


def test_a_declared_max_call_time_wins_only_when_longer(fake_transport):
    target = new_target()
    longer = messaging.get_rpc_client(
        fake_transport, target, heartbeat=1, max_call_time=3000
    )
    shorter = messaging.get_rpc_client(
        fake_transport, target, heartbeat=1, max_call_time=10
    )
    for client, total in ((longer, 3000), (shorter, 1800)):
        prepared = client.prepare(call_monitor_timeout=60, timeout=1800)
        assert _plan(prepared)[:3] == (total, 60, 60)


def test_a_prepared_total_without_a_window(fake_transport):
    # prepare(timeout=T) alone is upstream's total; the silence window is
    # the policy's (the client's documented timeout).
    client = messaging.get_rpc_client(
        fake_transport, new_target(), heartbeat=1, timeout=2
    )
    assert _plan(client.prepare(timeout=1800))[:2] == (1800, 2)
    assert _plan(client.prepare(timeout=10))[:2] == (10, 2)
    # prepare(timeout=None): upstream's rpc_response_timeout.
    assert _plan(client.prepare(timeout=None))[:2] == (60, 2)


def test_upstream_words_given_to_get_rpc_client(fake_transport):
    # get_rpc_client(timeout=, call_monitor_timeout=) as upstream's.
    client = messaging.get_rpc_client(
        fake_transport,
        new_target(),
        heartbeat=1,
        timeout=1800,
        call_monitor_timeout=60,
    )
    assert _plan(client)[:3] == (1800, 60, 60)
    assert _plan(client.prepare(version='1.0'))[:3] == (1800, 60, 60)
    assert _plan(client.prepare(timeout=300))[:3] == (300, 60, 60)


def test_the_documented_api_is_unchanged(fake_transport):
    target = new_target()
    capped = messaging.get_rpc_client(
        fake_transport, target, heartbeat=1, timeout=2, max_call_time=5
    )
    assert _plan(capped)[:3] == (5, 2, 2)
    plain = messaging.get_rpc_client(
        fake_transport, target, heartbeat=1, timeout=2
    )
    assert _plan(plain)[:3] == (60, 2, 2)
    assert _plan(plain.prepare(version='1.0'))[:3] == (60, 2, 2)
    # A window prepared alone: upstream's window, the cap as before.
    assert _plan(plain.prepare(call_monitor_timeout=7))[:3] == (60, 7, 7)


def test_a_window_shorter_than_two_heartbeats_is_kept(fake_transport):
    # The server is asked to heartbeat often enough for the window.
    client = messaging.get_rpc_client(
        fake_transport, new_target(), heartbeat=5, ttl=300
    )
    prepared = client.prepare(timeout=100, call_monitor_timeout=4)
    assert _plan(prepared) == (100, 4, 4, 2.0, 2.0)


def test_a_long_call_outlives_rpc_response_timeout(fake_transport):
    # Scaled down nova: rpc_response_timeout 1 s, long_rpc_timeout 5 s.
    fake_transport.conf.set_override('rpc_response_timeout', 1)
    target = new_target()
    server = messaging.get_rpc_server(fake_transport, target, [Endpoint()])
    client = messaging.get_rpc_client(fake_transport, target, heartbeat=0.2)
    prepared = client.prepare(call_monitor_timeout=2, timeout=5)
    with running(server):
        assert prepared.call({}, 'work', seconds=2.5) == 'worked 2.5s'


def test_a_dead_server_is_noticed_after_the_window(fake_transport):
    fake_transport.conf.set_override('rpc_response_timeout', 6)
    client = messaging.get_rpc_client(
        fake_transport, new_target(), heartbeat=0.5
    )
    # Nobody serves the topic: silence from the start.
    prepared = client.prepare(call_monitor_timeout=2, timeout=30)
    started = time.monotonic()
    with pytest.raises(messaging.HeartbeatTimeout) as err:
        prepared.call({}, 'work', seconds=0)
    assert 2 <= time.monotonic() - started < 3
    assert err.value.silence == 2


def test_a_hung_endpoint_is_reported_at_the_prepared_total(fake_transport):
    target = new_target()
    server = messaging.get_rpc_server(fake_transport, target, [Endpoint()])
    client = messaging.get_rpc_client(fake_transport, target, heartbeat=0.2)
    prepared = client.prepare(call_monitor_timeout=2, timeout=3)
    with running(server):
        started = time.monotonic()
        with pytest.raises(messaging.CallTimeExceeded) as err:
            prepared.call({}, 'work', seconds=4)
        assert 3 <= time.monotonic() - started < 3.8
    assert err.value.limit == 3
    assert isinstance(err.value, oslo_messaging.MessagingTimeout)


def _zero_timeout_clients(transport, target):
    """A stock client, then ours without and with a heartbeat, each as
    ``prepare(timeout=0)`` and with its ``timeout`` attribute set to 0."""
    stock = oslo_messaging.get_rpc_client(transport, target)
    plain = messaging.get_rpc_client(transport, target, ttl=30)
    beating = messaging.get_rpc_client(transport, target, heartbeat=0.2)
    set_to_zero = messaging.get_rpc_client(transport, target, heartbeat=0.2)
    set_to_zero.timeout = 0
    return [
        ('stock', stock.prepare(timeout=0)),
        ('stock, window', stock.prepare(timeout=0, call_monitor_timeout=2)),
        ('no heartbeat', plain.prepare(timeout=0)),
        ('heartbeat', beating.prepare(timeout=0)),
        (
            'heartbeat, window',
            beating.prepare(timeout=0, call_monitor_timeout=2),
        ),
        ('heartbeat, attribute', set_to_zero),
    ]


def _assert_zero_timeouts_fail_at_once(transport):
    transport.conf.set_override('rpc_response_timeout', 3)
    target = new_target()
    server = messaging.get_rpc_server(transport, target, [Endpoint()])
    with running(server):
        for name, client in _zero_timeout_clients(transport, target):
            started = time.monotonic()
            with pytest.raises(oslo_messaging.MessagingTimeout):
                client.call({}, 'work', seconds=0.5)
            assert time.monotonic() - started < 0.4, name


def test_a_zero_timeout_fails_at_once_as_upstreams(any_transport):
    # Upstream takes timeout=0 as a total of 0 s, not as 'no timeout': its
    # amqp driver's waiter and its fake driver's reply queue give up at
    # once (the request is sent and still runs). A heartbeating call on
    # our client took 0 for unset and waited rpc_response_timeout.
    _assert_zero_timeouts_fail_at_once(any_transport)


def test_a_zero_timeout_on_upstreams_fake_driver(stock_fake_transport):
    _assert_zero_timeouts_fail_at_once(stock_fake_transport)


def test_a_zero_timeout_is_a_total_of_zero(fake_transport):
    client = messaging.get_rpc_client(
        fake_transport, new_target(), heartbeat=1, timeout=2
    )
    # The window is the client's; the total upstream's 0 s.
    assert _plan(client.prepare(timeout=0))[:3] == (0, 2, 2)
    # A declared max_call_time still wins when longer (as for any total).
    capped = messaging.get_rpc_client(
        fake_transport, new_target(), heartbeat=1, max_call_time=5
    )
    assert _plan(capped.prepare(timeout=0))[:3] == (5, 2, 2)


def _assert_negative_totals_refused(transport):
    # Upstream's fake reply queue and amqp driver's timer refuse a
    # negative timeout with ValueError (after the request was sent).
    # fake-extras raised MessagingTimeout on a monitored call (ours with a
    # heartbeat reported CallTimeExceeded 'after -1s'), and the client
    # stamped a TTL of -1 s, so the server dropped the request as expired.
    target = new_target()
    server = messaging.get_rpc_server(transport, target, [Endpoint()])
    with running(server):
        for name, client in _zero_timeout_clients(transport, target):
            if name == 'heartbeat, attribute':
                client.timeout = -1
            else:
                client = client.prepare(timeout=-1)
            with pytest.raises(ValueError, match='negative|zero'):
                client.call({}, 'work', seconds=0)
            assert not isinstance(client, messaging.RPCClient) or (
                _plan(client)[4] in (None, 30)
            ), name


def test_a_negative_total_is_refused_as_upstreams(any_transport):
    _assert_negative_totals_refused(any_transport)


def test_a_negative_total_on_upstreams_fake_driver(stock_fake_transport):
    _assert_negative_totals_refused(stock_fake_transport)


def test_a_zero_total_is_reported_as_giving_up_at_once(any_transport):
    # The report said the server "was still running" the method "after 0s"
    # and that its endpoint "may hang": it was never waited for.
    target = new_target()
    server = messaging.get_rpc_server(any_transport, target, [Endpoint()])
    client = messaging.get_rpc_client(any_transport, target, heartbeat=0.2)
    with running(server):
        with pytest.raises(messaging.CallTimeExceeded) as err:
            client.prepare(timeout=0).call({}, 'work', seconds=0.5)
    assert 'gave up at once' in str(err.value)
    assert 'may hang' not in str(err.value)
    assert err.value.limit == 0
