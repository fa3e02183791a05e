"""Heartbeats and TTL against a real RabbitMQ node (see servers/rabbitmq)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
import uuid

import oslo_messaging
import pytest
from oslo_config import cfg

from oslo_extras import messaging
from oslo_extras.messaging.drivers import rabbit as rabbit_driver
from tests.functional.servers.rabbitmq import rabbitmq  # noqa: F401
from tests.unit.messaging import helpers
from tests.unit.messaging.helpers import Endpoint
from tests.unit.messaging.helpers import running
from tests.unit.messaging.helpers import wait_for


def make_conf(**rabbit_overrides) -> cfg.ConfigOpts:
    """Reconnect every second: a broker restart is over in seconds."""
    return helpers.make_conf(
        rabbit_retry_interval=1,
        rabbit_retry_backoff=0,
        rabbit_interval_max=1,
        **rabbit_overrides,
    )


def topic() -> str:
    return 'test-' + uuid.uuid4().hex[:8]


@pytest.fixture
def transport(rabbitmq):  # noqa: F811
    conf = make_conf()
    transport = messaging.get_rpc_transport(conf, rabbitmq.url)
    try:
        yield transport
    finally:
        transport.cleanup()


def test_transport_uses_the_extras_driver(transport):
    assert transport._driver.__class__ is rabbit_driver.RabbitDriver


def test_ten_second_call_with_one_second_heartbeat_and_two_second_timeout(
    transport,
):
    target = oslo_messaging.Target(topic=topic(), server='s1')
    endpoint = Endpoint()
    server = messaging.get_rpc_server(transport, target, [endpoint])
    client = messaging.get_rpc_client(
        transport, target, heartbeat=1, timeout=2
    )
    with running(server):
        started = time.monotonic()
        assert client.call({}, 'work', seconds=10) == 'worked 10s'
        elapsed = time.monotonic() - started
    assert 10 <= elapsed < 11.5
    # One heartbeat a second, none after the reply.
    assert 8 <= server.stats['heartbeats'] <= 10


CHILD_SERVER = """
import sys, time
import oslo_messaging
from oslo_config import cfg
from oslo_extras import messaging
url, topic, flag = sys.argv[1:4]
conf = cfg.ConfigOpts()
conf([])
transport = messaging.get_rpc_transport(conf, url)
class Endpoint:
    def work(self, ctxt, seconds):
        open(flag, 'w').close()
        time.sleep(seconds)
        return 'done'
target = oslo_messaging.Target(topic=topic, server='child')
server = messaging.get_rpc_server(transport, target, [Endpoint()])
server.start()
print('ready', flush=True)
while True:
    time.sleep(1)
