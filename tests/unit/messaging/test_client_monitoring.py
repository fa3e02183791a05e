"""A stock ``call_monitor_timeout`` survives the extras client.

Upstream's client takes ``call_monitor_timeout`` from ``get_rpc_client()``
or ``prepare()``: the caller then fails after that much silence and servers
heartbeat the call. The extras client must pass it on for methods it does
not heartbeat itself, and plan such copies apart.
"""

from __future__ import annotations

from oslo_extras import messaging
from tests.unit.messaging.helpers import new_target


def _sent(transport):
    """Record what reaches the transport; calls return at once."""
    sent = []

    def _send(target, ctxt, message, wait_for_reply=None, **kwargs):
        sent.append((message['method'], kwargs.get('call_monitor_timeout')))
        return 'ok' if wait_for_reply else None

    transport._send = _send
    return sent


def test_stock_call_monitor_timeout_reaches_the_driver(fake_transport):
    sent = _sent(fake_transport)
    client = messaging.get_rpc_client(
        fake_transport,
        new_target(),
        ttl=30,
        timeout=60,
        call_monitor_timeout=10,
        methods={'beating': dict(heartbeat=1)},
    )
    client.call({}, 'plain')
    client.prepare(call_monitor_timeout=12).call({}, 'plain')
    client.prepare(timeout=20).call({}, 'plain')
    client.call({}, 'plain')
    # A heartbeating method keeps the window the caller gave (upstream's
    # meaning), not the policy's.
    client.prepare(call_monitor_timeout=12).call({}, 'beating')
    assert sent == [
        ('plain', 10),
        ('plain', 12),
        ('plain', 10),
        ('plain', 10),
        ('beating', 12),
    ]


def test_prepare_without_a_window_keeps_none(fake_transport):
    sent = _sent(fake_transport)
    client = messaging.get_rpc_client(fake_transport, new_target(), ttl=30)
    client.prepare(call_monitor_timeout=7).call({}, 'plain')
    client.call({}, 'plain')
    assert sent == [('plain', 7), ('plain', None)]
