"""Our client hands each message's stamp to an extras driver directly.

On ``rabbit-extras`` and ``fake-extras`` the stamp goes through
``scope.LOCAL.outgoing`` (no context keys written, then popped by the
driver); other drivers and client classes still get context keys.
"""

from __future__ import annotations

import oslo_messaging
import pytest

from oslo_extras import messaging
from oslo_extras.messaging import _upstream
from oslo_extras.messaging import client as client_mod
from oslo_extras.messaging import stamp
from oslo_extras.messaging.drivers import scope
from tests.unit.messaging.helpers import Endpoint
from tests.unit.messaging.helpers import make_conf
from tests.unit.messaging.helpers import new_target
from tests.unit.messaging.helpers import running
from tests.unit.messaging.helpers import wait_for
from tests.unit.messaging.test_client import SentSeen
from tests.unit.messaging.test_client import server_seeing


def _recording_contexts(transport, monkeypatch) -> list[dict]:
    """The serialized context of every message upstream hands the driver."""
    contexts: list[dict] = []
    real_send = transport._send

    def recording_send(target, ctxt, message, **kwargs):
        contexts.append(dict(ctxt))
        return real_send(target, ctxt, message, **kwargs)

    monkeypatch.setattr(transport, '_send', recording_send)
    return contexts


def test_extras_drivers_take_the_stamp_without_context_keys(
    any_transport, monkeypatch
):
    target = new_target()
    seen = SentSeen()
    client = messaging.get_rpc_client(
        any_transport, target, heartbeat=1, ttl=30, timeout=2
    )
    assert client._direct
    contexts = _recording_contexts(any_transport, monkeypatch)
    with running(server_seeing(any_transport, target, seen)):
        before = stamp.now()
        assert client.call({'user': 'u'}, 'work', seconds=0) == 'worked 0s'
        client.cast({'user': 'u'}, 'work', seconds=0)
        assert wait_for(lambda: len(seen.stamps) == 2)
    # Nothing of ours in the context upstream serialized...
    assert contexts == [{'user': 'u'}, {'user': 'u'}]
    # ...and the stamp reached the server whole, each with its send time.
    call, cast = seen.stamps
    assert (call.ttl, call.heartbeat) == (1.0, 1.0)
    assert (cast.ttl, cast.heartbeat) == (30.0, None)
    assert before <= call.sent <= cast.sent <= stamp.now()
    # Only our drivers' own heartbeat batches are asked for.
    fake = any_transport._driver.__class__.__name__ == 'FakeDriver'
    assert call.heartbeat_batch is not fake
    # The thread is left as it was.
    assert scope.LOCAL.outgoing is None


def test_a_stock_server_gets_our_stamped_call(any_transport):
    target = new_target()
    endpoint = Endpoint()
    server = oslo_messaging.get_rpc_server(
        any_transport, target, [endpoint], executor='threading'
    )
    client = messaging.get_rpc_client(
        any_transport, target, heartbeat=1, ttl=30, timeout=2
    )
    with running(server):
        assert client.call({'user': 'u'}, 'work', seconds=0) == 'worked 0s'
        assert client.prepare(timeout=5).call({'user': 'u'}, 'work', seconds=0)
        client.cast({'user': 'u'}, 'work', seconds=0)
        assert wait_for(lambda: len(endpoint.contexts) == 3)
    # The endpoints of a stock server without a context serializer see the
    # caller's context (and what upstream itself adds: client_timeout).
    for ctxt in endpoint.contexts:
        ctxt.pop('client_timeout', None)
    assert endpoint.contexts == [{'user': 'u'}] * 3


def test_other_drivers_get_the_stamp_in_the_context(monkeypatch):
    # Upstream's own fake driver takes nothing from the thread: our client
    # stamps the context, and our server reads it there.
    transport = oslo_messaging.get_rpc_transport(make_conf(), 'fake://')
    try:
        target = new_target()
        seen = SentSeen()
        client = messaging.get_rpc_client(transport, target, ttl=30)
        assert not client._direct
        contexts = _recording_contexts(transport, monkeypatch)
        with running(server_seeing(transport, target, seen)):
            assert client.call({}, 'work', seconds=0) == 'worked 0s'
        assert contexts[0][stamp.TTL] == 30.0
        assert seen.stamps[0].ttl == 30.0
        assert scope.LOCAL.outgoing is None
    finally:
        transport.cleanup()


