"""A timeout the server's endpoint raised is not a silence of the server.

With ``oslo_messaging.exceptions`` among the allowed remote exception
modules, upstream rebuilds an endpoint's ``MessagingTimeout`` (a call it
made downstream timed out) as ``MessagingTimeout_Remote``. A heartbeating
call turned it into ``HeartbeatTimeout`` ("no reply or heartbeat ... for
2s: the server died") right after the server replied; on ``fake://``,
which raises the endpoint's exception object itself, too.
"""

from __future__ import annotations

import time

import oslo_messaging
import pytest

from oslo_extras import messaging
from oslo_extras.messaging import client as client_mod
from tests.unit.messaging.helpers import make_conf
from tests.unit.messaging.helpers import new_target
from tests.unit.messaging.helpers import running


class Downstream:
    def work(self, ctxt):
        raise oslo_messaging.MessagingTimeout('the database timed out')


@pytest.fixture(params=['kombu+memory:////', 'fake://'])
def transport(request):
    # fake:// raises the endpoint's exception object itself.
    transport = messaging.get_rpc_transport(
        make_conf(),
        request.param,
        allowed_remote_exmods=['oslo_messaging.exceptions'],
    )
    try:
        yield transport
    finally:
        transport.cleanup()


@pytest.mark.parametrize('heartbeat', [1, None])
def test_an_endpoints_timeout_reaches_the_caller_as_it_was(
    transport, heartbeat
):
    target = new_target()
    server = messaging.get_rpc_server(transport, target, [Downstream()])
    client = messaging.get_rpc_client(
        transport, target, heartbeat=heartbeat, timeout=2
    )
    with running(server):
        with pytest.raises(oslo_messaging.MessagingTimeout) as raised:
            client.call({}, 'work')
    assert not isinstance(
        raised.value,
        (client_mod.HeartbeatTimeout, client_mod.CallTimeExceeded),
    )
    assert type(raised.value).__name__ in (
        'MessagingTimeout_Remote',
        'MessagingTimeout',
    )
    assert 'the database timed out' in str(raised.value)


class SlowDownstream:
    def work(self, ctxt, seconds):
        time.sleep(seconds)
        raise oslo_messaging.MessagingTimeout('the database timed out')


def test_an_endpoints_late_timeout_is_not_a_silence(fake_transport):
    # fake:// raises the endpoint's exception object itself; one raised
    # after the silence window (heartbeats kept the call alive) used to
    # reach the caller as HeartbeatTimeout.
    target = new_target()
    server = messaging.get_rpc_server(
        fake_transport, target, [SlowDownstream()]
    )
    client = messaging.get_rpc_client(
        fake_transport, target, heartbeat=0.5, timeout=2
    )
    with running(server):
        with pytest.raises(oslo_messaging.MessagingTimeout) as raised:
            client.call({}, 'work', seconds=2.5)
    assert not isinstance(
        raised.value,
        (client_mod.HeartbeatTimeout, client_mod.CallTimeExceeded),
    )
    assert 'the database timed out' in str(raised.value)
