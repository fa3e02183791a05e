"""Batched heartbeats: one message per reply queue (no broker needed)."""

from __future__ import annotations

import json
import logging
import queue
import random
import threading
import time
import types
from unittest import mock

import oslo_messaging
import pytest

from oslo_extras import messaging
from oslo_extras.messaging import _batches
from oslo_extras.messaging import _heartbeats
from oslo_extras.messaging import _upstream
from oslo_extras.messaging import stamp
from tests.unit.messaging.helpers import Endpoint
from tests.unit.messaging.helpers import new_target
from tests.unit.messaging.helpers import running
from tests.unit.messaging.helpers import wait_for


def test_encode_and_split_round_trip():
    message = json.loads(json.dumps(_batches.encode(['a', 'b'])))
    assert '_msg_id' not in message
    assert _batches.split(message) == [
        ('a', {'result': None, 'failure': None, 'ending': False}),
        ('b', {'result': None, 'failure': None, 'ending': False}),
    ]


@pytest.mark.parametrize(
    'message',
    [
        {'result': None, 'failure': None, 'ending': False},
        {'result': 'x', 'ending': True},
        {_batches.KEY: 'not-a-list'},
        'not a mapping',
    ],
)
def test_split_ignores_what_is_not_a_batch(message):
    assert _batches.split(message) is None


def test_split_skips_ids_that_are_not_strings():
    split = _batches.split({_batches.KEY: ['a', 3, None]})
    assert [msg_id for msg_id, _ in split] == ['a']


def test_stamp_says_batch_only_for_heartbeating_messages():
    ctxt = {stamp.HEARTBEAT: 1.0, stamp.SENT: 5.0}
    _, message, _ = stamp.to_wire(ctxt, {'method': 'm'}, heartbeat_batch=True)
    assert message[stamp.BODY_KEY][stamp.HEARTBEAT_BATCH] is True
    taken = stamp.Stamp.take({}, dict(message))
    assert taken.heartbeat_batch and taken.heartbeat == 1.0
    _, message, _ = stamp.to_wire(
        {stamp.TTL: 3.0}, {'method': 'm'}, heartbeat_batch=True
    )
    assert stamp.HEARTBEAT_BATCH not in message[stamp.BODY_KEY]
    assert not stamp.Stamp.take({}, dict(message)).heartbeat_batch


@pytest.fixture
def scheduler():
    scheduler = _heartbeats.HeartbeatScheduler('test')
    yield scheduler
    scheduler.close()


def test_one_message_per_reply_queue_for_all_its_calls(scheduler):
    sent: list[tuple[str, list[str]]] = []
    batches = _batches.Batches(scheduler, lambda q, ids: sent.append((q, ids)))
    members = [batches.join('reply_a', f'm{i}', 0.1) for i in range(3)]
    other = batches.join('reply_b', 'x', 0.1)
    assert wait_for(lambda: all(m.sent >= 2 for m in [*members, other]))
    for member in [*members, other]:
        member.stop()
    assert batches.count() == 0
    done = len(sent)
    time.sleep(0.3)
    assert len(sent) == done  # nothing after every call stopped
    # Calls that joined together are due together: one message each time.
    a_messages = [sorted(ids) for q, ids in sent if q == 'reply_a']
    assert a_messages[0] == ['m0', 'm1', 'm2']
    assert a_messages.count(['m0', 'm1', 'm2']) >= 2
    assert all(ids == ['x'] for q, ids in sent if q == 'reply_b')


def test_a_call_that_needs_its_first_heartbeat_sooner_gets_it(scheduler):
    sent: list[float] = []
    batches = _batches.Batches(
        scheduler, lambda q, ids: sent.append(time.monotonic())
    )
    first = batches.join('reply_a', 'm1', 5.0)
    started = time.monotonic()
    # It waited in queues already: due in 0.05 s, not in 5 s.
    second = batches.join('reply_a', 'm2', 5.0, first_after=0.05)
    assert wait_for(lambda: second.sent == 1, timeout=2)
    assert sent[0] - started < 1.0
    # The message names only the call that was due, not the other, whose
    # first heartbeat is due 5 s after it joined.
    assert first.sent == 0
    first.stop()
    second.stop()


