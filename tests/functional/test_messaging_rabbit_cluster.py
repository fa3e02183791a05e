"""Heartbeats and TTL on a three-node RabbitMQ cluster (servers/rabbitmq).

Quorum queues for topics (``rabbit_quorum_queue``), for reply and fanout
queues too (``rabbit_transient_quorum_queue``), and streams for fanouts
(``rabbit_stream_fanout``), as a highly available deployment runs them.
One cluster serves the whole module; every test uses its own topics.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
import uuid

import oslo_messaging
import pytest

from oslo_extras import messaging
from oslo_extras.messaging import interceptors
from oslo_extras.messaging.drivers import rabbit as rabbit_driver
from oslo_extras.messaging.policy import PolicyMap
from tests.functional.servers.rabbitmq import rabbitmq_cluster  # noqa: F401
from tests.unit.messaging import helpers
from tests.unit.messaging.helpers import Endpoint
from tests.unit.messaging.helpers import running
from tests.unit.messaging.helpers import wait_for


def make_conf():
    """HA queues everywhere; reconnect every second to the next node."""
    return helpers.make_conf(
        rabbit_quorum_queue=True,
        rabbit_transient_quorum_queue=True,
        rabbit_stream_fanout=True,
        rabbit_qos_prefetch_count=10,  # streams need a prefetch
        rabbit_retry_interval=1,
        rabbit_retry_backoff=0,
        rabbit_interval_max=1,
    )


def topic() -> str:
    return 'ha-' + uuid.uuid4().hex[:8]


@pytest.fixture(scope='module')
def transport(rabbitmq_cluster):  # noqa: F811
    transport = messaging.get_rpc_transport(make_conf(), rabbitmq_cluster.url)
    try:
        yield transport
    finally:
        transport.cleanup()


def test_long_call_on_quorum_queues_with_stream_fanout(
    rabbitmq_cluster,  # noqa: F811
    transport,
):
    target = oslo_messaging.Target(topic=topic(), server='s1')
    server = messaging.get_rpc_server(
        transport, target, [Endpoint()], ttl=60, dead_letter=True
    )
    client = messaging.get_rpc_client(
        transport, target, heartbeat=1, timeout=2
    )
    with running(server):
        started = time.monotonic()
        assert client.call({}, 'work', seconds=5) == 'worked 5s'
        assert 5 <= time.monotonic() - started < 6.5
        assert 3 <= server.stats['heartbeats'] <= 5
        kinds = {
            queue: rabbitmq_cluster.queue_type(queue)
            for queue in (
                target.topic,
                f'{target.topic}.{target.server}',
                f'{target.topic}_fanout',
            )
        }
    assert kinds == {
        target.topic: 'quorum',
        f'{target.topic}.s1': 'quorum',
        f'{target.topic}_fanout': 'stream',
    }
    replies = [
        q for q in rabbitmq_cluster.queue_types() if q[0].startswith('reply_')
    ]
    assert replies and {kind for _, kind in replies} == {'quorum'}


def test_expired_cast_and_call_on_a_quorum_queue_never_run_and_are_kept(
    rabbitmq_cluster,  # noqa: F811
    transport,
):
    name = topic()
    target = oslo_messaging.Target(topic=name)
    endpoint = Endpoint()

    def new_server():
        return messaging.get_rpc_server(
            transport,
            target(server='s1'),
            [endpoint],
            ttl=60,
            dead_letter=True,
        )

    with running(new_server()):
        pass  # declares the quorum queue with x-message-ttl and the DLX
    messaging.get_rpc_client(transport, target, ttl=0.5).cast(
        {}, 'record', tag='stale'
    )
    messaging.get_rpc_client(transport, target, ttl=30).cast(
        {}, 'record', tag='fresh'
    )
    # No server: the first cast and this call expire in the queue.
    with pytest.raises(oslo_messaging.MessagingTimeout):
        messaging.get_rpc_client(transport, target, ttl=0.5, timeout=1).call(
            {}, 'work', seconds=0, tag='stale call'
        )
    time.sleep(0.5)
    with running(new_server()) as server:
        assert wait_for(lambda: endpoint.done, 10)
        time.sleep(0.3)
    assert endpoint.done == ['fresh']
    assert server.stats['expired'] == 0  # the broker expired it
    assert rabbitmq_cluster.queue_type(name) == 'quorum'
    dead = rabbitmq_cluster.nodes[0].get_all(
        rabbit_driver.dead_letter_queue(name)
    )
    bodies = [json.loads(json.loads(m.body)['oslo.message']) for m in dead]
    assert [b['args'].get('tag') for b in bodies] == ['stale', 'stale call']
    for message in dead:
        death = message.headers['x-death'][0]
        assert death['reason'] == 'expired'
        assert death['original-expiration'] == helpers.TTLLeft(0.5)


def test_expired_fanout_on_a_stream_never_runs(transport):
    # Streams keep every message (no per-message TTL, no dead-lettering)
    # and a consumer that comes back reads from the stream's last chunk.
    target = oslo_messaging.Target(topic=topic(), server='s1')
    endpoint = Endpoint()

    def new_server():
        return messaging.get_rpc_server(transport, target, [endpoint], ttl=60)

    with running(new_server()):
        pass  # declares <topic>_fanout as a stream
    messaging.get_rpc_client(transport, target(fanout=True), ttl=0.5).cast(
        {}, 'record', tag='stale'
    )
    time.sleep(1.5)
    messaging.get_rpc_client(transport, target(fanout=True), ttl=30).cast(
        {}, 'record', tag='fresh'
    )
    with running(new_server()) as server:
        wait_for(lambda: 'fresh' in endpoint.done, 5)
        time.sleep(0.5)
    assert endpoint.done == ['fresh']
    assert server.stats['expired'] == 0  # never even delivered


class Recorder:
    """Endpoint that records each message and when it ran."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ran: list[str] = []
        #: tag: (wall clock, monotonic clock) when the endpoint ran it
        self.ran_at: dict[str, tuple[float, float]] = {}

    def work(self, ctxt, seconds, tag):
        time.sleep(seconds)
        return self.record(ctxt, tag)

    def record(self, ctxt, tag, sent=None, ttl=None):
        with self.lock:
            self.ran.append(tag)
            self.ran_at[tag] = (time.time(), time.monotonic())
        return tag


