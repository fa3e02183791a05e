"""The server, not the sender, decides whether the broker expired a message.

A sender marks a message ``broker_ttl`` from its own view of the queues;
in a fleet being upgraded that view can be wrong (a server reading its
fanouts from a stream, a quorum queue on a broker older than 3.10). The
``rabbit-extras`` connection removes the mark from what it consumes from a
queue that does not expire messages, so the server checks the TTL itself.
"""

from __future__ import annotations

from unittest import mock

import pytest

from oslo_extras import messaging
from oslo_extras.messaging import _upstream
from oslo_extras.messaging.drivers import rabbit
from tests.unit.messaging.helpers import Endpoint
from tests.unit.messaging.helpers import make_conf
from tests.unit.messaging.helpers import new_target
from tests.unit.messaging.helpers import running
from tests.unit.messaging.helpers import sender_clock_behind
from tests.unit.messaging.helpers import wait_for


@pytest.mark.parametrize(
    'queue_type, version, honours',
    [
        (None, None, True),
        ('classic', (3, 8), True),
        ('quorum', (3, 10), True),
        ('quorum', (4, 0), True),
        ('quorum', (3, 9), False),  # kept every message then
        ('quorum', None, False),  # unsure: the server checks
        ('stream', (3, 10), False),
        ('stream', None, False),
        ('delayed', (3, 10), False),  # a type this code does not know
    ],
)
def test_which_queues_expire_messages(queue_type, version, honours):
    assert rabbit.honours_expiration(queue_type, version) is honours


def test_only_the_mark_is_removed():
    message = {'method': 'm', 'oslo_extras': {'ttl': 1.0, 'broker_ttl': True}}
    rabbit.drop_broker_ttl_claim(message)
    assert message == {'method': 'm', 'oslo_extras': {'ttl': 1.0}}
    for odd in ({'method': 'm'}, {'oslo_extras': None}, {'oslo_extras': 3}):
        before = dict(odd)
        rabbit.drop_broker_ttl_claim(odd)
        assert odd == before


def declared_callbacks(transport, target, monkeypatch):
    """{queue_name: (queue type, its callback or None if unchanged)}."""
    declared = {}
    original = rabbit.Connection.declare_consumer

    def spy(self, consumer):
        listener = consumer.callback
        assert type(listener).__name__ == 'RpcAMQPListener'
        result = original(self, consumer)
        declared[consumer.queue_name] = (
            consumer.queue_arguments.get('x-queue-type'),
            None if consumer.callback is listener else consumer.callback,
        )
        return result

    monkeypatch.setattr(rabbit.Connection, 'declare_consumer', spy)
    with running(messaging.get_rpc_server(transport, target, [Endpoint()])):
        pass
    return declared


@pytest.mark.parametrize('version', [(3, 10), (3, 9)])
def test_consumers_of_expiring_queues_keep_upstreams_callback(
    monkeypatch, version
):
    # Messages of the queues that expire them reach upstream's listener
    # as before: no work is added per message.
    conf = make_conf(
        rabbit_quorum_queue=True,
        rabbit_transient_quorum_queue=True,
        rabbit_stream_fanout=True,
        rabbit_qos_prefetch_count=1,
    )
    monkeypatch.setattr(_upstream, 'broker_version', lambda conn: version)
    transport = messaging.get_rpc_transport(conf, 'kombu+memory:////')
    target = new_target()
    # Durable with quorum queues: an exchange of its own in the process's
    # kombu+memory broker.
    target = target(exchange=target.topic)
    try:
        declared = declared_callbacks(transport, target, monkeypatch)
    finally:
        transport.cleanup()
    topic, server, fanout = (
        target.topic,
        f'{target.topic}.{target.server}',
        f'{target.topic}_fanout',
    )
    assert {name: kind for name, (kind, _) in declared.items()} == {
        topic: 'quorum',
        server: 'quorum',
        fanout: 'stream',
    }
    filtered = {name for name, (_, callback) in declared.items() if callback}
    if version >= (3, 10):
        assert filtered == {fanout}
    else:
        assert filtered == {topic, server, fanout}


def test_classic_queues_keep_upstreams_callback(memory_transport, monkeypatch):
    target = new_target()
    declared = declared_callbacks(memory_transport, target, monkeypatch)
    assert len(declared) == 3
    assert {callback for _, callback in declared.values()} == {None}


def test_stale_fanout_marked_by_a_client_that_sees_queues_is_dropped(
    monkeypatch,
):
    # The client believes its broker expires fanouts (no streams in its
    # configuration); this server reads them from a stream. kombu+memory
    # keeps messages as a stream does: the sender's mark is all there is.
    server_transport = messaging.get_rpc_transport(
        make_conf(
            rabbit_transient_quorum_queue=True,
            rabbit_stream_fanout=True,
            rabbit_qos_prefetch_count=1,
        ),
        'kombu+memory:////',
    )
    client_transport = messaging.get_rpc_transport(
        make_conf(rabbit_transient_quorum_queue=True), 'kombu+memory:////'
    )
    client_transport._driver.broker_ttl = True  # as on RabbitMQ
    target = new_target()
    endpoint = Endpoint()
    sender_clock_behind(monkeypatch, 3)
    sent = []
    publish = _upstream.RabbitConnection._publish

    def spy(self, exchange, msg, *args, **kwargs):
        sent.append(msg)
        return publish(self, exchange, msg, *args, **kwargs)

    server = messaging.get_rpc_server(
        server_transport, target, [endpoint], clock_skew=0
    )
    fanout = target(fanout=True)
    try:
        with running(server):
            patched = mock.patch.object(
                _upstream.RabbitConnection, '_publish', spy
            )
            with patched:
                for ttl, tag in ((1, '3 s old'), (30, 'fresh')):
                    client = messaging.get_rpc_client(
                        client_transport, fanout, ttl=ttl
                    )
                    client.cast({}, 'record', tag=tag)
            assert wait_for(lambda: endpoint.done, 5)
            assert wait_for(lambda: server.stats['expired'] == 1, 5)
    finally:
        client_transport.cleanup()
        server_transport.cleanup()
    assert endpoint.done == ['fresh']
    assert all('"broker_ttl": true' in m['oslo.message'] for m in sent)


def test_topic_casts_from_the_same_client_still_trust_the_broker(
    memory_transport, monkeypatch
):
    # A queue that expires messages: the sender's mark stands, and a cast
    # from a client whose clock is behind runs (no sender-clock check).
    driver = _upstream.transport_driver(memory_transport)
    monkeypatch.setattr(driver, 'broker_ttl', True)
    target = new_target()
    endpoint = Endpoint()
    sender_clock_behind(monkeypatch, 3)
    server = messaging.get_rpc_server(
        memory_transport, target, [endpoint], clock_skew=0
    )
    with running(server):
        messaging.get_rpc_client(memory_transport, target, ttl=1).cast(
            {}, 'record', tag='skewed'
        )
        assert wait_for(lambda: endpoint.done, 5)
    assert endpoint.done == ['skewed']
    assert server.stats['expired'] == 0
