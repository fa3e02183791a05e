"""Batched heartbeats on a real RabbitMQ node (see servers/rabbitmq)."""

from __future__ import annotations

import threading
import time
import uuid

import oslo_messaging

from oslo_extras import messaging
from tests.functional.servers.rabbitmq import rabbitmq  # noqa: F401
from tests.functional.test_messaging_rabbit import make_conf
from tests.functional.test_messaging_rabbit import transport  # noqa: F401
from tests.unit.messaging.helpers import Endpoint
from tests.unit.messaging.helpers import running
from tests.unit.messaging.helpers import wait_for


def _target() -> oslo_messaging.Target:
    return oslo_messaging.Target(
        topic='batch-' + uuid.uuid4().hex[:8], server='s1'
    )


def _record_batches(server) -> list[list[str]]:
    """Spy on the batch messages ``server`` sends."""
    batches = server._services['batches']
    sent: list[list[str]] = []
    send = batches.send

    def spy(reply_q, msg_ids):
        sent.append(list(msg_ids))
        send(reply_q, msg_ids)

    batches.send = spy
    return sent


def _call_all(client, count: int, seconds: float) -> list:
    results: list = []
    lock = threading.Lock()

    def one():
        try:
            result = client.call({}, 'work', seconds=seconds)
        except Exception as exc:  # noqa: BLE001 (reported below)
            result = exc
        with lock:
            results.append(result)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 30)
    return results


def test_batches_keep_200_concurrent_long_calls_alive(transport):  # noqa: F811
    target = _target()
    server = messaging.get_rpc_server(transport, target, [Endpoint()])
    sent = _record_batches(server)
    # One caller process: one reply queue for all 200 calls.
    client = messaging.get_rpc_client(
        transport, target, heartbeat=1, timeout=2
    )
    with running(server, pool_size=220):
        started = time.monotonic()
        results = _call_all(client, 220, seconds=5)
        elapsed = time.monotonic() - started
    # 5 s calls with a 2 s silence window: alive through batches only.
    assert results == ['worked 5s'] * 220, {
        type(r).__name__ for r in results if r != 'worked 5s'
    }
    assert elapsed < 20
    per_call = server.stats['heartbeats']
    assert per_call >= 220 * 4
    # A few messages per second for the queue, not one per call: each
    # names the calls due together (20 or more on average).
    assert len(sent) < per_call / 20


def test_stock_and_extras_callers_together_on_one_server(transport):  # noqa: F811
    target = _target()
    server = messaging.get_rpc_server(transport, target, [Endpoint()])
    sent = _record_batches(server)
    ours = messaging.get_rpc_client(transport, target, heartbeat=1, timeout=2)
    stock = oslo_messaging.get_rpc_client(
        transport, target, timeout=30, call_monitor_timeout=2
    )
    results: dict[str, object] = {}

    def call(name, client):
        results[name] = client.call({}, 'work', seconds=4)

    threads = [
        threading.Thread(target=call, args=('ours', ours)),
        threading.Thread(target=call, args=('stock', stock)),
    ]
    with running(server):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert results == {'ours': 'worked 4s', 'stock': 'worked 4s'}
    # Only our caller's call was batched: the stock one got its own.
    assert sent and all(len(ids) == 1 for ids in sent)
    assert len({ids[0] for ids in sent}) == 1


def test_our_client_on_a_stock_transport_gets_standard_heartbeats(
    rabbitmq,  # noqa: F811
    transport,  # noqa: F811
):
    # Upstream's own rabbit driver: no batch support on the caller side.
    stock_transport = oslo_messaging.get_rpc_transport(
        make_conf(), rabbitmq.url
    )
    try:
        target = _target()
        server = messaging.get_rpc_server(transport, target, [Endpoint()])
        sent = _record_batches(server)
        client = messaging.get_rpc_client(
            stock_transport, target, heartbeat=1, timeout=2
        )
        with running(server):
            assert client.call({}, 'work', seconds=4) == 'worked 4s'
        assert sent == []
        assert server.stats['heartbeats'] >= 3
    finally:
        stock_transport.cleanup()


