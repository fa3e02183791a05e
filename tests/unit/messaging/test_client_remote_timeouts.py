"""A timeout the server's endpoint raised is not a silence of the server.

With ``oslo_messaging.exceptions`` among the allowed remote exception
modules, upstream rebuilds an endpoint's ``MessagingTimeout`` (a call it
made downstream timed out) as ``MessagingTimeout_Remote``. A heartbeating
call turned it into ``HeartbeatTimeout`` ("no reply or heartbeat ... for
2s: the server died") right after the server replied; on ``fake://``,
which raises the endpoint's exception object itself, too.
"""

from __future__ import annotations

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
