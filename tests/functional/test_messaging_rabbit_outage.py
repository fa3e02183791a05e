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
