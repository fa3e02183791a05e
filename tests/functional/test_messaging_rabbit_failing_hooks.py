"""A raising interceptor hook on a real RabbitMQ: answered, nothing left.

The caller gets the hook's error as its reply (not its timeout), the
server's queues hold no message, ready or unacknowledged, and the next
call and cast are served.
"""

from __future__ import annotations

import time
import uuid

import oslo_messaging
import pytest

from oslo_extras import messaging
from oslo_extras.messaging import server as server_mod
from oslo_extras.messaging.interceptors import heartbeat
from oslo_extras.messaging.interceptors import ttl
from oslo_extras.messaging.policy import MessagePolicy
from oslo_extras.messaging.policy import PolicyMap
from tests.functional.servers.rabbitmq import rabbitmq  # noqa: F401
from tests.functional.test_messaging_rabbit import transport  # noqa: F401
from tests.unit.messaging.helpers import Endpoint
from tests.unit.messaging.helpers import running
from tests.unit.messaging.helpers import wait_for
from tests.unit.messaging.test_server_failing_hooks import Failing


def queue_counts(rabbitmq, topic):  # noqa: F811
    """``{queue: (ready, unacknowledged)}`` of the queues of ``topic``."""
    out = rabbitmq.ctl(
        'list_queues', 'name', 'messages_ready', 'messages_unacknowledged'
    )
    counts = {}
    for line in out.splitlines():
        fields = line.split('\t')
        if len(fields) == 3 and fields[0].startswith(topic):
            counts[fields[0]] = (int(fields[1]), int(fields[2]))
    return counts


@pytest.mark.parametrize('where', ['received', 'dispatching'])
def test_a_raising_hook_is_answered_and_leaves_no_message(
    rabbitmq,  # noqa: F811
    transport,  # noqa: F811
    where,
):
    topic = 'test-' + uuid.uuid4().hex[:8]
    target = oslo_messaging.Target(topic=topic, server='s1')
    endpoint = Endpoint()
    server = server_mod.RPCServer(
        transport,
        target,
        [endpoint],
        policies=PolicyMap(MessagePolicy(heartbeat=1, ttl=30)),
        interceptors=[heartbeat.Heartbeat(), ttl.TimeToLive(), Failing(where)],
    )
    client = messaging.get_rpc_client(
        transport, target, heartbeat=1, timeout=5
    )
    with running(server):
        started = time.monotonic()
        with pytest.raises(oslo_messaging.RemoteError) as err:
            client.call({}, 'record', tag='never')
        # Its reply, not the caller's 5 s silence window.
        assert time.monotonic() - started < 4
        assert err.value.exc_type == 'HookError'
        client.cast({}, 'record', tag='never either')
        assert client.call({}, 'work', seconds=0) == 'worked 0s'
        client.cast({}, 'work', seconds=0, tag='next')
        assert wait_for(lambda: endpoint.done == [0, 'next'])
        counts = queue_counts(rabbitmq, topic)
        assert counts and set(counts.values()) == {(0, 0)}, counts
    assert not server._requests and not server._finishing