def test_a_client_class_of_its_own_stamps_the_context(fake_transport):
    class OwnClient(oslo_messaging.RPCClient):
        pass

    client = messaging.get_rpc_client(
        fake_transport, new_target(), ttl=30, client_cls=OwnClient
    )
    assert not client._direct


class _SendingSerializer(oslo_messaging.NoOpSerializer):
    """An application serializer that sends a message of its own."""

    def __init__(self, transport, target) -> None:
        self.stock = oslo_messaging.get_rpc_client(transport, target)
        self.contexts = 0

    def serialize_entity(self, ctxt, entity):
        if entity == 'nested':
            self.stock.cast({}, 'record', tag='inner')
        return entity

    def serialize_context(self, ctxt):
        self.contexts += 1
        self.stock.cast({}, 'record', tag='from-context')
        return ctxt


def test_a_message_sent_while_ours_is_serialized_keeps_its_own_stamp(
    any_transport,
):
    target = new_target()
    seen = SentSeen()
    serializer = _SendingSerializer(any_transport, target)
    client = messaging.get_rpc_client(
        any_transport, target, ttl=30, serializer=serializer
    )
    assert client._direct
    with running(server_seeing(any_transport, target, seen)):
        client.cast({}, 'work', seconds=0, tag='nested')
        assert wait_for(lambda: len(seen.stamps) == 3)
    # Only our cast is stamped: the stock casts sent meanwhile are not.
    pairs = zip(seen.methods, seen.stamps, strict=True)
    got = sorted((m, s.ttl or 0) for m, s in pairs)
    assert got == [
        ('record', 0),
        ('record', 0),
        ('work', 30.0),
    ]
    assert scope.LOCAL.outgoing is None


def test_a_failed_send_leaves_the_thread_clean(fake_transport, monkeypatch):
    client = messaging.get_rpc_client(fake_transport, new_target(), ttl=30)

    def failing_send(*args, **kwargs):
        assert scope.LOCAL.outgoing is not None
        raise oslo_messaging.MessageDeliveryFailure('no broker')

    monkeypatch.setattr(fake_transport, '_send', failing_send)
    for send in (client.cast, client.call):
        with pytest.raises(oslo_messaging.MessageDeliveryFailure):
            send({}, 'work', seconds=0)
        assert scope.LOCAL.outgoing is None


def test_takes_outgoing_stamp_only_for_our_drivers(any_transport):
    upstream = oslo_messaging.get_rpc_client(any_transport, new_target())
    assert client_mod._takes_outgoing_stamp(any_transport, upstream)
    assert not client_mod._takes_outgoing_stamp(object(), upstream)


def test_an_unstamped_message_carries_no_body_stamp(
    any_transport, monkeypatch
):
    # No TTL, no heartbeat: nothing to say, so no body key (as when the
    # stamp went through the context).
    target = new_target()
    seen = SentSeen()
    client = messaging.get_rpc_client(any_transport, target)
    assert client._direct
    upstream_class = type(any_transport._driver).__mro__[1]
    # rabbit-extras calls upstream's _send() directly (its send() only
    # calls that).
    name = (
        '_send'
        if issubclass(upstream_class, _upstream.RabbitDriver)
        else 'send'
    )
    bodies = []
    real_send = getattr(upstream_class, name)

    def spy(self, target, ctxt, message, *args, **kwargs):
        bodies.append(dict(message))
        return real_send(self, target, ctxt, message, *args, **kwargs)

    monkeypatch.setattr(upstream_class, name, spy)
    with running(server_seeing(any_transport, target, seen)):
        client.cast({}, 'work', seconds=0)
        assert wait_for(lambda: len(seen.stamps) == 1)
    assert stamp.BODY_KEY not in bodies[0]
    assert seen.stamps == [stamp.EMPTY]
