"""Request contexts that are objects, sent without a context serializer.

Upstream's AMQP driver packs such a context with its ``to_dict()`` (an
``oslo_context.RequestContext``): our client and notifier raised
TypeError on it ("object is not iterable") before sending anything.
"""

from __future__ import annotations

import uuid

import oslo_messaging
from oslo_context import context as context_mod

from oslo_extras import messaging
from tests.unit.messaging.helpers import Endpoint
from tests.unit.messaging.helpers import new_target
from tests.unit.messaging.helpers import running
from tests.unit.messaging.helpers import wait_for
from tests.unit.messaging.test_listener import Collector


def _context() -> context_mod.RequestContext:
    return context_mod.RequestContext(user_id='u1', project_id='p1')


def test_calls_and_casts_take_a_request_context_object(memory_transport):
    target = new_target()
    endpoint = Endpoint()
    server = messaging.get_rpc_server(memory_transport, target, [endpoint])
    client = messaging.get_rpc_client(
        memory_transport, target, heartbeat=1, ttl=30, timeout=2
    )
    with running(server):
        assert client.call(_context(), 'work', seconds=0) == 'worked 0s'
        client.cast(_context(), 'work', seconds=0)
        assert wait_for(lambda: len(endpoint.contexts) == 2)
    for seen in endpoint.contexts:
        assert (seen['user'], seen['project_id']) == ('u1', 'p1')
        assert not [key for key in seen if 'oslo_extras' in key]


def test_a_client_off_the_extras_drivers_takes_one_too(fake_transport):
    # fake:// is fake-extras; a client_cls of the application's own gets
    # the stamp in the context (the Stamped path).
    class OwnClient(oslo_messaging.RPCClient):
        pass

    target = new_target()
    endpoint = Endpoint()
    server = messaging.get_rpc_server(fake_transport, target, [endpoint])
    client = messaging.get_rpc_client(
        fake_transport, target, ttl=30, timeout=2, client_cls=OwnClient
    )
    assert not client._direct
    with running(server):
        assert client.call(_context(), 'work', seconds=0) == 'worked 0s'
    ((seen,),) = [endpoint.contexts]
    assert seen['user'] == 'u1'
    assert not [key for key in seen if 'oslo_extras' in key]


def test_notifications_take_a_request_context_object(memory_transport):
    topic = 'n-' + uuid.uuid4().hex[:8]
    transport = messaging.get_notification_transport(
        memory_transport.conf, 'kombu+memory:////'
    )
    collector = Collector()
    listener = messaging.get_notification_listener(
        transport, [oslo_messaging.Target(topic=topic)], [collector]
    )
    notifier = messaging.get_notifier(
        transport, 'pub', ttl=30, driver='messaging', topics=[topic]
    )
    listener.start()
    try:
        notifier.info(_context(), 'create', {})
        assert wait_for(lambda: collector.seen, 5)
    finally:
        listener.stop()
        listener.wait()
        transport.cleanup()
    ((event, ctxt),) = collector.seen
    assert event == 'create'
    # Upstream's notifier sends the context's redacted_copy().
    assert ctxt['user'] == 'u1'
