"""Batched heartbeats through a node loss, with classic reply queues.

Upstream's defaults (no ``rabbit_transient_quorum_queue``): a caller's
reply queue is a classic queue on the node its connection went to, and it
dies with that node; the caller reconnects to another node and declares
it again. One three-node cluster (servers/rabbitmq) for this module.
"""

from __future__ import annotations

import threading

from oslo_extras import messaging
from oslo_extras.messaging import _upstream
from tests.functional.servers.rabbitmq import rabbitmq_cluster  # noqa: F401
from tests.functional.test_messaging_batches import _record_batches
from tests.functional.test_messaging_batches import _target
from tests.functional.test_messaging_rabbit import make_conf
from tests.unit.messaging.helpers import Endpoint
from tests.unit.messaging.helpers import running
from tests.unit.messaging.helpers import wait_for


def _node_port(rabbit_connection) -> int:
    """The broker port an upstream rabbit ``Connection`` is connected to."""
    kombu_connection = rabbit_connection.connection
    return kombu_connection.connection.sock.getpeername()[1]


def test_calls_survive_the_node_of_their_reply_queue_killed(
    rabbitmq_cluster,  # noqa: F811
):
    cluster = rabbitmq_cluster
    caller = messaging.get_rpc_transport(make_conf(), cluster.url)
    server_transport = None
    try:
        driver = _upstream.transport_driver(caller)
        driver._get_reply_q()
        reply_port = _node_port(driver._reply_q_conn.connection)
        victim = next(n for n in cluster.nodes if n.port == reply_port)
        # The server on the two other nodes: its heartbeats keep going
        # while the caller's reply queue is gone, until it is back.
        others = ','.join(
            f'guest:guest@127.0.0.1:{n.port}'
            for n in cluster.nodes
            if n is not victim
        )
        server_transport = messaging.get_rpc_transport(
            make_conf(), f'rabbit://{others}/'
        )
        target = _target()
        server = messaging.get_rpc_server(
            server_transport, target, [Endpoint()]
        )
        sent = _record_batches(server)
        # The caller reconnects with upstream's retry back-off (1 s, then
        # longer), to a node its shuffled host list picks: a window long
        # enough for that, which the server's heartbeats must then renew.
        client = messaging.get_rpc_client(
            caller, target, heartbeat=1, timeout=10
        )
        results: list = []
        lock = threading.Lock()

        def call():
            try:
                result = client.call({}, 'work', seconds=20)
            except Exception as exc:  # noqa: BLE001 (asserted below)
                result = exc
            with lock:
                results.append(result)

        threads = [threading.Thread(target=call) for _ in range(10)]
        with running(server):
            for thread in threads:
                thread.start()
            assert wait_for(lambda: len(sent) >= 3, timeout=5)
            victim.kill()  # SIGKILL, mid-call
            for thread in threads:
                thread.join(60)
        # Before: the first batch that found the queue gone stopped every
        # call's heartbeats and all ten timed out (0 of 10).
        print(f'\nheartbeats failed: {server.stats["heartbeats_failed"]}')
        assert results == ['worked 20s'] * 10, results
    finally:
        caller.cleanup()
        if server_transport is not None:
            server_transport.cleanup()
