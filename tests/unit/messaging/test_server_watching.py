"""Requests that no interceptor watches skip the worker-side hooks."""

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
from tests.unit.messaging.helpers import wait_for


class Recording(interceptors_mod.Interceptor):
    """A plugin that does not override watches(): sees every hook."""

    name = 'recording'

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []

    def dispatching(self, request):
        self.seen.append(('dispatching', request.method))
        return True

    def finished(self, request):
        self.seen.append(('finished', request.method))


def server_with(transport, target, endpoint, plugins):
    return server_mod.RPCServer(
        transport,
        target,
        [endpoint],
        policies=PolicyMap(MessagePolicy()),
        interceptors=plugins,
    )


def test_plain_requests_are_not_registered(fake_transport, monkeypatch):
    target = new_target()
    server = messaging.get_rpc_server(fake_transport, target, [Endpoint()])
    registered = []
    on_incoming = server_mod.RPCServer._on_incoming

    def spy(self, incoming):
        on_incoming(self, incoming)
        registered.append(len(self._requests))

    monkeypatch.setattr(server_mod.RPCServer, '_on_incoming', spy)
    client = messaging.get_rpc_client(fake_transport, target, timeout=5)
    with running(server):
        # A cast without a TTL: nothing to check at dispatch or to stop.
        client.cast({}, 'work', seconds=0)
        assert wait_for(lambda: len(registered) == 1)
        # A call's TTL is what its caller waits: checked at dispatch.
        assert client.call({}, 'work', seconds=0) == 'worked 0s'
    assert registered == [0, 1]
    assert not server._requests


def test_a_plugin_without_watches_sees_every_hook(fake_transport):
    target = new_target()
    recording = Recording()
    plugins = [heartbeat.Heartbeat(), ttl.TimeToLive(), recording]
    server = server_with(fake_transport, target, Endpoint(), plugins)
    client = messaging.get_rpc_client(fake_transport, target, timeout=5)
    with running(server):
        assert client.call({}, 'work', seconds=0) == 'worked 0s'
    assert recording.seen == [('dispatching', 'work'), ('finished', 'work')]


def test_builtin_interceptors_watch_only_what_they_check():
    plain = interceptors_mod.Request(
        incoming=None,
        method='m',
        stamp=messaging.stamp.Stamp(),
        policy=MessagePolicy(),
        services={},
    )
    assert not heartbeat.Heartbeat().watches(plain)
    assert not ttl.TimeToLive().watches(plain)
    plain.state['beat'] = object()
    assert heartbeat.Heartbeat().watches(plain)
    timed = interceptors_mod.Request(
        incoming=None,
        method='m',
        stamp=messaging.stamp.Stamp(),
        policy=MessagePolicy(ttl=5),
        services={},
    )
    assert ttl.TimeToLive().watches(timed)


class NotWatching(Recording):
    """A plugin that says its worker-side hooks never matter."""

    name = 'not-watching'

    def watches(self, request):
        return False


def test_only_the_watchers_see_the_worker_side_hooks(fake_transport):
    target = new_target()
    quiet, recording = NotWatching(), Recording()
    plugins = [heartbeat.Heartbeat(), ttl.TimeToLive(), quiet, recording]
    server = server_with(fake_transport, target, Endpoint(), plugins)
    client = messaging.get_rpc_client(fake_transport, target, timeout=5)
    with running(server):
        # Watched (its TTL, and by recording): quiet still sees nothing.
        assert client.call({}, 'work', seconds=0) == 'worked 0s'
    assert quiet.seen == []
    assert recording.seen == [('dispatching', 'work'), ('finished', 'work')]
