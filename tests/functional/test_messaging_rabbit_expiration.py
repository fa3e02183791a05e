"""The AMQP ``expiration`` RabbitMQ delivers for each kind of message sent.

Read off the broker by plain kombu queues bound beside the servers' own
(topic, direct and fanout), so what is checked is what the broker got, not
what our driver meant to send. A TTL set for one message never reaches the
next one, on the same thread or another.
"""

from __future__ import annotations

import json
import threading
import time
import uuid

import kombu
import oslo_messaging
import pytest

from oslo_extras import messaging
from tests.functional.servers.rabbitmq import rabbitmq  # noqa: F401
from tests.functional.test_messaging_rabbit import make_conf
from tests.functional.test_messaging_rabbit import transport  # noqa: F401
from tests.unit.messaging.helpers import TTLLeft

EXCHANGE = 'openstack'  # oslo.messaging's default control exchange


@pytest.fixture
def spy(rabbitmq):  # noqa: F811
    """Queues that copy a topic's messages, and the expirations they got."""
    url = rabbitmq.url.replace('rabbit://', 'amqp://')
    with kombu.Connection(url) as conn:
        channel = conn.channel()
        topic = 'exp-' + uuid.uuid4().hex[:8]
        queues = {
            'topic': kombu.Queue(
                f'{topic}.spy',
                kombu.Exchange(EXCHANGE, 'topic', durable=False),
                routing_key=topic,
                auto_delete=True,
            ),
            'direct': kombu.Queue(
                f'{topic}.s1.spy',
                kombu.Exchange(EXCHANGE, 'topic', durable=False),
                routing_key=f'{topic}.s1',
                auto_delete=True,
            ),
            'fanout': kombu.Queue(
                f'{topic}.fanout.spy',
                kombu.Exchange(
                    f'{topic}_fanout',
                    'fanout',
                    durable=False,
                    auto_delete=True,
                ),
                auto_delete=True,
            ),
        }
        for queue in queues.values():
            queue(channel).declare()

        def expirations(kind: str, bodies: bool = False) -> list:
            """What ``kind``'s spy got since last asked: expirations, or
            (expiration, request) pairs."""
            got = []
            while True:
                message = queues[kind](channel).get(no_ack=True)
                if message is None:
                    return got
                expiration = message.properties.get('expiration')
                if bodies:
                    body = json.loads(message.body)
                    request = json.loads(body['oslo.message'])
                    got.append((expiration, request))
                else:
                    got.append(expiration)

        yield topic, expirations


def _call_expiration(client, expirations, **kwargs) -> list[str | None]:
    """Expirations of a call's request, read before it expires."""
    failed = []

    def call():
        try:
            client.call({}, 'nobody_answers', **kwargs)
        except oslo_messaging.MessagingTimeout as exc:
            failed.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    got: list[str | None] = []
    deadline = time.monotonic() + 10
    while not got and time.monotonic() < deadline:
        got = expirations('topic')
    caller.join()
    assert failed, 'nobody answers: the call times out'
    return got


def test_casts_carry_their_ttl_and_only_theirs(transport, spy):  # noqa: F811
    topic, expirations = spy
    target = oslo_messaging.Target(topic=topic)
    with_ttl = messaging.get_rpc_client(transport, target, ttl=7)
    without = messaging.get_rpc_client(transport, target)
    stock = oslo_messaging.get_rpc_client(transport, target)
    with_ttl.cast({}, 'm')
    without.cast({}, 'm')
    stock.cast({}, 'm')
    with_ttl.prepare(server='s1').cast({}, 'm')
    without.prepare(server='s1').cast({}, 'm')
    with_ttl.prepare(fanout=True).cast({}, 'm')
    without.prepare(fanout=True).cast({}, 'm')
    stock.prepare(fanout=True).cast({}, 'm')
    # Another thread, after this one set and restored its TTL.
    other = threading.Thread(target=lambda: without.cast({}, 'm'))
    other.start()
    other.join()
    assert expirations('topic') == [TTLLeft(7), None, None, None]
    assert expirations('direct') == [TTLLeft(7), None]
    assert expirations('fanout') == [TTLLeft(7), None, None]


