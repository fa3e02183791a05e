"""What the application did not choose stays upstream's.

Upstream's client reads ``rpc_response_timeout`` on every call that has no
timeout of its own, so a test (or a service) that overrides it after the
client's first call is obeyed; ours kept the value its first call read.
Upstream's own ``fake://`` driver (an application's test transport) ignores
call monitoring: a heartbeating call waits its total there, and an
endpoint's ``MessagingTimeout`` raised after the silence window reached the
caller as ``HeartbeatTimeout``.
"""

from __future__ import annotations

import time

import oslo_messaging
import pytest

from oslo_extras import messaging
from tests.unit.messaging.helpers import new_target
from tests.unit.messaging.helpers import running


@pytest.mark.parametrize('kind', ['stock', 'extras', 'extras-prepared'])
def test_rpc_response_timeout_is_read_on_each_call(
    kind, stock_fake_transport, fake_transport
):
    if kind == 'stock':
        transport = stock_fake_transport
        client = oslo_messaging.get_rpc_client(transport, new_target())
    else:
        transport = fake_transport
        client = messaging.get_rpc_client(transport, new_target(), ttl=30)
        if kind == 'extras-prepared':
            client = client.prepare(version='1.0')
    conf = transport.conf
    # Nobody serves the topic: each call waits rpc_response_timeout.
    for seconds in (1, 2):
        conf.set_override('rpc_response_timeout', seconds)
        started = time.monotonic()
        with pytest.raises(oslo_messaging.MessagingTimeout):
            client.call({}, 'work')
        assert seconds <= time.monotonic() - started < seconds + 0.8


class LateTimeout:
    def work(self, ctxt, seconds):
        time.sleep(seconds)
        raise oslo_messaging.MessagingTimeout('the database timed out')


@pytest.fixture
def late_timeout_client(stock_fake_transport):
    """A heartbeating client (2 s window) of a running server whose
    endpoint raises ``MessagingTimeout``, on upstream's ``fake://``."""
    target = new_target()
    server = messaging.get_rpc_server(
        stock_fake_transport, target, [LateTimeout()]
    )
    with running(server):
        yield messaging.get_rpc_client(
            stock_fake_transport, target, heartbeat=0.5, timeout=2
        )


def test_endpoints_late_timeout_on_upstreams_fake_driver(late_timeout_client):
    with pytest.raises(oslo_messaging.MessagingTimeout) as raised:
        late_timeout_client.call({}, 'work', seconds=2.5)
    assert type(raised.value) is oslo_messaging.MessagingTimeout
    assert str(raised.value) == 'the database timed out'


def test_a_hung_endpoint_on_upstreams_fake_driver_ends_at_the_total(
    late_timeout_client,
):
    prepared = late_timeout_client.prepare(timeout=3)
    started = time.monotonic()
    with pytest.raises(messaging.CallTimeExceeded):
        prepared.call({}, 'work', seconds=4)
    assert 3 <= time.monotonic() - started < 3.8