"""


def test_killed_server_is_detected_within_two_heartbeats(
    rabbitmq,  # noqa: F811
    transport,
    tmp_path,
):
    name = topic()
    flag = tmp_path / 'started'
    child = subprocess.Popen(
        [sys.executable, '-c', CHILD_SERVER, rabbitmq.url, name, str(flag)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == 'ready'
        target = oslo_messaging.Target(topic=name, server='child')
        client = messaging.get_rpc_client(
            transport, target, heartbeat=1, timeout=2
        )
        outcome: dict[str, object] = {}

        def call():
            try:
                outcome['result'] = client.call({}, 'work', seconds=60)
            except Exception as exc:
                outcome['error'] = exc
                outcome['at'] = time.monotonic()

        caller = threading.Thread(target=call)
        caller.start()
        assert wait_for(flag.exists, 10), 'the call never started'
        time.sleep(3.2)  # three heartbeats keep the call alive
        assert 'error' not in outcome
        child.kill()
        killed = time.monotonic()
        caller.join(10)
    finally:
        child.kill()
        child.wait()
    error = outcome['error']
    assert isinstance(error, messaging.HeartbeatTimeout)
    assert isinstance(error, oslo_messaging.MessagingTimeout)
    assert "server 'child'" in str(error) and name in str(error)
    # The 2 s silence window (two heartbeat intervals), plus half an
    # interval for a loaded machine.
    assert outcome['at'] - killed < 2.5


def test_call_queued_behind_a_busy_worker_survives(transport):
    target = oslo_messaging.Target(topic=topic(), server='s1')
    endpoint = Endpoint()
    server = messaging.get_rpc_server(transport, target, [endpoint])
    busy = messaging.get_rpc_client(transport, target)
    client = messaging.get_rpc_client(
        transport, target, heartbeat=0.5, timeout=1
    )
    with running(server, pool_size=1):
        busy.cast({}, 'work', seconds=4, tag='busy')
        assert endpoint.started.wait(5)
        started = time.monotonic()
        # Waits ~4 s for the only worker, far longer than its 1 s timeout.
        assert client.call({}, 'work', seconds=0, tag='queued') == (
            'worked 0s'
        )
        assert time.monotonic() - started > 3
    assert endpoint.done == ['busy', 'queued']
    assert server.stats['heartbeats'] >= 5


def test_no_heartbeat_after_an_unknown_method(transport, caplog):
    target = oslo_messaging.Target(topic=topic(), server='s1')
    server = messaging.get_rpc_server(transport, target, [Endpoint()])
    # A server picks the request up, then fails: heartbeats must stop.
    client = messaging.get_rpc_client(
        transport, target, heartbeat=0.2, timeout=0.5
    )
    caplog.set_level(logging.INFO, 'oslo.messaging._drivers.amqpdriver')
    with running(server, pool_size=1):
        busy = messaging.get_rpc_client(transport, target)
        busy.cast({}, 'work', seconds=1)
        with pytest.raises(oslo_messaging.RemoteError) as err:
            client.call({}, 'no_such_method')
        assert err.value.exc_type == 'NoSuchMethod'
        sent = server.stats['heartbeats']
        assert sent >= 3  # it heartbeated while waiting for the worker
        time.sleep(1.5)
        assert server.stats['heartbeats'] == sent
    late = [r for r in caplog.records if 'No calling threads' in r.message]
    assert late == []


def test_expired_cast_is_never_run_and_is_dead_lettered(
    rabbitmq,  # noqa: F811
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
        pass  # declares the queue with x-message-ttl and dead-lettering
    client = messaging.get_rpc_client(transport, target, ttl=0.5)
    client.cast({}, 'record', tag='stale')
    messaging.get_rpc_client(transport, target, ttl=30).cast(
        {}, 'record', tag='fresh'
    )
    time.sleep(1.5)  # no server runs: the first cast expires in the queue
    with running(new_server()) as server:
        wait_for(lambda: endpoint.done)
        time.sleep(0.3)
    assert endpoint.done == ['fresh']
    assert server.stats.snapshot().get('expired', 0) == 0  # the broker did
    dead = rabbitmq.get_all(rabbit_driver.dead_letter_queue(name))
    assert len(dead) == 1
    body = json.loads(json.loads(dead[0].body)['oslo.message'])
    assert body['method'] == 'record' and body['args'] == {'tag': 'stale'}
    death = dead[0].headers['x-death'][0]
    assert death['reason'] == 'expired'
    assert death['original-expiration'] == helpers.TTLLeft(0.5)


def test_busy_server_drops_what_expired_while_it_waited(
    rabbitmq,  # noqa: F811
    transport,
    caplog,
):
    target = oslo_messaging.Target(topic=topic(), server='s1')
    endpoint = Endpoint()
    server = messaging.get_rpc_server(
        transport, target, [endpoint], dead_letter=True
    )
    client = messaging.get_rpc_client(transport, target)
    with running(server, pool_size=1):
        client.cast({}, 'work', seconds=2, tag='busy')
        assert endpoint.started.wait(5)
        # Received at once (acknowledged), then waits 2 s for the worker.
        messaging.get_rpc_client(transport, target, ttl=0.5).cast(
            {}, 'record', tag='stale'
        )
        client.cast({}, 'record', tag='fresh')
        wait_for(lambda: len(endpoint.done) >= 2, 6)
    assert endpoint.done == ['busy', 'fresh']
    assert server.stats['expired'] == 1
    assert any(
        'Dropped expired cast' in r.message and "'record'" in r.message
        for r in caplog.records
    )
    # Acknowledged on receipt, so the server itself keeps it inspectable.
    (dead,) = rabbitmq.get_all(rabbit_driver.dead_letter_queue(target.topic))
    body = json.loads(json.loads(dead.body)['oslo.message'])
    assert body['method'] == 'record' and body['args'] == {'tag': 'stale'}
    assert body['oslo_extras']['ttl'] == 0.5


def test_cast_carries_amqp_expiration(rabbitmq, transport):  # noqa: F811
    name = topic()
    target = oslo_messaging.Target(topic=name)
    server = messaging.get_rpc_server(
        transport, target(server='s1'), [Endpoint()]
    )
    with running(server):
        pass
    messaging.get_rpc_client(transport, target, ttl=42.5).cast(
        {}, 'record', tag=1
    )
    (message,) = rabbitmq.get_all(name)
    assert message.properties['expiration'] == helpers.TTLLeft(42.5)


def test_notifications_carry_amqp_expiration(rabbitmq):  # noqa: F811
    conf = make_conf()
    transport = messaging.get_notification_transport(conf, rabbitmq.url)
    name = topic()
    try:
        notifier = messaging.get_notifier(
            transport,
            'compute.host-1',
            driver='messagingv2',
            topics=[name],
            ttl=600,
            events={'compute.metrics': dict(ttl=5)},
        )
        notifier.info({}, 'compute.instance.create', {'id': 1})
        notifier.info({}, 'compute.metrics', {'cpu': 3})
    finally:
        transport.cleanup()
    messages = rabbitmq.get_all(f'{name}.info')
    assert [m.properties['expiration'] for m in messages] == [
        helpers.TTLLeft(600),
        helpers.TTLLeft(5),
    ]


def test_stock_client_calling_our_server(transport):
    target = oslo_messaging.Target(topic=topic(), server='s1')
    server = messaging.get_rpc_server(transport, target, [Endpoint()])
    stock = oslo_messaging.get_rpc_client(
        transport, target, timeout=10, call_monitor_timeout=2
    )
    with running(server):
        assert stock.call({}, 'work', seconds=3) == 'worked 3s'
        # Upstream would send int(2)/2 = 1 s heartbeats; so do we.
        assert 2 <= server.stats['heartbeats'] <= 3
        plain = oslo_messaging.get_rpc_client(transport, target, timeout=5)
        assert plain.call({}, 'work', seconds=0) == 'worked 0s'


def test_our_client_calling_a_stock_server(transport):
    target = oslo_messaging.Target(topic=topic(), server='s1')
    stock = oslo_messaging.get_rpc_server(
        transport, target, [Endpoint()], executor='threading'
    )
    client = messaging.get_rpc_client(
        transport, target, heartbeat=1, timeout=2
    )
    fast = messaging.get_rpc_client(transport, target, heartbeat=0.5)
    with running(stock):
        # Stock servers heartbeat every int(2)/2 = 1 s, as upstream does.
        assert client.call({}, 'work', seconds=4) == 'worked 4s'
        # A 1 s window is refused by stock servers: ours is raised to 2 s.
        assert fast.call({}, 'work', seconds=4) == 'worked 4s'


def test_broker_restart_loses_no_acknowledged_work(rabbitmq):  # noqa: F811
    conf = make_conf(amqp_durable_queues=True)
    transport = messaging.get_rpc_transport(conf, rabbitmq.url)
    name = topic()
    target = oslo_messaging.Target(exchange='durable-test', topic=name)
    endpoint = Endpoint()

    def new_server():
        return messaging.get_rpc_server(
            transport, target(server='s1'), [endpoint], ttl=600
        )

    client = messaging.get_rpc_client(transport, target, ttl=300)
    sent: list[int] = []
    stop = threading.Event()

    def produce():
        index = 0
        while not stop.is_set():
            client.cast({}, 'record', tag=index)
            sent.append(index)  # returned: the broker confirmed it
            index += 1
            time.sleep(0.01)

    try:
        with running(new_server()):
            pass  # declares the durable queue
        producer = threading.Thread(target=produce)
        producer.start()
        time.sleep(1)
        backlog = rabbitmq.queue_depth(name)
        rabbitmq.restart()  # same node, same mnesia directory
        time.sleep(0.5)
        stop.set()
        producer.join(60)
        with running(new_server()):
            wait_for(lambda: set(sent) <= set(endpoint.done), 30)
        assert backlog > 10  # confirmed work sat in the broker's queue
        assert len(sent) > backlog  # and more was confirmed after restart
        assert set(sent) - set(endpoint.done) == set()
    finally:
        stop.set()
        transport.cleanup()


@pytest.mark.parametrize('behind, heartbeat', [(3, 1), (1.5, 0.5)])
def test_skewed_caller_clock_keeps_healthy_calls(
    transport, monkeypatch, behind, heartbeat
):
    # No skew allowance on the server: RabbitMQ's relative TTL covers the
    # queue wait, so the caller's clock does not matter.
    helpers.sender_clock_behind(monkeypatch, behind)
    target = oslo_messaging.Target(topic=topic(), server='s1')
    server = messaging.get_rpc_server(
        transport, target, [Endpoint()], clock_skew=0
    )
    client = messaging.get_rpc_client(transport, target, heartbeat=heartbeat)
    with running(server):
        for _ in range(3):
            assert client.call({}, 'work', seconds=1) == 'worked 1s'
    assert server.stats['expired'] == 0


CHILD_CALLER = """
import sys
import oslo_messaging
from oslo_config import cfg
from oslo_extras import messaging
url, topic = sys.argv[1:3]
conf = cfg.ConfigOpts()
conf([])
transport = messaging.get_rpc_transport(conf, url)
target = oslo_messaging.Target(topic=topic, server='s1')
client = messaging.get_rpc_client(transport, target, heartbeat=0.5, timeout=2)
print('calling', flush=True)
client.call({}, 'work', seconds=0, tag='orphan')
"""


def test_dead_callers_queued_call_never_runs(rabbitmq, transport):  # noqa: F811
    name = topic()
    target = oslo_messaging.Target(topic=name, server='s1')
    endpoint = Endpoint()
    server = messaging.get_rpc_server(transport, target, [endpoint])
    with running(server, pool_size=1):
        messaging.get_rpc_client(transport, target).cast(
            {}, 'work', seconds=4, tag='busy'
        )
        assert endpoint.started.wait(5)
        child = subprocess.Popen(
            [sys.executable, '-c', CHILD_CALLER, rabbitmq.url, name],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert child.stdout.readline().strip() == 'calling'
            # Its call is queued behind 'busy' and heartbeated meanwhile.
            time.sleep(1.5)
        finally:
            child.kill()
            child.wait()
        # Its reply queue lives on for 30 minutes; nobody consumes it.
        assert wait_for(lambda: 'busy' in endpoint.done, 6)
        assert wait_for(lambda: server.stats['expired'] == 1, 3)
        time.sleep(0.3)
    assert endpoint.done == ['busy']


def test_stock_server_endpoints_never_see_the_stamp(transport):
    target = oslo_messaging.Target(topic=topic(), server='s1')
    endpoint = Endpoint()
    stock = oslo_messaging.get_rpc_server(
        transport, target, [endpoint], executor='threading'
    )
    client = messaging.get_rpc_client(transport, target, heartbeat=1, ttl=30)
    with running(stock):
        client.call({'user': 'u1'}, 'work', seconds=0)
    assert [c.get('user') for c in endpoint.contexts] == ['u1']
    assert not [k for k in endpoint.contexts[0] if 'oslo_extras' in k]


class Collector:
    def __init__(self):
        self.seen = []

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        self.seen.append((event_type, dict(ctxt)))


def test_expired_notifications_are_dead_lettered(rabbitmq):  # noqa: F811
    conf = make_conf()
    transport = messaging.get_notification_transport(conf, rabbitmq.url)
    name = topic()
    collector = Collector()
    # Notifiers declare notification queues without arguments: the
    # operator's policy routes what the broker expires to our exchange.
    rabbitmq.ctl(
        'set_policy',
        '--apply-to',
        'queues',
        f'{name}-dlx',
        f'^{name}\\.info$',
        '{"dead-letter-exchange": "oslo_extras_dlx"}',
    )

    def new_listener():
        return messaging.get_notification_listener(
            transport,
            [oslo_messaging.Target(topic=name)],
            [collector],
            ttl=60,
            dead_letter=True,
            executor='threading',
        )

    try:
        with running(new_listener()):
            pass  # declares the dead-letter exchange and <topic>.info.dead
        notifier = messaging.get_notifier(
            transport, 'compute.host-1', driver='messagingv2', topics=[name]
        )
        notifier.info({}, 'fresh', {'n': 1})
        messaging.get_notifier(
            transport,
            'compute.host-1',
            driver='messagingv2',
            topics=[name],
            ttl=0.5,
        ).info({'user': 'u1'}, 'stale', {'n': 2})
        time.sleep(1.5)  # no listener: the stale one expires in the queue
        with running(new_listener()) as listener:
            assert wait_for(lambda: collector.seen, 5)
            time.sleep(0.3)
    finally:
        transport.cleanup()
    assert [event for event, _ in collector.seen] == ['fresh']
    assert not [k for _, c in collector.seen for k in c if 'oslo_extras' in k]
    assert listener.stats['expired'] == 0  # the broker expired it
    (dead,) = rabbitmq.get_all(rabbit_driver.dead_letter_queue(f'{name}.info'))
    body = json.loads(json.loads(dead.body)['oslo.message'])
    assert body['event_type'] == 'stale'
    assert dead.headers['x-death'][0]['reason'] == 'expired'