def test_calls_expire_after_the_shorter_of_ttl_and_timeout(transport, spy):  # noqa: F811
    topic, expirations = spy
    target = oslo_messaging.Target(topic=topic)

    def expiration(client):
        return _call_expiration(client, expirations)

    ours = messaging.get_rpc_client
    assert expiration(ours(transport, target, ttl=1, timeout=3)) == ['1000']
    assert expiration(ours(transport, target, ttl=2, timeout=2)) == ['2000']
    assert expiration(ours(transport, target, ttl=3, timeout=2)) == ['2000']
    assert expiration(ours(transport, target, timeout=2)) == ['2000']
    stock = oslo_messaging.get_rpc_client(transport, target, timeout=1)
    assert expiration(stock) == ['1000']
    # Casts after the calls, on the same thread.
    ours(transport, target).cast({}, 'm')
    stock.cast({}, 'm')
    assert expirations('topic') == [None, None]


def test_transport_options_and_retry_keep_the_expiration(transport, spy):  # noqa: F811
    topic, expirations = spy
    target = oslo_messaging.Target(topic=topic)
    client = messaging.get_rpc_client(
        transport,
        target,
        ttl=5,
        retry=1,
        transport_options=oslo_messaging.TransportOptions(at_least_once=True),
    )
    client.cast({}, 'm')
    client.prepare(server='s1').cast({}, 'm')
    assert expirations('topic') == [TTLLeft(5)]
    assert expirations('direct') == [TTLLeft(5)]


def test_heartbeating_calls_expire_after_their_ttl(transport, spy):  # noqa: F811
    topic, expirations = spy
    target = oslo_messaging.Target(topic=topic)
    client = messaging.get_rpc_client(
        transport, target, heartbeat=1, timeout=4, ttl=2, max_call_time=5
    )
    assert _call_expiration(client, expirations) == ['2000']
    # Without one: its window less one interval (the spec's TTL of a call).
    client = messaging.get_rpc_client(
        transport, target, heartbeat=1, timeout=4, max_call_time=5
    )
    assert _call_expiration(client, expirations) == ['3000']


def test_notifications_carry_their_ttl_and_only_theirs(rabbitmq):  # noqa: F811
    transport = messaging.get_notification_transport(make_conf(), rabbitmq.url)  # noqa: F811
    topic = 'exp-' + uuid.uuid4().hex[:8]
    url = rabbitmq.url.replace('rabbit://', 'amqp://')
    try:
        with kombu.Connection(url) as conn:
            queue = kombu.Queue(
                f'{topic}.info.spy',
                kombu.Exchange(EXCHANGE, 'topic', durable=False),
                routing_key=f'{topic}.info',
                auto_delete=True,
            )(conn.channel())
            queue.declare()
            ours = messaging.get_notifier(
                transport,
                'p',
                driver='messagingv2',
                topics=[topic],
                ttl=9,
                events={'short': dict(ttl=2)},
            )
            ours.info({}, 'long', {})
            ours.info({}, 'short', {})
            oslo_messaging.Notifier(
                transport, 'p', driver='messagingv2', topics=[topic]
            ).info({}, 'stock', {})
            got = []
            while (message := queue.get(no_ack=True)) is not None:
                got.append(message.properties.get('expiration'))
            assert got == [TTLLeft(9), TTLLeft(2), None]
    finally:
        transport.cleanup()


def test_stale_fanout_cast_from_a_stream_never_runs(rabbitmq):  # noqa: F811
    """Streams keep every message: the server checks the sender's clock."""
    from tests.unit.messaging.helpers import Endpoint
    from tests.unit.messaging.helpers import running
    from tests.unit.messaging.helpers import wait_for

    conf = make_conf(
        rabbit_transient_quorum_queue=True,
        rabbit_stream_fanout=True,
        rabbit_qos_prefetch_count=10,  # streams need a prefetch
    )
    transport = messaging.get_rpc_transport(conf, rabbitmq.url)  # noqa: F811
    target = oslo_messaging.Target(topic='exp-' + uuid.uuid4().hex[:8])
    try:
        # 3 s: a fresh fanout must not expire on a loaded machine while the
        # server's stream consumer starts (1 s did once in CI).
        client = messaging.get_rpc_client(transport, target, ttl=3)
        fanout = client.prepare(fanout=True)

        def server(endpoint):
            return messaging.get_rpc_server(
                transport,
                oslo_messaging.Target(topic=target.topic, server='s1'),
                [endpoint],
                clock_skew=0.2,
            )

        first = Endpoint()
        with running(server(first)):
            fanout.cast({}, 'record', tag='fresh')
            assert wait_for(lambda: first.done == ['fresh'], 15)
        # Kept by the stream with nobody reading it, past its TTL.
        fanout.cast({}, 'record', tag='stale')
        time.sleep(4)
        # A new consumer of the stream starts at its last chunk: 'stale'.
        later = Endpoint()
        restarted = server(later)
        with running(restarted):
            assert wait_for(lambda: restarted.stats['expired'] == 1, 15)
            fanout.cast({}, 'record', tag='new')
            assert wait_for(lambda: 'new' in later.done, 15)
        assert 'stale' not in later.done
        assert 'fresh' not in later.done
    finally:
        transport.cleanup()


