"""Dead letters on a three-node RabbitMQ cluster (servers/rabbitmq).

What a server or listener drops itself (it expired while waiting for a
worker, or a fanout read late from a stream) is kept once in its quorum
``.dead`` queue, never dispatched, and no log line of ours carries the
request's context (a token here).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid

import oslo_messaging
import pytest

from oslo_extras import messaging
from oslo_extras.messaging.drivers import rabbit as rabbit_driver
from tests.functional.servers.rabbitmq import rabbitmq_cluster  # noqa: F401
from tests.unit.messaging import helpers
from tests.unit.messaging.helpers import Endpoint
from tests.unit.messaging.helpers import running
from tests.unit.messaging.helpers import wait_for

SECRET = 'tok-' + uuid.uuid4().hex
CONTEXT = {'user': 'u1', 'auth_token': SECRET}


def make_conf(stream_fanout: bool = True):
    return helpers.make_conf(
        rabbit_quorum_queue=True,
        rabbit_transient_quorum_queue=True,
        rabbit_stream_fanout=stream_fanout,
        rabbit_qos_prefetch_count=10,
        rabbit_retry_interval=1,
        rabbit_retry_backoff=0,
        rabbit_interval_max=1,
    )


def name() -> str:
    return 'dl-' + uuid.uuid4().hex[:8]


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG, logger='oslo_extras')
    caplog.set_level(logging.INFO)
    return caplog


def assert_no_secret_logged(caplog):
    ours = [r for r in caplog.records if r.name.startswith('oslo_extras')]
    assert ours  # the drops were logged
    for record in caplog.records:
        assert SECRET not in record.getMessage()
        assert SECRET not in (record.exc_text or '')
    assert SECRET not in caplog.text


def dead_letters(cluster, queue: str) -> list[dict]:
    """The oslo.messaging bodies kept in ``queue``'s ``.dead`` queue."""
    messages = cluster.nodes[0].get_all(rabbit_driver.dead_letter_queue(queue))
    return [json.loads(json.loads(m.body)['oslo.message']) for m in messages]


def test_what_a_busy_server_drops_is_dead_lettered_once(
    rabbitmq_cluster,  # noqa: F811
    logs,
):
    transport = messaging.get_rpc_transport(make_conf(), rabbitmq_cluster.url)
    target = oslo_messaging.Target(topic=name(), server='s1')
    endpoint = Endpoint()
    server = messaging.get_rpc_server(
        transport, target, [endpoint], dead_letter=True
    )
    failures = []

    def stale_call():
        try:
            messaging.get_rpc_client(
                transport, target, ttl=0.5, timeout=3
            ).call(CONTEXT, 'work', seconds=0, tag='stale call')
        except oslo_messaging.MessagingTimeout as exc:
            failures.append(exc)

    try:
        with running(server, pool_size=1):
            client = messaging.get_rpc_client(transport, target)
            client.cast({}, 'work', seconds=2, tag='busy')
            assert endpoint.started.wait(5)
            caller = threading.Thread(target=stale_call)
            caller.start()
            messaging.get_rpc_client(transport, target, ttl=0.5).cast(
                CONTEXT, 'record', tag='stale cast'
            )
            client.cast({}, 'record', tag='fresh')
            caller.join(10)
            wait_for(lambda: len(endpoint.done) >= 2, 6)
            time.sleep(0.5)
    finally:
        transport.cleanup()
    assert endpoint.done == ['busy', 'fresh']
    assert server.stats['expired'] == 2
    assert len(failures) == 1  # the caller timed out, nothing ran
    dead_queue = rabbit_driver.dead_letter_queue(target.topic)
    assert rabbitmq_cluster.queue_type(dead_queue) == 'quorum'
    dead = dead_letters(rabbitmq_cluster, target.topic)
    tags = sorted(b['args']['tag'] for b in dead)
    assert tags == ['stale call', 'stale cast']
    # Kept whole (an operator may replay it), in the queue only.
    assert all(b['_context_auth_token'] == SECRET for b in dead)
    assert_no_secret_logged(logs)


