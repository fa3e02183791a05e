"""The rabbit-extras driver on ``kombu+memory://`` (no broker needed)."""

from __future__ import annotations

import json
import threading
import time
from unittest import mock

import oslo_messaging
import pytest
from oslo_messaging import transport as msg_transport

from oslo_extras import messaging
from oslo_extras.messaging import _upstream
from oslo_extras.messaging import transport
from oslo_extras.messaging.drivers import rabbit
from oslo_extras.messaging.drivers import scope
from tests.unit.messaging.helpers import Endpoint
from tests.unit.messaging.helpers import make_conf
from tests.unit.messaging.helpers import memory_notifier
from tests.unit.messaging.helpers import new_target
from tests.unit.messaging.helpers import running
from tests.unit.messaging.helpers import wait_for


@pytest.mark.parametrize(
    'given, extras, upstream',
    [
        ('rabbit://u:p@h:5672/vh', 'rabbit-extras', 'rabbit'),
        ('kombu+memory:////', 'rabbit-extras+kombu+memory', 'kombu+memory'),
        ('rabbit-extras://h/', 'rabbit-extras', 'rabbit'),
        ('fake://', 'fake-extras', None),
        ('kafka://h:9092', 'kafka', None),
    ],
)
def test_scheme_mapping(given, extras, upstream):
    conf = make_conf()
    url = transport.extras_url(conf, given)
    assert url.transport == extras
    if extras.startswith(rabbit.SCHEME):
        back = rabbit.upstream_url(conf, url)
        assert back.transport == upstream
        original = msg_transport.TransportURL.parse(conf, given)
        assert back.hosts == original.hosts
        assert back.virtual_host == original.virtual_host


def test_queue_arguments():
    options = scope.QueueOptions('compute', ttl=1.5, dead_letter=True)
    assert rabbit.queue_arguments(options) == {
        'x-message-ttl': 1500,
        'x-dead-letter-exchange': rabbit.DEAD_LETTER_EXCHANGE,
        'x-dead-letter-routing-key': 'compute',
    }
    assert rabbit.queue_arguments(scope.QueueOptions('compute')) == {}


@pytest.fixture
def published():
    """Record the ``timeout`` (AMQP expiration) of every publish."""
    seen: list[tuple[str, float | None]] = []
    original = _upstream.RabbitConnection._publish

    def spy(
        self,
        exchange,
        msg,
        routing_key=None,
        timeout=None,
        transport_options=None,
    ):
        seen.append((exchange.name, timeout))
        return original(
            self, exchange, msg, routing_key, timeout, transport_options
        )

    with mock.patch.object(_upstream.RabbitConnection, '_publish', spy):
        yield seen


def test_casts_and_fanouts_carry_their_ttl(memory_transport, published):
    target = new_target()
    with running(
        messaging.get_rpc_server(memory_transport, target, [Endpoint()])
    ):
        client = messaging.get_rpc_client(memory_transport, target, ttl=7)
        client.cast({}, 'work', seconds=0)
        client.prepare(fanout=True, server=None).cast({}, 'work', seconds=0)
        messaging.get_rpc_client(memory_transport, target).cast(
            {}, 'work', seconds=0
        )
    # What is left of the TTL when each was published (counted from the
    # driver's send(): a little less than 7 s).
    names = [name for name, _ in published[:3]]
    assert names == ['openstack', f'{target.topic}_fanout', 'openstack']
    assert all(6 < t <= 7 for _, t in published[:2])
    assert published[2][1] is None


def test_call_expiration_is_the_smaller_of_ttl_and_wait(
    memory_transport, published
):
    target = new_target()
    with running(
        messaging.get_rpc_server(memory_transport, target, [Endpoint()])
    ):
        messaging.get_rpc_client(
            memory_transport, target, ttl=2, timeout=10
        ).call({}, 'work', seconds=0)
        messaging.get_rpc_client(memory_transport, target, heartbeat=1.5).call(
            {}, 'work', seconds=0
        )
    requests = [t for name, t in published if name == 'openstack']
    # heartbeat 1.5: a 3 s silence window less one interval.
    assert requests == [2, 1.5]
    # Replies (to the default exchange) never carry a TTL.
    assert {t for name, t in published if name == ''} == {None}


def test_notifications_carry_their_ttl(published):
    with memory_notifier(
        ['notifications'], 60, events={'instance.resize': dict(ttl=5)}
    ) as notifier:
        notifier.info({}, 'instance.create', {'id': 1})
        notifier.warn({}, 'instance.resize', {'id': 1})
    # What was left of each TTL when it was published.
    (first, second) = [t for _, t in published]
    assert 59 < first <= 60
    assert 4 < second <= 5


def test_server_queues_get_ttl_and_dead_letter_arguments(memory_transport):
    target = new_target()
    declared = []
    original = _upstream.RabbitConnection.declare_consumer

    def spy(self, consumer):
        declared.append((consumer.type, dict(consumer.queue_arguments)))
        return original(self, consumer)

    with mock.patch.object(
        _upstream.RabbitConnection, 'declare_consumer', spy
    ):
        server = messaging.get_rpc_server(
            memory_transport, target, [Endpoint()], ttl=30, dead_letter=True
        )
        with running(server):
            pass
    expected = rabbit.queue_arguments(
        scope.QueueOptions(target.topic, 30, True)
    )
    server_queues = [args for kind, args in declared if kind != 'direct']
    assert len(server_queues) == 3  # topic, topic.server, fanout
    assert all(expected.items() <= args.items() for args in server_queues)