class ReceiptClock(interceptors.Interceptor):
    """Notes when each tagged request reached the server (listener thread).

    On RabbitMQ the TTL of a message is measured in two parts: the broker
    expires it after its TTL from enqueueing, the server after its TTL
    from receipt (no sender clock is compared): the test checks each part.
    """

    name = 'receipt-clock'

    def __init__(self) -> None:
        #: tag: (wall clock, monotonic clock) at receipt
        self.at: dict[str, tuple[float, float]] = {}

    def received(self, request: interceptors.Request) -> bool:
        args = request.incoming.message.get('args') or {}
        if 'tag' in args:
            self.at.setdefault(args['tag'], (time.time(), time.monotonic()))
        return True

    def watches(self, request: interceptors.Request) -> bool:
        return False


@dataclasses.dataclass
class Fleet:
    """Callers and cast producers of one variant (stock or extras)."""

    calls_ok: int = 0
    calls_lost: list[str] = dataclasses.field(default_factory=list)
    casts_sent: list[str] = dataclasses.field(default_factory=list)
    #: tag: (wall clock when the cast was sent, when the broker had it)
    cast_times: dict[str, tuple[float, float]] = dataclasses.field(
        default_factory=dict
    )
    fanouts_sent: list[str] = dataclasses.field(default_factory=list)


