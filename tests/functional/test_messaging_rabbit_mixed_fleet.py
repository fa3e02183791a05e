"""Clients and servers that see their queues differently (servers/rabbitmq).

During an upgrade a fleet runs mixed configuration: a client that still
sends fanouts to classic queues while its servers consume them from a
stream (``rabbit_stream_fanout``). The client's ``rabbit-extras`` driver
marks a message ``broker_ttl`` when it believes the broker expires it;
the server must decide from the queue it consumed the message from, not
from that mark: a stream keeps every message whatever its
``expiration``.
"""

from __future__ import annotations

import json
import time
import uuid

import oslo_messaging
import pytest

from oslo_extras import messaging
from oslo_extras.messaging import _upstream
from tests.functional.servers.rabbitmq import rabbitmq  # noqa: F401
from tests.unit.messaging import helpers
from tests.unit.messaging.helpers import Endpoint
from tests.unit.messaging.helpers import running
from tests.unit.messaging.helpers import sender_clock_behind
from tests.unit.messaging.helpers import wait_for


def make_conf(stream_fanout: bool):
    return helpers.make_conf(
        rabbit_transient_quorum_queue=True,  # the same fanout exchange
        rabbit_stream_fanout=stream_fanout,
        rabbit_qos_prefetch_count=10,  # streams need a prefetch
        rabbit_retry_interval=1,
        rabbit_retry_backoff=0,
        rabbit_interval_max=1,
    )


@pytest.fixture
def transports(rabbitmq):  # noqa: F811
    """(client's, server's): fanouts to queues, fanouts from a stream."""
    client = messaging.get_rpc_transport(make_conf(False), rabbitmq.url)
    server = messaging.get_rpc_transport(make_conf(True), rabbitmq.url)
    try:
        yield client, server
    finally:
        client.cleanup()
        server.cleanup()


def test_stale_fanout_read_from_a_stream_never_runs(transports):
    client_transport, server_transport = transports
    target = oslo_messaging.Target(topic='mix-' + uuid.uuid4().hex[:8])
    endpoint = Endpoint()

    def new_server():
        return messaging.get_rpc_server(
            server_transport,
            target(server='s1'),
            [endpoint],
            clock_skew=0,  # one clock on this machine
        )

    with running(new_server()):
        pass  # declares <topic>_fanout as a stream
    fanout = target(fanout=True)
    messaging.get_rpc_client(client_transport, fanout, ttl=0.5).cast(
        {}, 'record', tag='stale'
    )
    time.sleep(1.5)  # the broker would have expired it from a queue
    # A consumer that comes back reads the stream's last chunk: 'stale'.
    with running(new_server()) as server:
        wait_for(lambda: endpoint.done or server.stats['expired'], 5)
        assert (endpoint.done, server.stats['expired']) == ([], 1)
        # A live fanout from the same client still runs.
        messaging.get_rpc_client(client_transport, fanout, ttl=30).cast(
            {}, 'record', tag='fresh'
        )
        assert wait_for(lambda: endpoint.done, 5)
        time.sleep(0.3)
    assert endpoint.done == ['fresh']


def test_topic_messages_still_trust_the_broker_on_a_stream_fanout_server(
    transports, monkeypatch
):
    # The server's topic queues expire messages: a call from a client
    # whose clock is 3 s behind runs (no sender-clock check there), while
    # its fanouts, read from a stream, are checked against that clock.
    client_transport, server_transport = transports
    target = oslo_messaging.Target(
        topic='mix-' + uuid.uuid4().hex[:8], server='s1'
    )
    endpoint = Endpoint()
    server = messaging.get_rpc_server(
        server_transport, target, [endpoint], clock_skew=0
    )
    sender_clock_behind(monkeypatch, 3)
    client = messaging.get_rpc_client(client_transport, target, timeout=2)
    with running(server):
        assert client.call({}, 'work', seconds=0, tag='call') == 'worked 0s'
        messaging.get_rpc_client(
            client_transport, target(fanout=True), ttl=2
        ).cast({}, 'record', tag='skewed fanout')
        assert wait_for(lambda: server.stats['expired'] == 1, 5)
    assert endpoint.done == ['call']


