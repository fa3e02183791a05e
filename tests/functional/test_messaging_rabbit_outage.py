"""Casts sent while the broker is down: their TTL counts from the send.

Upstream retries the publish until the node is back (``retry=None``) and
RabbitMQ counts ``expiration`` from enqueueing; a cast with a 1 s TTL sent
during a restart ran 11 s after it was sent. The node here is stopped for
several seconds (and takes seconds more to start): a generous margin over
the 1 s TTL, whatever the machine's load.
"""

from __future__ import annotations

import json
import threading
import time
import uuid

import kombu
import oslo_messaging

from oslo_extras import messaging
from oslo_extras.messaging import errors
from tests.functional.servers.rabbitmq import rabbitmq  # noqa: F401
from tests.functional.test_messaging_rabbit import make_conf
from tests.unit.messaging.helpers import Endpoint
from tests.unit.messaging.helpers import running
from tests.unit.messaging.helpers import wait_for

#: Seconds the node stays stopped after the casts were sent, at least.
OUTAGE = 3
LONG_TTL = 600


def test_cast_whose_ttl_ran_out_in_an_outage_is_refused_and_never_runs(
    rabbitmq,  # noqa: F811
):
    conf = make_conf(amqp_durable_queues=True)  # queues survive the restart
    transport = messaging.get_rpc_transport(conf, rabbitmq.url)
    name = 'outage-' + uuid.uuid4().hex[:8]
    target = oslo_messaging.Target(exchange=name, topic=name)
    endpoint = Endpoint()
    url = rabbitmq.url.replace('rabbit://', 'amqp://')
    # A durable queue beside the server's: what the broker got, and when
    # it was told to expire it.
    spy = kombu.Queue(
        f'{name}.spy',
        kombu.Exchange(name, 'topic', durable=True),
        routing_key=name,
        durable=True,
        auto_delete=False,
    )

    def new_server():
        return messaging.get_rpc_server(
            transport, target(server='s1'), [endpoint]
        )

    short = messaging.get_rpc_client(transport, target, ttl=1)
    long = messaging.get_rpc_client(transport, target, ttl=LONG_TTL)
    outcome: dict[str, object] = {}
    started: dict[str, float] = {}

    def cast(client, tag):
        started[tag] = time.monotonic()
        try:
            client.cast({}, 'record', tag=tag)
            outcome[tag] = 'sent'
        except Exception as exc:  # checked below
            outcome[tag] = exc

    try:
        with kombu.Connection(url) as conn:
            spy(conn.channel()).declare()
        with running(new_server()):
            pass  # declares the server's durable queue
        long.cast({}, 'record', tag='before')  # a pooled connection
        rabbitmq.stop()
        senders = [
            threading.Thread(target=cast, args=(short, 'stale')),
            threading.Thread(target=cast, args=(long, 'fresh')),
        ]
        for sender in senders:
            sender.start()
        time.sleep(OUTAGE)
        back = time.monotonic()  # nothing was enqueued before this
        rabbitmq.start()
        for sender in senders:
            sender.join(120)
        assert not any(sender.is_alive() for sender in senders)

        stale = outcome['stale']
        assert isinstance(stale, oslo_messaging.MessageDeliveryFailure)
        assert isinstance(stale, errors.ExpiredBeforeSent)
        assert stale.elapsed >= back - started['stale']
        assert outcome['fresh'] == 'sent'

        with kombu.Connection(url) as conn:
            got = {}
            queue = spy(conn.channel())
            while (message := queue.get(no_ack=True)) is not None:
                request = json.loads(json.loads(message.body)['oslo.message'])
                got[request['args']['tag']] = message.properties.get(
                    'expiration'
                )
        assert 'stale' not in got  # never published
        waited = back - started['fresh']
        assert waited >= OUTAGE
        # What was left of its TTL when the broker took it: shorter by at
        # least the outage.
        assert int(got['fresh']) <= (LONG_TTL - waited) * 1000

        with running(new_server()):
            assert wait_for(lambda: 'fresh' in endpoint.done, 30)
            time.sleep(1)  # time for anything else queued to run
        assert 'stale' not in endpoint.done
    finally:
        transport.cleanup()
        if rabbitmq.process is None:
            rabbitmq.start()  # for the tests after this one
        with kombu.Connection(url) as conn:
            channel = conn.channel()
            for queue in (f'{name}.spy', name, f'{name}.s1'):
                channel.queue_delete(queue)
            channel.exchange_delete(name)


def memory_alarm(rabbitmq) -> bool:  # noqa: F811
    """Say whether the broker has its memory alarm raised."""
    return 'memory' in rabbitmq.ctl('eval', 'rabbit_alarm:get_alarms().')


def test_cast_refused_on_a_blocked_connection_says_it_may_still_run(
    rabbitmq,  # noqa: F811
):
    # A memory alarm: the broker stops reading from publishing connections
    # and keeps what was written to them. The cast's publish is written,
    # its confirmation times out with what was left of its TTL, and the
    # retry finds nothing left: refused. The broker enqueues the first
    # attempt when the alarm clears, and it runs then (measured: 8-14 s
    # after a 2 s cast was sent; the server trusts the broker's TTL). The
    # refusal must say so, not that the broker never took it.
    transport = messaging.get_rpc_transport(make_conf(), rabbitmq.url)
    name = 'alarm-' + uuid.uuid4().hex[:8]
    target = oslo_messaging.Target(topic=name)
    endpoint = Endpoint()
    client = messaging.get_rpc_client(transport, target, ttl=2)
    alarm = False
    try:
        with running(
            messaging.get_rpc_server(
                transport, target(server='s1'), [endpoint]
            )
        ):
            client.cast({}, 'record', tag='before')  # a pooled connection
            assert wait_for(lambda: 'before' in endpoint.done, 30)
            rabbitmq.ctl('set_vm_memory_high_watermark', '0.00001')
            alarm = True
            # Raised by the broker's memory monitor, not by the command.
            assert wait_for(lambda: memory_alarm(rabbitmq), 60)
            try:
                client.cast({}, 'record', tag='blocked')
            except errors.ExpiredBeforeSent as exc:
                refused = exc
            else:
                raise AssertionError('sent on a blocked connection')
            rabbitmq.ctl('set_vm_memory_high_watermark', '0.4')
            alarm = False
            wait_for(lambda: 'blocked' in endpoint.done, 5)
        assert refused.attempts >= 1
        assert 'had not taken it' not in str(refused)
        assert 'may still reach it and run' in str(refused)
    finally:
        if alarm:
            rabbitmq.ctl('set_vm_memory_high_watermark', '0.4')
        # The broker serves the next tests: not before the alarm cleared.
        assert wait_for(lambda: not memory_alarm(rabbitmq), 60)
        transport.cleanup()