def run_fleet(fleet, stop, call_client, cast_client, fanout_client):
    threads = []

    def caller(index):
        n = 0
        while not stop.is_set():
            tag = f'call-{index}-{n}'
            n += 1
            try:
                assert (
                    call_client.call({}, 'work', seconds=0.3, tag=tag) == tag
                )
                fleet.calls_ok += 1
            except Exception as exc:
                fleet.calls_lost.append(f'{tag}: {exc!r}')
                time.sleep(0.1)

    def producer(client, sent, prefix, ttl, pause):
        n = 0
        while not stop.is_set():
            tag = f'{prefix}-{n}'
            n += 1
            try:
                start = time.time()
                client.cast({}, 'record', tag=tag, sent=start, ttl=ttl)
                # Returned: the broker took it, so enqueued by now.
                fleet.cast_times[tag] = (start, time.time())
                sent.append(tag)
            except Exception:
                pass
            time.sleep(pause)

    for index in range(3):
        threads.append(threading.Thread(target=caller, args=(index,)))
    threads.append(
        threading.Thread(
            target=producer,
            args=(cast_client, fleet.casts_sent, 'cast', 1.0, 0.02),
        )
    )
    if fanout_client is not None:
        threads.append(
            threading.Thread(
                target=producer,
                args=(fanout_client, fleet.fanouts_sent, 'fan', 0.3, 0.05),
            )
        )
    for thread in threads:
        thread.start()
    return threads


#: Both fleets' calls: longer than a connection can take to reach a live
#: node on a loaded machine (upstream's may retry the dead one for 10 s),
#: so what the fleets are compared on is calls the failover lost.
CALL_TIMEOUT = 30

#: Slack for the hand-over between the server's last check and the endpoint.
HAND_OVER = 0.1


def ran_expired(
    fleet: Fleet, recorder: Recorder, receipts: ReceiptClock
) -> list[tuple[str, str]]:
    """The tagged casts and fanouts that ran after their TTL, and why.

    Casts sit in quorum queues, which expire them (``expiration``): the
    broker must not deliver one later than its TTL after it had it (by
    the time ``cast()`` returned), and the server must not run one later
    than its TTL after receipt. Fanouts are read from a stream, which
    expires nothing: the server compares the sender's clock (this one).
    """
    late = []
    for tag, (ran_wall, ran_mono) in recorder.ran_at.items():
        kind = tag.split('-')[0]
        if kind not in ('cast', 'fan'):
            continue
        sent, enqueued_by = fleet.cast_times.get(tag, (None, None))
        if sent is None:
            continue  # cast() raised: the broker may still have had it
        ttl = 1.0 if kind == 'cast' else 0.3
        received_wall, received_mono = receipts.at[tag]
        if kind == 'fan':
            if ran_wall - sent > ttl + HAND_OVER:
                late.append((tag, f'ran {ran_wall - sent:.2f}s after sent'))
        elif received_wall - enqueued_by > ttl + HAND_OVER:
            late.append(
                (tag, f'delivered {received_wall - enqueued_by:.2f}s late')
            )
        elif ran_mono - received_mono > ttl + HAND_OVER:
            late.append(
                (tag, f'ran {ran_mono - received_mono:.2f}s after receipt')
            )
    return late


