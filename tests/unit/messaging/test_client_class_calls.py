"""A ``client_cls`` of the application's own runs its own ``call()``.

Our client used to prepare every call with an explicit ``timeout`` and
call the prepared upstream context: a subclass's ``call()`` never ran,
and neutron's ``BackingOffClient``, which backs off only contexts
prepared without a timeout, never backed off. A call our plan does not
time differently (no heartbeat) now goes through the client itself; a
heartbeating call still needs its window and cap, so it is prepared.
"""

from __future__ import annotations

import oslo_messaging

from oslo_extras import messaging
from tests.unit.messaging.helpers import Endpoint
from tests.unit.messaging.helpers import new_target
from tests.unit.messaging.helpers import running


class BackingOff(oslo_messaging.RPCClient):
    """Like neutron's: records its calls and what prepare() was given."""

    calls: list[str] = []
    prepared: list[dict] = []

    def call(self, ctxt, method, **kwargs):
        self.calls.append(method)
        return super().call(ctxt, method, **kwargs)

    def prepare(self, **kwargs):
        self.prepared.append(kwargs)
        return Wrapper(super().prepare(**kwargs))


class Wrapper:
    """Like neutron's context wrappers: delegates all but call()."""

    def __init__(self, original) -> None:
        self._original = original

    def __getattr__(self, name):
        return getattr(self._original, name)

    def call(self, ctxt, method, **kwargs):
        BackingOff.calls.append(f'wrapped {method}')
        return self._original.call(ctxt, method, **kwargs)


def test_calls_without_a_heartbeat_run_the_clients_own_call(fake_transport):
    BackingOff.calls, BackingOff.prepared = [], []
    target = new_target()
    server = messaging.get_rpc_server(fake_transport, target, [Endpoint()])
    client = messaging.get_rpc_client(
        fake_transport,
        target,
        ttl=30,
        methods={'slow': dict(heartbeat=1)},
        client_cls=BackingOff,
    )
    with running(server):
        for _ in range(2):
            assert client.call({}, 'work', seconds=0) == 'worked 0s'
    assert BackingOff.calls == ['work', 'wrapped work'] * 2
    # Upstream's own call() prepares a copy without a timeout (and the
    # subclass would back it off); we never prepared one with a timeout.
    assert all('timeout' not in kwargs for kwargs in BackingOff.prepared)


def test_heartbeating_calls_are_still_prepared_with_their_window(
    fake_transport,
):
    BackingOff.calls, BackingOff.prepared = [], []
    target = new_target()
    server = messaging.get_rpc_server(fake_transport, target, [Endpoint()])
    client = messaging.get_rpc_client(
        fake_transport,
        target,
        heartbeat=1,
        timeout=3,
        max_call_time=20,
        client_cls=BackingOff,
    )
    with running(server):
        assert client.call({}, 'work', seconds=0) == 'worked 0s'
    assert {'timeout': 20, 'call_monitor_timeout': 3} in BackingOff.prepared


def test_a_prepared_copy_with_its_own_timeout_runs_its_call(fake_transport):
    BackingOff.calls, BackingOff.prepared = [], []
    target = new_target()
    server = messaging.get_rpc_server(fake_transport, target, [Endpoint()])
    client = messaging.get_rpc_client(
        fake_transport, target, ttl=30, client_cls=BackingOff
    )
    prepared = client.prepare(timeout=7, version='1.0')
    BackingOff.prepared.clear()
    with running(server):
        assert prepared.call({}, 'work', seconds=0) == 'worked 0s'
    # The copy already has timeout 7: it is called as it is.
    assert BackingOff.calls == ['wrapped work']
    assert BackingOff.prepared == []
