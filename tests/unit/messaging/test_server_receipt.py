"""The server's per-request path: hooks skipped or fused, never changed.

The server skips the base class's no-op hooks, runs the built-in
interceptors' ``received`` and ``watches`` as one call when nothing else
needs them called as such, resolves per-method policies once, and runs the
``finished`` hooks from dispatch only for requests that have some. What
each plugin sees must stay what :class:`Interceptor` documents.
"""

from __future__ import annotations

import threading

import oslo_messaging
import pytest

from oslo_extras import messaging
from oslo_extras.messaging import _receipt
from oslo_extras.messaging import interceptors as interceptors_mod
from oslo_extras.messaging import server as server_mod
from oslo_extras.messaging.interceptors import heartbeat
from oslo_extras.messaging.interceptors import ttl
from oslo_extras.messaging.policy import MessagePolicy
from oslo_extras.messaging.policy import PolicyMap
from tests.unit.messaging.helpers import Endpoint
from tests.unit.messaging.helpers import new_target
from tests.unit.messaging.helpers import running
from tests.unit.messaging.helpers import wait_for


class EveryHook(interceptors_mod.Interceptor):
    """A third-party plugin that overrides every server-side hook."""

    name = 'every-hook'

    def __init__(self, watching=True, dispatch=True) -> None:
        self.seen: list[tuple[str, str | None]] = []
        self.policies: dict[str | None, MessagePolicy] = {}
        self._watching = watching
        self._dispatch = dispatch

    def received(self, request):
        self.seen.append(('received', request.method))
        self.policies[request.method] = request.policy
        return True

    def watches(self, request):
        # Called after every received hook: the TTL one ran already.
        self.seen.append(('watches', request.method))
        return self._watching

    def dispatching(self, request):
        self.seen.append(('dispatching', request.method))
        if self._dispatch == 'raise':
            raise RuntimeError('plugin failed')
        return self._dispatch

    def finished(self, request):
        self.seen.append(('finished', request.method))


def server_with(transport, target, endpoint, plugins, methods=None):
    return server_mod.RPCServer(
        transport,
        target,
        [endpoint],
        policies=PolicyMap(MessagePolicy(), methods),
        interceptors=plugins,
    )


def call(transport, target, method='work', **kwargs):
    client = messaging.get_rpc_client(transport, target, timeout=5)
    return client.call({}, method, **kwargs)


def test_builtins_alone_take_the_fused_path():
    plan = _receipt.ReceiptPlan([heartbeat.Heartbeat(), ttl.TimeToLive()])
    assert plan.fused is not None
    # TTL has no finished hook: a dropped request runs the heartbeat's only.
    assert [type(i) for i in plan.finishers] == [heartbeat.Heartbeat]


def test_a_third_party_plugin_sees_every_hook_once_in_order(fake_transport):
    target = new_target()
    plugin = EveryHook()
    plugins = [heartbeat.Heartbeat(), ttl.TimeToLive(), plugin]
    server = server_with(fake_transport, target, Endpoint(), plugins)
    assert server._receipt.fused is None  # its received must run as such
    with running(server):
        assert call(fake_transport, target, seconds=0) == 'worked 0s'
    assert plugin.seen == [
        ('received', 'work'),
        ('watches', 'work'),
        ('dispatching', 'work'),
        ('finished', 'work'),
    ]
    assert not server._requests and not server._finishing


def test_a_plugin_watching_nothing_sees_only_receipt(fake_transport):
    target = new_target()
    plugin = EveryHook(watching=False)
    server = server_with(fake_transport, target, Endpoint(), [plugin])
    with running(server):
        assert call(fake_transport, target, seconds=0) == 'worked 0s'
    assert plugin.seen == [('received', 'work'), ('watches', 'work')]


class StrictTTL(ttl.TimeToLive):
    """A subclass that overrides one of the fused pair."""

    def __init__(self) -> None:
        self.watched = 0

    def watches(self, request):
        self.watched += 1
        return False  # so: never checked at dispatch


def test_a_subclass_overriding_a_fused_hook_is_called_as_such(
    fake_transport,
):
    target = new_target()
    strict = StrictTTL()
    server = server_with(fake_transport, target, Endpoint(), [strict])
    assert server._receipt.fused is None
    dispatching = []
    strict.dispatching = lambda request: dispatching.append(1) or True
    with running(server):
        assert call(fake_transport, target, seconds=0) == 'worked 0s'
    assert strict.watched == 1
    assert dispatching == []


def test_a_hook_set_on_the_instance_is_called(fake_transport):
    target = new_target()
    builtin = ttl.TimeToLive()
    seen = []
    builtin.received = lambda request: seen.append(request.method) or True
    server = server_with(fake_transport, target, Endpoint(), [builtin])
    assert server._receipt.fused is None
    with running(server):
        assert call(fake_transport, target, seconds=0) == 'worked 0s'
    assert seen == ['work']