def test_quorum_topic_queue_trusts_the_broker_from_rabbitmq_3_10(
    rabbitmq,  # noqa: F811
    monkeypatch,
):
    # The client declares nothing of the topic (rabbit_quorum_queue off);
    # the server consumes it from a quorum queue, which expires messages
    # on this broker (3.10): a call from a client 3 s behind runs, an
    # expired cast never does.
    conf = helpers.make_conf(rabbit_quorum_queue=True)
    server_transport = messaging.get_rpc_transport(conf, rabbitmq.url)
    client_transport = messaging.get_rpc_transport(
        helpers.make_conf(amqp_durable_queues=True), rabbitmq.url
    )
    driver = server_transport._driver
    with driver._get_connection() as conn:
        assert _upstream.broker_version(conn.connection) >= (3, 10)
    name = 'mix-' + uuid.uuid4().hex[:8]
    # An exchange of its own: durable here, not on the session's broker.
    target = oslo_messaging.Target(exchange=name, topic=name, server='s1')
    endpoint = Endpoint()
    sender_clock_behind(monkeypatch, 3)

    def new_server():
        return messaging.get_rpc_server(
            server_transport, target, [endpoint], clock_skew=0
        )

    try:
        client = messaging.get_rpc_client(client_transport, target, timeout=2)
        with running(new_server()):
            assert client.call({}, 'work', seconds=0, tag='call') == (
                'worked 0s'
            )
        messaging.get_rpc_client(client_transport, target, ttl=0.5).cast(
            {}, 'record', tag='stale'
        )
        time.sleep(1)
        with running(new_server()) as server:
            time.sleep(1)
        types = json.loads(
            rabbitmq.ctl('list_queues', 'name', 'type', '--formatter', 'json')
        )
        assert {'name': target.topic, 'type': 'quorum'} in types
    finally:
        client_transport.cleanup()
        server_transport.cleanup()
    assert endpoint.done == ['call']
    assert server.stats['expired'] == 0  # the broker expired 'stale'


@pytest.mark.parametrize('queue_type', ['classic', 'quorum'])
def test_a_requeued_message_keeps_its_first_expiry(
    rabbitmq,  # noqa: F811
    queue_type,
):
    # A server acknowledges on receipt; what it had received but not yet
    # acknowledged when its connection dropped is requeued. The broker's
    # TTL must not start again then, or the server's trust in it (no
    # sender-clock check) would let a stale request run.
    import amqp

    name = 'requeue-' + uuid.uuid4().hex[:8]
    dead = name + '.dead'
    conn = rabbitmq.connection()
    try:
        channel = conn.channel()
        channel.queue_declare(dead, durable=True, auto_delete=False)
        channel.queue_declare(
            name,
            durable=True,
            auto_delete=False,
            arguments={
                'x-queue-type': queue_type,
                'x-dead-letter-exchange': '',
                'x-dead-letter-routing-key': dead,
            },
        )
        channel.basic_publish(
            amqp.Message('stale', expiration='1000'), routing_key=name
        )
        taken = rabbitmq.connection()
        try:
            held = taken.channel().basic_get(name, no_ack=False)
            assert held.body == 'stale'
            time.sleep(1.5)  # past its TTL, outside the queue
        finally:
            taken.close()  # unacknowledged: requeued
        assert wait_for(lambda: rabbitmq.queue_depth(dead) == 1, 5)
        assert rabbitmq.queue_depth(name) == 0
        (message,) = rabbitmq.get_all(dead)
        assert message.headers['x-death'][0]['reason'] == 'expired'
    finally:
        conn.close()