def test_stale_fanout_of_a_mixed_client_is_dropped_and_kept_once(
    rabbitmq_cluster,  # noqa: F811
    logs,
):
    # The client sends fanouts to queues (no rabbit_stream_fanout) and
    # marks them broker-expired; the server reads them from a stream.
    client_transport = messaging.get_rpc_transport(
        make_conf(stream_fanout=False), rabbitmq_cluster.url
    )
    server_transport = messaging.get_rpc_transport(
        make_conf(), rabbitmq_cluster.url
    )
    target = oslo_messaging.Target(topic=name(), server='s1')
    endpoint = Endpoint()

    def new_server():
        return messaging.get_rpc_server(
            server_transport,
            target,
            [endpoint],
            dead_letter=True,
            clock_skew=0,
        )

    try:
        with running(new_server()):
            pass  # declares <topic>_fanout as a stream, and <topic>.dead
        messaging.get_rpc_client(
            client_transport, target(fanout=True), ttl=0.5
        ).cast(CONTEXT, 'record', tag='stale')
        time.sleep(1.5)
        with running(new_server()) as server:
            wait_for(lambda: server.stats['expired'], 5)
            time.sleep(0.5)
    finally:
        client_transport.cleanup()
        server_transport.cleanup()
    assert endpoint.done == []
    assert server.stats['expired'] == 1
    dead = dead_letters(rabbitmq_cluster, target.topic)
    assert [b['args']['tag'] for b in dead] == ['stale']
    assert_no_secret_logged(logs)


class Collector:
    def __init__(self) -> None:
        self.seen: list[str] = []
        self.started = threading.Event()

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        self.started.set()
        time.sleep(payload.get('sleep', 0))
        self.seen.append(event_type)


def test_notification_a_busy_listener_drops_is_dead_lettered_once(
    rabbitmq_cluster,  # noqa: F811
    logs,
):
    conf = make_conf()
    transport = messaging.get_notification_transport(
        conf, rabbitmq_cluster.url
    )
    topic = name()
    collector = Collector()
    listener = messaging.get_notification_listener(
        transport,
        [oslo_messaging.Target(topic=topic)],
        [collector],
        dead_letter=True,
        executor='threading',
    )
    try:
        with running(listener, pool_size=1):
            notifier = messaging.get_notifier(
                transport, 'compute.h1', driver='messagingv2', topics=[topic]
            )
            notifier.info({}, 'busy', {'sleep': 2})
            assert collector.started.wait(5)
            messaging.get_notifier(
                transport,
                'compute.h1',
                driver='messagingv2',
                topics=[topic],
                ttl=0.5,
            ).info(CONTEXT, 'stale', {'n': 1})
            notifier.info({}, 'fresh', {})
            wait_for(lambda: len(collector.seen) >= 2, 6)
            time.sleep(0.5)
    finally:
        transport.cleanup()
    assert collector.seen == ['busy', 'fresh']
    assert listener.stats['expired'] == 1
    dead = dead_letters(rabbitmq_cluster, f'{topic}.info')
    assert [b['event_type'] for b in dead] == ['stale']
    assert_no_secret_logged(logs)


def test_a_message_requeued_after_its_leader_was_killed_keeps_its_expiry(
    rabbitmq_cluster,  # noqa: F811
):
    # Last in the module: it kills a node. A request a server had
    # received but not yet acknowledged when the queue's leader died is
    # requeued by the new leader; the broker's TTL must not start again
    # there, since servers trust it (no sender-clock check).
    import amqp

    first, second = rabbitmq_cluster.nodes[:2]
    queue = name()
    dead = queue + '.dead'
    quorum = {'x-queue-type': 'quorum'}
    first.declare(dead, quorum)
    first.declare(
        queue,
        dict(
            quorum,
            **{
                'x-dead-letter-exchange': '',
                'x-dead-letter-routing-key': dead,
            },
        ),
    )
    assert rabbitmq_cluster.queue_leader(queue) is first
    publisher = second.connection()
    publisher.channel().basic_publish(
        amqp.Message('stale', expiration='3000'), routing_key=queue
    )
    published = time.monotonic()
    publisher.close()
    consumer = second.connection()
    try:
        held = consumer.channel().basic_get(queue, no_ack=False)
        assert held.body == 'stale'
        first.kill()  # SIGKILL
        assert wait_for(
            lambda: rabbitmq_cluster.queue_leader(queue) is not first, 30
        )
        time.sleep(max(0.0, published + 3.5 - time.monotonic()))
    finally:
        consumer.close()  # unacknowledged: requeued by the new leader
    assert wait_for(lambda: second.queue_depth(dead) == 1, 10)
    assert second.queue_depth(queue) == 0
    (message,) = second.get_all(dead)
    assert message.headers['x-death'][0]['reason'] == 'expired'