def test_a_failed_batch_is_tried_again_for_every_call(scheduler):
    # The caller's reply queue was deleted and declared again by its
    # reconnecting caller: its calls must still be heartbeated (they were
    # stopped for good, and the callers timed out on live calls).
    attempts: list[list[str]] = []

    def missing_once(reply_q, msg_ids):
        attempts.append(list(msg_ids))
        if len(attempts) == 1:
            raise oslo_messaging.MessageDeliveryFailure('no queue')

    batches = _batches.Batches(scheduler, missing_once)
    members = [batches.join('reply_a', f'm{i}', 0.2) for i in range(2)]
    assert wait_for(lambda: all(m.sent >= 2 for m in members), timeout=3)
    assert all(m.failures == 1 and m.failed is None for m in members)
    assert not any(m.stopped for m in members)
    assert sorted(attempts[1]) == ['m0', 'm1']
    assert batches.count() == 1
    for member in members:
        member.stop()
    assert batches.count() == 0


def test_an_ended_call_is_heartbeated_until_its_reply_left(scheduler):
    sent: list[list[str]] = []
    batches = _batches.Batches(scheduler, lambda q, ids: sent.append(ids))
    member = batches.join('reply_a', 'm1', 0.1)
    other = batches.join('reply_a', 'm2', 0.1)
    member.finish()
    other.finish()
    # Work ended, reply not sent yet (waiting for a connection): the
    # batch's rhythm goes on for both, and no message of their own.
    assert wait_for(lambda: member.sent >= 2 and other.sent >= 2)
    assert sorted(sent[-1]) == ['m1', 'm2']
    member.replied()
    assert batches.count() == 1
    assert wait_for(lambda: sent[-1] == ['m2'])
    other.replied()
    assert batches.count() == 0
    done = len(sent)
    time.sleep(0.3)
    assert len(sent) == done


def test_a_call_never_reported_replied_is_let_go(scheduler, monkeypatch):
    monkeypatch.setattr(_batches, 'MAX_REPLY_WAIT', 0.1)
    sent: list[list[str]] = []
    batches = _batches.Batches(scheduler, lambda q, ids: sent.append(ids))
    member = batches.join('reply_a', 'm1', 0.05)
    staying = batches.join('reply_a', 'm2', 0.05)
    member.finish()
    assert wait_for(lambda: sent and sent[-1] == ['m2'], timeout=2)
    staying.stop()


class _Driver:
    def __init__(self, waiters):
        self._waiter = types.SimpleNamespace(waiters=waiters)


def _waiters():
    from oslo_messaging._drivers import amqpdriver

    original = amqpdriver.ReplyWaiters()
    original.add('waiting')
    driver = _Driver(original)
    _upstream.split_batched_replies(driver, _batches.split)
    _upstream.split_batched_replies(driver, _batches.split)  # idempotent
    assert driver._waiter.waiters is original
    return original


def test_caller_hands_each_waiting_call_its_heartbeat(caplog):
    caplog.set_level(logging.INFO)
    original = _waiters()
    # A batch has no _msg_id: upstream's put() hands it over as None's.
    # A call that ended (its reply came) is no longer waited for.
    original.put(None, _batches.encode(['ended', 'waiting']))
    heartbeat = original.get('waiting', timeout=1)
    assert heartbeat == {'result': None, 'failure': None, 'ending': False}
    with pytest.raises(queue.Empty):
        original._queues['waiting'].get_nowait()
    assert 'ended' not in caplog.text
    # Other replies go their usual way, untouched.
    original.put('waiting', {'result': 1, 'failure': None, 'ending': True})
    assert original.get('waiting', timeout=1)['result'] == 1
    # A reply without _msg_id that is no batch is logged, as upstream does.
    original.put(None, {'result': 2, 'failure': None, 'ending': True})
    assert 'No calling threads waiting for msg_id : None' in caplog.text