def test_leader_killed_mid_stream_no_expired_run_no_more_lost_than_stock(
    rabbitmq_cluster,  # noqa: F811
    transport,
):
    stock_transport = oslo_messaging.get_rpc_transport(
        make_conf(), rabbitmq_cluster.url
    )
    # Upstream's clients register their tracing options on the global
    # CONF only; ours do it for any conf.
    messaging.get_rpc_client(stock_transport, oslo_messaging.Target())
    extras_topic, stock_topic = topic(), topic()
    extras_target = oslo_messaging.Target(topic=extras_topic, server='s1')
    stock_target = oslo_messaging.Target(topic=stock_topic, server='s1')
    ours, theirs = Recorder(), Recorder()
    receipts = ReceiptClock()
    # What get_rpc_server(transport, extras_target, [ours], ttl=60,
    # dead_letter=True, clock_skew=0) builds, with the receipt clock first.
    extras_server = messaging.RPCServer(
        transport,
        extras_target,
        [ours],
        policies=PolicyMap.declared(None, 60, None),
        interceptors=[receipts, *interceptors.load()],
        dead_letter=True,
        clock_skew=0,  # one machine, one clock
    )
    stock_server = oslo_messaging.get_rpc_server(
        stock_transport, stock_target, [theirs], executor='threading'
    )
    extras, stock = Fleet(), Fleet()
    stop = threading.Event()
    threads = []
    # oslo.messaging shuffles the hosts of every connection, and a quorum
    # queue's leader is where it was declared: declare all four queues on
    # the first node (with the arguments the servers will ask for), so
    # killing it takes every leader of both variants down together.
    first = rabbitmq_cluster.nodes[0]
    quorum = {'x-queue-type': 'quorum'}
    dead_letter = {
        'x-message-ttl': 60000,
        'x-dead-letter-exchange': rabbit_driver.DEAD_LETTER_EXCHANGE,
        'x-dead-letter-routing-key': extras_topic,
    }
    first.declare(extras_topic, dict(quorum, **dead_letter))
    first.declare(f'{extras_topic}.s1', dict(quorum, **dead_letter))
    first.declare(stock_topic, quorum)
    first.declare(f'{stock_topic}.s1', quorum)
    try:
        with running(extras_server), running(stock_server):
            for queue in extras_topic, stock_topic:
                for name in queue, f'{queue}.s1':
                    assert rabbitmq_cluster.queue_leader(name) is first
            threads += run_fleet(
                extras,
                stop,
                messaging.get_rpc_client(
                    transport, extras_target, heartbeat=2, timeout=CALL_TIMEOUT
                ),
                messaging.get_rpc_client(
                    transport, extras_target(server=None), ttl=1
                ),
                messaging.get_rpc_client(
                    transport, extras_target(fanout=True), ttl=0.3
                ),
            )
            threads += run_fleet(
                stock,
                stop,
                oslo_messaging.get_rpc_client(
                    stock_transport, stock_target, timeout=CALL_TIMEOUT
                ),
                oslo_messaging.get_rpc_client(
                    stock_transport, stock_target(server=None)
                ),
                None,
            )
            time.sleep(2)
            first.kill()  # SIGKILL, mid-stream
            killed = time.monotonic()
            time.sleep(8)
            stop.set()
            for thread in threads:
                thread.join(30)
            new_leader = rabbitmq_cluster.queue_leader(extras_topic)
            assert new_leader is not first
            wait_for(lambda: set(stock.casts_sent) <= set(theirs.ran), 15)
            time.sleep(1)
    finally:
        stop.set()
        stock_transport.cleanup()
    dead = rabbitmq_cluster.alive()[0].get_all(
        rabbit_driver.dead_letter_queue(extras_topic)
    )
    dead_tags = {
        json.loads(json.loads(m.body)['oslo.message'])['args']['tag']
        for m in dead
    }
    # Shown with -s: how the two fleets went through the failover.
    print(
        f'\nrecovered {time.monotonic() - killed:.1f}s after the kill; '
        f'extras: {extras.calls_ok} calls ok, {len(extras.calls_lost)} '
        f'lost, {len(extras.casts_sent)} casts, {len(extras.fanouts_sent)} '
        f'fanouts, {extras_server.stats["expired"]} dropped, '
        f'{len(dead_tags)} dead-lettered; stock: {stock.calls_ok} calls '
        f'ok, {len(stock.calls_lost)} lost, {len(stock.casts_sent)} casts'
    )
    # Nothing expired ran, before, during or after the failover.
    assert ran_expired(extras, ours, receipts) == []
    # Every cast the broker took either ran or was kept as a dead letter,
    # and so was every fanout the server dropped.
    missing = set(extras.casts_sent) - set(ours.ran) - dead_tags
    assert missing == set()
    dropped = set(extras.fanouts_sent) - set(ours.ran)
    assert dropped <= dead_tags
    assert set(stock.casts_sent) - set(theirs.ran) == set()
    # Both fleets kept working, and ours lost no more calls than stock.
    assert extras.calls_ok > 10 and stock.calls_ok > 10
    assert len(extras.calls_lost) <= len(stock.calls_lost)