def test_calls_survive_their_reply_queue_deleted_and_declared_again(
    rabbitmq,  # noqa: F811
    transport,  # noqa: F811
):
    # The caller in a process of its own (its own connections). Its reply
    # queue is deleted mid-call; the caller's consumer is cancelled, it
    # reconnects and declares the queue again. A stock server's heartbeats
    # go on (upstream's watchdog retries); ours stopped for good at the
    # first failed batch and the caller timed out on a live call.
    caller = messaging.get_rpc_transport(make_conf(), rabbitmq.url)
    try:
        target = _target()
        server = messaging.get_rpc_server(transport, target, [Endpoint()])
        sent = _record_batches(server)
        client = messaging.get_rpc_client(
            caller, target, heartbeat=0.5, timeout=4
        )
        results: list = []

        def call():
            try:
                results.append(client.call({}, 'work', seconds=6))
            except Exception as exc:  # noqa: BLE001 (asserted below)
                results.append(exc)

        with running(server):
            thread = threading.Thread(target=call)
            thread.start()
            assert wait_for(lambda: len(sent) >= 2, timeout=5)
            conn = rabbitmq.connection()
            try:
                conn.channel().queue_delete(caller._driver._reply_q)
            finally:
                conn.close()
            thread.join(30)
        assert results == ['worked 6s']
        assert server.stats['heartbeats_failed'] == 1
    finally:
        caller.cleanup()


def _record_batch_times(server) -> list[tuple[float, list[str]]]:
    batches = server._services['batches']
    sent: list[tuple[float, list[str]]] = []
    send = batches.send

    def spy(reply_q, msg_ids):
        send(reply_q, msg_ids)
        sent.append((time.monotonic(), list(msg_ids)))

    batches.send = spy
    return sent


def _longest_gap(sent, since: float) -> tuple[int, float]:
    """Heartbeats and longest gap of the call heartbeated most since."""
    times: dict[str, list[float]] = {}
    for t, ids in sent:
        if t >= since:
            for msg_id in ids:
                times.setdefault(msg_id, []).append(t)
    beats = max(times.values(), key=len)
    gaps = [b - a for a, b in zip(beats, beats[1:], strict=False)]
    return len(beats), max(gaps)


def test_a_long_call_after_a_burst_of_short_ones_reuses_their_batch(
    transport,  # noqa: F811
):
    # The short calls leave their batch idle; the long call that follows
    # on the same reply queue reuses it (and the restarted server's too)
    # and must be heartbeated within its 2 s window throughout.
    target = _target()
    server = messaging.get_rpc_server(transport, target, [Endpoint()])
    sent = _record_batch_times(server)
    client = messaging.get_rpc_client(
        transport, target, heartbeat=1, timeout=2
    )
    for restart in (False, True):
        with running(server, pool_size=60):
            assert _call_all(client, 50, seconds=0.05) == ['worked 0.05s'] * 50
            batches = server._services['batches']
            # The burst's batch ends when its next heartbeat finds it empty,
            # which may fall just after a short call left it: another short
            # call then starts a batch whose heartbeat is an interval away.
            idle = False
            for _ in range(3):
                assert client.call({}, 'work', seconds=0.01) == 'worked 0.01s'
                # Its reply left before the server let the call go.
                idle = (
                    wait_for(lambda b=batches: b.count() == 0, timeout=0.5)
                    and batches.registered() == 1
                )
                if idle:
                    break
            assert idle, restart
            since = time.monotonic()
            shorts = threading.Thread(
                target=lambda: [
                    client.call({}, 'work', seconds=0.3) for _ in range(15)
                ]
            )
            shorts.start()
            assert client.call({}, 'work', seconds=6) == 'worked 6s'
            shorts.join(30)
        count, gap = _longest_gap(sent, since)
        assert count >= 5, restart
        assert gap < 1.3, (restart, gap)