@pytest.mark.parametrize('interceptors', [(), ('ttl',)])
def test_stock_monitored_call_gets_upstreams_heartbeats_without_ours(
    transport,  # noqa: F811
    interceptors,
):
    """Without our heartbeat interceptor, upstream's watchdog answers."""
    from tests.unit.messaging.helpers import Endpoint
    from tests.unit.messaging.helpers import running

    target = oslo_messaging.Target(
        topic='exp-' + uuid.uuid4().hex[:8], server='s1'
    )
    server = messaging.get_rpc_server(
        transport, target, [Endpoint()], interceptors=interceptors
    )
    stock = oslo_messaging.get_rpc_client(
        transport, target, timeout=10, call_monitor_timeout=2
    )
    with running(server):
        assert stock.call({}, 'work', seconds=4) == 'worked 4s'
        assert stock.call({}, 'work', seconds=0) == 'worked 0s'


def test_the_longest_ttl_is_the_longest_rabbitmq_takes(
    transport,  # noqa: F811
    spy,
    rabbitmq,  # noqa: F811
):
    """MAX_TTL is RabbitMQ's limit: taken as is, and not a second more."""
    from oslo_extras.messaging.policy import MAX_TTL
    from tests.unit.messaging.helpers import Endpoint
    from tests.unit.messaging.helpers import running
    from tests.unit.messaging.helpers import wait_for

    topic, expirations = spy
    target = oslo_messaging.Target(topic=topic, server='s1')
    endpoint = Endpoint()
    server = messaging.get_rpc_server(
        transport, target, [endpoint], ttl=MAX_TTL
    )
    client = messaging.get_rpc_client(transport, target, ttl=MAX_TTL, retry=0)
    with running(server):
        client.prepare(server=None).cast({}, 'record', tag='ten years')
        assert wait_for(lambda: endpoint.done == ['ten years'])
    assert expirations('topic') == [TTLLeft(MAX_TTL)]
    url = rabbitmq.url.replace('rabbit://', 'amqp://')
    with kombu.Connection(url) as conn:
        for ms in (MAX_TTL * 1000, MAX_TTL * 1000 + 1):
            queue = kombu.Queue(
                f'{topic}.limit', queue_arguments={'x-message-ttl': ms}
            )(conn.channel())
            if ms > MAX_TTL * 1000:
                with pytest.raises(Exception, match='value_too_large'):
                    queue.declare()
            else:
                queue.declare()
                queue.delete()


def test_concurrent_senders_each_get_their_own_expiration(transport, spy):  # noqa: F811
    """Threads sending casts, fanouts and calls at once: no TTL crosses."""
    topic, expirations = spy
    target = oslo_messaging.Target(topic=topic)
    # Thread i: TTL i + 1 s (none for odd i), casts alternately to the
    # topic and fanout, and short calls nobody answers in between.
    ttls = {i: (None if i % 2 else float(i + 1)) for i in range(6)}

    def send(i):
        client = messaging.get_rpc_client(
            transport, target, ttl=ttls[i], timeout=0.5
        )
        for n in range(6):
            sender = client.prepare(fanout=True) if n % 2 else client
            sender.cast({}, 'm', sender=i)
            if n == 2:
                try:
                    client.call({}, 'm', sender=i)
                except oslo_messaging.MessagingTimeout:
                    pass

    threads = [threading.Thread(target=send, args=(i,)) for i in ttls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seen = [
        (request['args']['sender'], expiration)
        for kind in ('topic', 'fanout')
        for expiration, request in expirations(kind, bodies=True)
        # A call: expired or not, it has its own timeout.
        if '_msg_id' not in request
    ]
    assert len(seen) == 6 * 6
    for sender, expiration in seen:
        ttl = ttls[sender]
        assert expiration == (None if ttl is None else TTLLeft(ttl))