def test_rabbit_caller_and_server_use_batches(memory_transport):
    driver = _upstream.transport_driver(memory_transport)
    target = new_target()
    endpoint = Endpoint()
    server = messaging.get_rpc_server(
        memory_transport, target, [endpoint], heartbeat=0.2
    )
    client = messaging.get_rpc_client(
        memory_transport, target, heartbeat=0.2, timeout=2
    )
    batched: list[list[str]] = []
    send = driver.send_heartbeats

    def spy(reply_q, msg_ids):
        batched.append(list(msg_ids))
        send(reply_q, msg_ids)

    secret = 's3cr3t-pa55'
    results: list[str] = []
    with (
        mock.patch.object(server._services['batches'], 'send', spy),
        running(server, pool_size=8),
    ):
        threads = [
            threading.Thread(
                target=lambda: results.append(
                    client.call({'password': secret}, 'work', seconds=2.5)
                )
            )
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    # 2.5 s calls with a 2 s silence window: kept alive by batches only.
    assert results == ['worked 2.5s'] * 4
    # Several calls per message: fewer messages than per-call heartbeats.
    assert batched and max(len(ids) for ids in batched) > 1
    assert server.stats['heartbeats'] >= 4 * 10
    assert secret not in json.dumps(batched)


def test_the_heartbeat_connection_opens_with_the_server(memory_transport):
    # Not on the first batch: under a burst on a busy machine, opening it
    # took about a second while every batch waited.
    driver = _upstream.transport_driver(memory_transport)
    server = messaging.get_rpc_server(
        memory_transport, new_target(), [Endpoint()]
    )
    assert driver._heartbeat_opened == 0
    with running(server):
        assert driver._heartbeat_opened == 1
        assert len(driver._heartbeat_idle) == 1
    driver.cleanup()
    assert driver._heartbeat_opened == 0
    assert driver._heartbeat_idle == []


def test_stock_client_gets_a_heartbeat_per_call(memory_transport):
    target = new_target()
    server = messaging.get_rpc_server(memory_transport, target, [Endpoint()])
    stock = oslo_messaging.get_rpc_client(
        memory_transport, target, timeout=10, call_monitor_timeout=2
    )
    batches = server._services['batches']
    with (
        mock.patch.object(batches, 'join', side_effect=AssertionError),
        running(server),
    ):
        assert stock.call({}, 'work', seconds=1.2) == 'worked 1.2s'
    assert server.stats['heartbeats'] >= 1


def test_servers_without_batch_sending_use_standard_heartbeats(
    fake_transport,
):
    driver = _upstream.transport_driver(fake_transport)
    assert not hasattr(driver, 'send_heartbeats')
    target = new_target()
    server = messaging.get_rpc_server(fake_transport, target, [Endpoint()])
    assert server._services['batches'] is None


@pytest.mark.parametrize(
    ('first_after', 'latest_after', 'expected'),
    [
        (None, None, 1.0),  # no send time: one interval
        (0.4, 0.9, 0.4),  # on time: its rhythm
        (-0.2, 0.3, 0.1),  # late: within a tenth of an interval
        (-0.2, 0.05, 0.05),  # ... or its latest safe moment if sooner
        (-0.7, -0.2, 0.0),  # past that too: at once
        (-0.2, None, 0.0),
        (3.0, 4.0, 1.0),  # a sender clock ahead: never beyond an interval
    ],
)
def test_first_due_in(first_after, latest_after, expected):
    assert _batches.first_due_in(1.0, first_after, latest_after) == (
        pytest.approx(expected)
    )


def test_calls_arriving_late_after_a_backlog_share_their_first_message(
    scheduler,
):
    # A backlog taken in: 40 calls of one caller arrive 2 ms apart, each
    # past its rhythm's first heartbeat (0.1 s window, 0.3 s left).
    sent: list[tuple[float, list[str]]] = []
    batches = _batches.Batches(
        scheduler, lambda q, ids: sent.append((time.monotonic(), ids))
    )
    joined = {}
    for i in range(40):
        member = batches.join(
            'reply_a', f'm{i}', 1.0, first_after=-0.1, latest_after=0.3
        )
        joined[member] = time.monotonic()
        time.sleep(0.002)
    assert wait_for(lambda: all(m.sent for m in joined), timeout=3)
    for member, at in joined.items():
        assert member.last_sent - at < 0.1 + 0.1
    # Not one message per call: a handful for all 40.
    first_messages = [ids for t, ids in sent if t < min(joined.values()) + 0.5]
    assert len(first_messages) <= 4
    assert sorted(sum(first_messages, [])) == sorted(m.msg_id for m in joined)
    for member in joined:
        member.stop()


def test_each_call_keeps_its_own_rhythm_in_a_batch(scheduler):
    # Calls that joined 0.1 s apart are due 0.1 s apart: each message
    # names the calls that are due, and none goes an interval without one.
    sent: list[tuple[float, list[str]]] = []
    batches = _batches.Batches(
        scheduler, lambda q, ids: sent.append((time.monotonic(), ids))
    )
    members = []
    for i in range(4):
        members.append(batches.join('reply_a', f'm{i}', 0.4))
        time.sleep(0.1)
    started = time.monotonic()
    time.sleep(1.3)
    for member in members:
        member.stop()
    for member in members:
        times = [t for t, ids in sent if member.msg_id in ids and t > started]
        assert len(times) >= 2
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert max(gaps) < 0.4 + 0.1
    # Not every message names every call.
    assert any(len(ids) < 4 for t, ids in sent if t > started)


def test_no_call_misses_a_heartbeat_when_sends_overlap_joins(scheduler):
    # Sends take a few ms (a publish and its confirm) while calls keep
    # joining, some on time and some late: a batch handed to two senders
    # at once once let the later push discard the sooner, and calls went
    # nearly two intervals without a heartbeat.
    rng = random.Random(7)
    sent: list[tuple[float, list[str]]] = []

    def send(reply_q, msg_ids):
        time.sleep(0.003)
        sent.append((time.monotonic(), list(msg_ids)))

    batches = _batches.Batches(scheduler, send)
    interval = 0.5
    members = []
    for i in range(300):
        age = rng.uniform(0.0, 0.7)
        members.append(
            batches.join(
                f'reply_{i % 10}',
                f'm{i}',
                interval,
                first_after=interval - age,
                latest_after=1.5 * interval - age,
            )
        )
        time.sleep(0.001)
    time.sleep(4 * interval)
    for member in members:
        member.stop()
    for member in members:
        times = [t for t, ids in sent if member.msg_id in ids]
        assert len(times) >= 3
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert max(gaps) < interval * 1.2, member.msg_id


def test_sequential_calls_on_a_reply_queue_reuse_its_batch(scheduler):
    # One short call after another: a new batch, beat (with its lock) and
    # heap entry per call cost every call; an emptied batch is kept.
    sent: list[list[str]] = []
    batches = _batches.Batches(scheduler, lambda q, ids: sent.append(ids))
    first = batches.join('reply_a', 'm1', 0.2)
    batch, beat = first.batch, first.batch.beat
    first.replied()
    assert batches.count() == 0 and batches.registered() == 1
    second = batches.join('reply_a', 'm2', 0.2)
    assert second.batch is batch and batch.beat is beat
    # Its heartbeats go on at its own rhythm, naming only the live call.
    assert wait_for(lambda: second.sent >= 2, timeout=2)
    assert all(ids == ['m2'] for ids in sent)
    second.replied()


def test_an_idle_batch_ends_without_a_message_naming_no_call(scheduler):
    sent: list[list[str]] = []
    batches = _batches.Batches(scheduler, lambda q, ids: sent.append(ids))
    for i in range(5):
        batches.join('reply_a', f'm{i}', 0.1).replied()
    beat = next(iter(batches._batches.values())).beat
    # Its next heartbeat's time finds no call: the batch and beat end.
    assert wait_for(lambda: batches.registered() == 0, timeout=2)
    assert beat.stopped
    assert sent == []
    # A later call starts a new batch, heartbeated as usual.
    later = batches.join('reply_a', 'late', 0.1)
    assert later.batch.beat is not beat
    assert wait_for(lambda: later.sent >= 1, timeout=2)
    later.replied()
    assert all(ids for ids in sent)


def test_an_idle_batch_kept_across_a_restart_heartbeats_again(scheduler):
    # The server stopped (scheduler closed) with an idle batch registered
    # and started again: a call reusing that batch is heartbeated.
    sent: list[list[str]] = []
    batches = _batches.Batches(scheduler, lambda q, ids: sent.append(ids))
    batches.join('reply_a', 'm1', 0.2).replied()
    scheduler.close()
    scheduler.reopen()
    member = batches.join('reply_a', 'm2', 0.2)
    assert wait_for(lambda: member.sent >= 2, timeout=2)
    assert all(ids == ['m2'] for ids in sent)
    member.replied()


def test_a_batch_being_sent_when_its_server_stops_heartbeats_after_restart(
    scheduler,
):
    # The server stops (scheduler closed) while the batch's heartbeat is
    # being sent; the batch, emptied, stays registered. After a restart a
    # call reusing it must be heartbeated: its beat lost its heap entry.
    sending = threading.Event()
    release = threading.Event()
    sent: list[list[str]] = []

    def send(reply_q, msg_ids):
        sent.append(list(msg_ids))
        if len(sent) == 1:
            sending.set()
            release.wait(5)

    batches = _batches.Batches(scheduler, send)
    first = batches.join('reply_a', 'm1', 0.1)
    assert sending.wait(2)
    scheduler.close()
    release.set()
    first.replied()
    time.sleep(0.1)  # the sender finishes its send while closed
    assert batches.registered() == 1
    scheduler.reopen()
    second = batches.join('reply_a', 'm2', 0.1)
    assert second.batch is first.batch
    assert wait_for(lambda: second.sent >= 2, timeout=2)
    second.replied()


def test_a_batch_sent_while_the_scheduler_thread_idles_out_goes_on(
    scheduler, monkeypatch
):
    # A send outlasting IDLE_EXIT (a broker blocking publishes): the
    # scheduler thread found an empty heap and ended; the entry pushed
    # after the send must still be served, not wait for the next join.
    monkeypatch.setattr(_heartbeats, 'IDLE_EXIT', 0.2)
    sent: list[list[str]] = []

    def send(reply_q, msg_ids):
        sent.append(list(msg_ids))
        if len(sent) == 1:
            time.sleep(0.6)

    batches = _batches.Batches(scheduler, send)
    member = batches.join('reply_a', 'm1', 0.1)
    assert wait_for(lambda: member.sent >= 3, timeout=3)
    member.replied()


def test_calls_joining_as_an_idle_batch_ends_are_all_heartbeated(scheduler):
    # Short calls leave their batch idle; the next joins at random
    # moments around the idle batch's next send, which unregisters it:
    # each joining call, on whichever batch, must get its heartbeats.
    rng = random.Random(11)
    interval = 0.05
    sent: list[tuple[float, list[str]]] = []
    batches = _batches.Batches(
        scheduler, lambda q, ids: sent.append((time.monotonic(), ids))
    )
    longs = []
    for i in range(60):
        batches.join('reply_a', f's{i}', interval).replied()
        time.sleep(rng.uniform(0.0, interval * 1.5))
        joined = time.monotonic()
        member = batches.join(
            'reply_a', f'l{i}', rng.choice([interval, interval * 2])
        )
        longs.append((joined, member))
        if i % 4 == 0:
            time.sleep(member.interval * 3)
            member.replied()
    time.sleep(interval * 6)
    for joined, member in longs:
        member.replied()
        times = [t for t, ids in sent if member.msg_id in ids]
        assert times, member.msg_id
        # Bounds loose for a busy machine: a lost call gets none at all.
        assert times[0] - joined < member.interval * 2, member.msg_id
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert max(gaps, default=0) < member.interval * 2, member.msg_id
    assert wait_for(lambda: batches.registered() == 0, timeout=2)


def test_a_call_joining_a_batch_due_by_then_skips_due_by(scheduler):
    # Sequential calls on one reply queue reuse its batch, whose beat is
    # already due by the joining call's first heartbeat: no due_by() (and
    # no scheduler lock) for it, yet it gets its heartbeats on time.
    sent: list[list[str]] = []
    batches = _batches.Batches(scheduler, lambda q, ids: sent.append(ids))
    first = batches.join('reply_a', 'm0', 0.2)
    first.replied()
    moved = []
    real_due_by = scheduler.due_by

    def counting_due_by(beat, when):
        moved.append(when)
        return real_due_by(beat, when)

    with mock.patch.object(scheduler, 'due_by', counting_due_by):
        later = batches.join('reply_a', 'm1', 0.2)
        assert moved == []
        # A call whose first heartbeat is due sooner moves the beat.
        sooner = batches.join('reply_a', 'm2', 0.2, first_after=0.01)
        assert len(moved) == 1
        assert wait_for(lambda: later.sent >= 2 and sooner.sent >= 2)
    assert not any('m0' in ids for ids in sent)


def test_a_closed_scheduler_is_asked_to_move_the_beat(scheduler):
    batches = _batches.Batches(scheduler, lambda q, ids: None)
    batches.join('reply_a', 'm0', 0.2).replied()
    scheduler.close()
    scheduler.reopen()
    with mock.patch.object(
        scheduler, 'due_by', wraps=scheduler.due_by
    ) as due_by:
        member = batches.join('reply_a', 'm1', 0.2)
        # Its thread ended with close(): due_by() starts it again.
        assert due_by.called
        assert wait_for(lambda: member.sent >= 1)


LEAK_WARNING = 'Number of call queues is'


@pytest.mark.parametrize('extras', [False, True])
def test_leak_warning_counts_waiting_calls_as_stocks_does(
    memory_transport, caplog, extras
):
    # Upstream's reply waiter warns past 10 waiting calls ("There could be
    # a leak"). The batch splitter sits in the same table: it must not
    # count, or 10 calls of an extras client warn where stock's do not.
    from tests.unit.messaging.helpers import make_conf

    caplog.set_level(logging.WARNING)
    target = new_target()
    server = messaging.get_rpc_server(memory_transport, target, [Endpoint()])
    if extras:
        client_transport = messaging.get_rpc_transport(
            make_conf(), 'kombu+memory:////'
        )
        client = messaging.get_rpc_client(client_transport, target, timeout=10)
    else:
        conf = make_conf()
        _upstream.register_opts(conf)  # the tracing options upstream reads
        client_transport = oslo_messaging.get_rpc_transport(
            conf, 'kombu+memory:////'
        )
        client = oslo_messaging.get_rpc_client(
            client_transport, target, timeout=10
        )

    replies = []

    def call():
        replies.append(client.call({}, 'work', seconds=0.5))

    def calls(count):
        threads = [threading.Thread(target=call) for _ in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)

    try:
        with running(server, pool_size=16):
            calls(10)
            assert LEAK_WARNING not in caplog.text
            calls(11)
        assert replies == ['worked 0.5s'] * 21
        waiters = _upstream.transport_driver(client_transport)._waiter.waiters
        assert (None in waiters._queues) is extras
        assert len(waiters._queues) == 0  # every call's queue removed
    finally:
        client_transport.cleanup()
    warnings = [
        r.getMessage()
        for r in caplog.records
        if LEAK_WARNING in r.getMessage()
    ]
    assert len(warnings) == 1
    assert warnings[0].startswith(f'{LEAK_WARNING} 11, ')
