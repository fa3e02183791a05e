"""A server's per-method TTL counts the time a request waited in RabbitMQ.

The broker expires a cast after the TTL its client stamped; a method whose
server TTL is shorter must not run a request that waited longer than that
in the queue (the sender clock is compared, with the skew allowance).
"""

from __future__ import annotations

import time
import uuid

import oslo_messaging

from oslo_extras import messaging
from tests.functional.servers.rabbitmq import rabbitmq  # noqa: F401
from tests.functional.test_messaging_rabbit import transport  # noqa: F401
from tests.unit.messaging.helpers import Endpoint
from tests.unit.messaging.helpers import running
from tests.unit.messaging.helpers import wait_for


def test_method_ttl_counts_the_wait_in_the_broker(transport):  # noqa: F811
    target = oslo_messaging.Target(
        topic='test-' + uuid.uuid4().hex[:8], server='s1'
    )
    methods = {'record': dict(ttl=1)}

    def server(endpoint):
        return messaging.get_rpc_server(
            transport, target, [endpoint], methods=methods, clock_skew=0.5
        )

    # Declare the queues, then leave them without a consumer.
    with running(server(Endpoint())):
        pass
    client = messaging.get_rpc_client(transport, target, ttl=30)
    client.cast({}, 'record', tag='waited 2.5 s in the queue')
    time.sleep(2.5)
    endpoint = Endpoint()
    later = server(endpoint)
    with running(later):
        assert wait_for(lambda: later.stats.snapshot()['expired'] == 1)
        client.cast({}, 'record', tag='fresh')
        assert wait_for(lambda: endpoint.done == ['fresh'])
    assert endpoint.done == ['fresh']
