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
from oslo_extras.messaging import _upstream
from tests.unit.messaging.helpers import make_conf
from tests.unit.messaging.helpers import new_target
from tests.unit.messaging.helpers import running


def _stock_fake_transport():
    conf = make_conf()
    # Upstream registers its tracing options on the global CONF only.
    _upstream.register_opts(conf)
    return oslo_messaging.get_rpc_transport(conf, 'fake://')


@pytest.mark.parametrize('kind', ['stock', 'extras', 'extras-prepared'])
def test_rpc_response_timeout_is_read_on_each_call(kind):
    if kind == 'stock':
        transport = _stock_fake_transport()
        client = oslo_messaging.get_rpc_client(transport, new_target())
    else:
        transport = messaging.get_rpc_transport(make_conf(), 'fake://')
        client = messaging.get_rpc_client(transport, new_target(), ttl=30)
        if kind == 'extras-prepared':
            client = client.prepare(version='1.0')
    conf = transport.conf
    try:
        # Nobody serves the topic: each call waits rpc_response_timeout.
        for seconds in (1, 2):
            conf.set_override('rpc_response_timeout', seconds)
            started = time.monotonic()
            with pytest.raises(oslo_messaging.MessagingTimeout):
                client.call({}, 'work')
            assert seconds <= time.monotonic() - started < seconds + 0.8
    finally:
        transport.cleanup()


class LateTimeout:
    def work(self, ctxt, seconds):
        time.sleep(seconds)
        raise oslo_messaging.MessagingTimeout('the database timed out')


def test_endpoints_late_timeout_on_upstreams_fake_driver():
    transport = _stock_fake_transport()
    target = new_target()
    server = messaging.get_rpc_server(transport, target, [LateTimeout()])
    client = messaging.get_rpc_client(
        transport, target, heartbeat=0.5, timeout=2
    )
    try:
        with running(server):
            with pytest.raises(oslo_messaging.MessagingTimeout) as raised:
                client.call({}, 'work', seconds=2.5)
    finally:
        transport.cleanup()
    assert type(raised.value) is oslo_messaging.MessagingTimeout
    assert str(raised.value) == 'the database timed out'


def test_a_hung_endpoint_on_upstreams_fake_driver_ends_at_the_total():
    transport = _stock_fake_transport()
    target = new_target()
    server = messaging.get_rpc_server(transport, target, [LateTimeout()])
    client = messaging.get_rpc_client(
        transport, target, heartbeat=0.5, timeout=2
    )
    prepared = client.prepare(timeout=3)
    try:
        with running(server):
            started = time.monotonic()
            with pytest.raises(messaging.CallTimeExceeded):
                prepared.call({}, 'work', seconds=4)
            assert 3 <= time.monotonic() - started < 3.8
    finally:
        transport.cleanup()