def test_stock_transport_still_works_with_our_client(published):
    conf = make_conf()
    transport = oslo_messaging.get_rpc_transport(conf, 'kombu+memory:////')
    try:
        target = new_target()
        with running(
            messaging.get_rpc_server(transport, target, [Endpoint()])
        ):
            client = messaging.get_rpc_client(
                transport, target, ttl=3, timeout=5
            )
            assert client.call({}, 'work', seconds=0) == 'worked 0s'
    finally:
        transport.cleanup()
    # Upstream's driver: only the call timeout as expiration.
    assert ('openstack', 5) in published


def test_dropped_message_is_published_to_the_dead_letters(memory_transport):
    target = new_target()
    endpoint = Endpoint()
    kept = []
    with mock.patch.object(
        rabbit.Connection,
        'dead_letter_send',
        lambda self, topic, body: kept.append((topic, body)),
    ):
        server = messaging.get_rpc_server(
            memory_transport, target, [endpoint], dead_letter=True
        )
        with running(server, pool_size=1):
            messaging.get_rpc_client(memory_transport, target).cast(
                {}, 'work', seconds=0.5, tag='busy'
            )
            assert endpoint.started.wait(5)
            messaging.get_rpc_client(memory_transport, target, ttl=0.1).cast(
                {'user': 'u1'}, 'work', seconds=0, tag='stale'
            )
            assert wait_for(lambda: kept)
    ((topic, body),) = kept
    assert topic == target.topic
    message = json.loads(body['oslo.message'])
    assert message['args'] == {'seconds': 0, 'tag': 'stale'}
    assert message['_context_user'] == 'u1'
    assert message['oslo_extras']['ttl'] == 0.1
    assert not [k for k in message if k.startswith('_context_oslo_extras')]
    assert '_context_reply_q' not in message


@pytest.mark.parametrize('streams', [False, True])
def test_fanouts_to_streams_are_not_marked_broker_expired(streams):
    # Streams ignore per-message expiration: a fanout stamped as
    # broker-expired would skip the server's sender-clock check and run
    # however late it is read from the stream.
    conf = make_conf(
        rabbit_stream_fanout=streams,
        rabbit_qos_prefetch_count=1,
        rabbit_transient_quorum_queue=streams,
    )
    driver = messaging.get_rpc_transport(conf, 'rabbit://127.0.0.1:1/')._driver
    try:
        assert driver.broker_expires(oslo_messaging.Target(topic='t'))
        fanout = oslo_messaging.Target(topic='t', fanout=True)
        assert driver.broker_expires(fanout) is not streams
        memory = messaging.get_rpc_transport(conf, 'kombu+memory:////')
        assert not memory._driver.broker_expires(fanout)
        memory.cleanup()
    finally:
        driver.cleanup()


class _SlowConnection:
    """Sends a reply in 50 ms, as if waiting for the broker's confirm."""

    opened = 0

    def __init__(self) -> None:
        type(self).opened += 1
        self.closed = False
        self.busy = False

    def direct_send(self, queue, body):
        assert not self.busy, 'one message at a time per connection'
        self.busy = True
        time.sleep(0.05)
        self.busy = False

    def close(self):
        self.closed = True


def test_batches_of_many_reply_queues_go_out_side_by_side(
    memory_transport, monkeypatch
):
    # A server whose callers each wait on a reply queue of their own sends
    # one batch message per call: on one connection, one after the other,
    # 1,000 of them took 0.8 s of every 1 s interval on a real broker.
    driver = _upstream.transport_driver(memory_transport)
    connections: list[_SlowConnection] = []

    def open_connection(_driver):
        connections.append(_SlowConnection())
        return connections[-1]

    monkeypatch.setattr(_upstream, 'own_send_connection', open_connection)
    threads = [
        threading.Thread(
            target=driver.send_heartbeats, args=(f'reply_{i}', [f'm{i}'])
        )
        for i in range(8)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    elapsed = time.monotonic() - started
    assert len(connections) == rabbit.HEARTBEAT_CONNECTIONS
    # 8 messages of 50 ms on 4 connections: 0.1 s, not 0.4 s.
    assert elapsed < 0.3, elapsed
    # A send during cleanup closes its connection when done: none leaks.
    memory_transport.cleanup()
    assert all(connection.closed for connection in connections)
    driver.send_heartbeats('reply_late', ['late'])
    assert connections[-1].closed


def test_reply_waiter_gets_the_batch_splitter_once(monkeypatch):
    installed = []
    install = _upstream.split_batched_replies

    def counting(driver, split):
        installed.append(driver)
        install(driver, split)

    monkeypatch.setattr(_upstream, 'split_batched_replies', counting)
    rpc = messaging.get_rpc_transport(make_conf(), 'kombu+memory:////')
    driver = _upstream.transport_driver(rpc)
    target = new_target()
    try:
        with running(messaging.get_rpc_server(rpc, target, [Endpoint()])):
            client = messaging.get_rpc_client(rpc, target, timeout=5)
            for _ in range(3):
                assert client.call({}, 'work', seconds=0) == 'worked 0s'
        assert installed == [driver]
        assert isinstance(
            driver._waiter.waiters._queues[None], _upstream._BatchSplitter
        )
    finally:
        rpc.cleanup()
    # cleanup() dropped the reply queue: a new one would get a splitter.
    assert driver._split_reply_q is None
