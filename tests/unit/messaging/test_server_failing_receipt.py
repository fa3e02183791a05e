"""A receipt hook that raises ends the heartbeats it came after.

The heartbeat interceptor starts a call's heartbeats in its ``received``
hook; a plugin loaded after it whose ``received`` or ``watches`` raises
leaves the request undispatched. Its heartbeats must stop then, before the
caller gets the error as its reply (see test_server_failing_hooks), or the
caller is kept waiting until its total cap.
"""

from __future__ import annotations

import pytest

from oslo_extras import messaging
from oslo_extras.messaging import interceptors as interceptors_mod
from oslo_extras.messaging import server as server_mod
from oslo_extras.messaging.interceptors import heartbeat
from oslo_extras.messaging.interceptors import ttl
from oslo_extras.messaging.policy import MessagePolicy
from oslo_extras.messaging.policy import PolicyMap
from tests.unit.messaging.helpers import Endpoint
from tests.unit.messaging.helpers import new_target
from tests.unit.messaging.helpers import running


class Failing(interceptors_mod.Interceptor):
    """A third-party plugin whose hook ``where`` raises for ``record``."""

    name = 'failing'

    def __init__(self, where: str) -> None:
        self.where = where
        self.finished_for: list[str | None] = []

    def received(self, request):
        if self.where == 'received' and request.method == 'record':
            raise RuntimeError('plugin failed at receipt')
        return True

    def watches(self, request):
        if self.where == 'watches' and request.method == 'record':
            raise RuntimeError('plugin failed to say')
        return True

    def finished(self, request):
        self.finished_for.append(request.method)


@pytest.mark.parametrize('where', ['received', 'watches'])
def test_failing_receipt_hook_ends_heartbeats(fake_transport, where):
    target = new_target()
    failing = Failing(where)
    server = server_mod.RPCServer(
        fake_transport,
        target,
        [Endpoint()],
        policies=PolicyMap(MessagePolicy(heartbeat=0.2)),
        interceptors=[heartbeat.Heartbeat(), ttl.TimeToLive(), failing],
    )
    client = messaging.get_rpc_client(
        fake_transport, target, heartbeat=0.2, max_call_time=8
    )
    with running(server):
        # Silence window: 2 s (the stock minimum); total cap: 8 s. The
        # error comes back as the reply (fake:// re-raises the object).
        with pytest.raises(RuntimeError, match='plugin failed'):
            client.call({}, 'record', tag='never')
        # The server still serves, and the failed request was finished.
        assert client.call({}, 'work', seconds=0) == 'worked 0s'
    assert failing.finished_for[0] == 'record'