def test_a_method_with_its_own_policy(fake_transport):
    target = new_target()
    plugin = EveryHook()
    methods = {'work': {'ttl': 7}}
    server = server_with(
        fake_transport, target, Endpoint(), [plugin], methods=methods
    )
    with running(server):
        assert call(fake_transport, target, seconds=0) == 'worked 0s'
        call(fake_transport, target, 'record', tag='x')
        # Methods nobody declared share the default: nothing is cached
        # for them, however many there are.
        for n in range(20):
            with pytest.raises(oslo_messaging.RPCDispatcherError):
                call(fake_transport, target, f'unknown_{n}')
    assert plugin.policies['work'] == MessagePolicy(ttl=7)
    assert plugin.policies['record'] == MessagePolicy()
    assert plugin.policies['unknown_3'] == MessagePolicy()
    assert server._method_policies == {'work': MessagePolicy(ttl=7)}


def test_a_request_dropped_at_dispatch_finishes_once_everywhere(
    fake_transport,
):
    target = new_target()
    endpoint = Endpoint()
    dropping = EveryHook(dispatch=False)
    quiet = EveryHook(watching=False)
    plugins = [heartbeat.Heartbeat(), ttl.TimeToLive(), dropping, quiet]
    server = server_with(fake_transport, target, endpoint, plugins)
    client = messaging.get_rpc_client(fake_transport, target, timeout=5)
    with running(server):
        client.cast({}, 'work', seconds=0, tag='dropped')
        assert wait_for(lambda: server.stats['expired'] == 1)
        assert wait_for(lambda: ('finished', 'work') in quiet.seen)
    assert endpoint.done == []
    assert dropping.seen == [
        ('received', 'work'),
        ('watches', 'work'),
        ('dispatching', 'work'),
        ('finished', 'work'),
    ]
    # Not watching, but a dropped request is finished by every plugin.
    assert quiet.seen == [
        ('received', 'work'),
        ('watches', 'work'),
        ('finished', 'work'),
    ]
    assert not server._requests and not server._finishing


def test_a_failing_hook_still_ends_the_heartbeats(fake_transport):
    target = new_target()
    endpoint = Endpoint()
    failing = EveryHook(dispatch='raise')
    plugins = [heartbeat.Heartbeat(), ttl.TimeToLive(), failing]
    server = server_with(fake_transport, target, endpoint, plugins)
    client = messaging.get_rpc_client(
        fake_transport, target, heartbeat=0.1, timeout=0.25
    )
    beats = []
    start = server._services['heartbeats'].start

    def recording_start(*args, **kwargs):
        beats.append(start(*args, **kwargs))
        return beats[-1]

    server._services['heartbeats'].start = recording_start
    with running(server):
        # The worker's hook fails: its error is the reply (fake://
        # re-raises the object).
        with pytest.raises(RuntimeError, match='plugin failed'):
            client.call({}, 'work', seconds=0)
        assert wait_for(lambda: ('finished', 'work') in failing.seen)
    assert endpoint.done == []
    assert len(beats) == 1 and beats[0].stopped
    assert failing.seen.count(('finished', 'work')) == 1
    assert not server._requests and not server._finishing


def test_an_exception_in_dispatch_still_ends_the_heartbeats(fake_transport):
    target = new_target()
    plugin = EveryHook()
    plugins = [heartbeat.Heartbeat(), ttl.TimeToLive(), plugin]

    class Failing(Endpoint):
        def fail(self, ctxt):
            raise ValueError('endpoint failed')

    server = server_with(fake_transport, target, Failing(), plugins)
    client = messaging.get_rpc_client(
        fake_transport, target, heartbeat=0.1, timeout=0.25
    )
    with running(server):
        with pytest.raises(ValueError):
            client.call({}, 'fail')
        sent = server.stats['heartbeats']
        threading.Event().wait(0.3)
        assert server.stats['heartbeats'] == sent
    assert plugin.seen.count(('finished', 'fail')) == 1
    assert not server._requests and not server._finishing


def test_a_ttl_only_call_needs_no_finishing(fake_transport, monkeypatch):
    target = new_target()
    server = messaging.get_rpc_server(fake_transport, target, [Endpoint()])
    finishing = []
    dispatch = server_mod._UPSTREAM_DISPATCH

    def spy(self, incoming):
        finishing.append(dict(self._finishing))
        return dispatch(self, incoming)

    monkeypatch.setattr(server_mod, '_UPSTREAM_DISPATCH', spy)
    with running(server):
        # Checked at dispatch (its TTL), but nothing to end: the TTL
        # interceptor has no finished hook.
        assert call(fake_transport, target, seconds=0) == 'worked 0s'
        client = messaging.get_rpc_client(
            fake_transport, target, heartbeat=0.1, timeout=1
        )
        assert client.call({}, 'work', seconds=0) == 'worked 0s'
    assert len(finishing[0]) == 0
    assert [type(i) for i in next(iter(finishing[1].values()))[2]] == [
        heartbeat.Heartbeat
    ]
