"""A cast's or notification's TTL counts from when its send began.

Upstream retries a publish until the broker takes it (``retry=None``) and
RabbitMQ counts ``expiration`` from enqueueing: each attempt must carry
what is left of the TTL, and one that finds nothing left must not publish.
On ``kombu+memory://``, with a failing first attempt and a clock the test
moves (no sleeping).
"""

from __future__ import annotations

import logging
import time
from unittest import mock

import amqp
import oslo_messaging
import pytest

from oslo_extras import messaging
from oslo_extras.messaging import _upstream
from oslo_extras.messaging import errors
from oslo_extras.messaging import notifier as notifier_mod
from oslo_extras.messaging.drivers import rabbit
from oslo_extras.messaging.drivers import scope
from tests.unit.messaging.helpers import Endpoint
from tests.unit.messaging.helpers import make_conf
from tests.unit.messaging.helpers import memory_notifier
from tests.unit.messaging.helpers import new_target
from tests.unit.messaging.helpers import running

START = 1000.0


@pytest.fixture
def outage(monkeypatch):
    """Fail each publish's first attempt after ``outage['seconds']`` on the
    driver's clock; record every attempt's expiration (``timeout``)."""
    state = {'seconds': 0.0, 'attempts': [], 'failed': set()}
    clock = [START]
    monkeypatch.setattr(rabbit, 'monotonic', lambda: clock[0])
    # Our notifier's too: a notification's TTL counts from its notify().
    monkeypatch.setattr(notifier_mod, 'monotonic', lambda: clock[0])
    original = _upstream.RabbitConnection._publish

    def attempt(
        self, exchange, msg, routing_key=None, timeout=None, options=None
    ):
        state['attempts'].append((exchange.name, timeout))
        key = id(msg)
        if state['seconds'] and key not in state['failed']:
            state['failed'].add(key)
            clock[0] += state['seconds']  # the broker was gone that long
            raise amqp.exceptions.ConnectionError('broker gone')
        return original(self, exchange, msg, routing_key, timeout, options)

    with mock.patch.object(_upstream.RabbitConnection, '_publish', attempt):
        yield state


@pytest.fixture
def transport():
    # No pause between attempts: the clock above stands for it.
    transport = messaging.get_rpc_transport(
        make_conf(kombu_reconnect_delay=0), 'kombu+memory:////'
    )
    try:
        yield transport
    finally:
        transport.cleanup()


def _senders(transport, target, ttl):
    client = messaging.get_rpc_client(
        transport, oslo_messaging.Target(topic=target.topic), ttl=ttl
    )
    return {
        'topic': (client, 'openstack'),
        'server': (client.prepare(server='s1'), 'openstack'),
        'fanout': (client.prepare(fanout=True), f'{target.topic}_fanout'),
    }


@pytest.mark.parametrize('kind', ['topic', 'server', 'fanout'])
def test_each_attempt_carries_what_is_left_of_the_ttl(transport, outage, kind):
    target = new_target()
    endpoint = Endpoint()
    sender, exchange = _senders(transport, target, ttl=30)[kind]
    with running(messaging.get_rpc_server(transport, target, [endpoint])):
        outage['seconds'] = 12
        sender.cast({}, 'work', seconds=0, tag='late')
        deadline = time.monotonic() + 10
        while not endpoint.done and time.monotonic() < deadline:
            time.sleep(0.01)
    mine = [t for name, t in outage['attempts'] if name == exchange]
    assert mine == [30, 18]  # the second attempt, 12 s after the send
    assert endpoint.done == ['late']
    assert scope.LOCAL.since is None


@pytest.mark.parametrize('kind', ['topic', 'server', 'fanout'])
def test_a_cast_whose_ttl_ran_out_is_not_published(transport, outage, kind):
    target = new_target()
    endpoint = Endpoint()
    sender, exchange = _senders(transport, target, ttl=1)[kind]
    with running(messaging.get_rpc_server(transport, target, [endpoint])):
        outage['seconds'] = 1.5
        with pytest.raises(oslo_messaging.MessageDeliveryFailure) as info:
            sender.cast({}, 'work', seconds=0, tag='secret-tag')
        # The next cast on this thread is sent as usual.
        outage['seconds'] = 0
        sender.cast({}, 'work', seconds=0, tag='next')
        deadline = time.monotonic() + 10
        while not endpoint.done and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
    assert endpoint.done == ['next']  # the stale one never ran
    # One attempt, refused before it was published; not retried.
    mine = [t for name, t in outage['attempts'] if name == exchange]
    assert mine == [1, 1]  # the refused cast's first try, then 'next'
    exc = info.value
    assert isinstance(exc, errors.ExpiredBeforeSent)
    assert (exc.ttl, exc.elapsed, exc.method) == (1, 1.5, 'work')
    topic = f'{target.topic}.s1' if kind == 'server' else target.topic
    assert exc.topic == topic
    text = str(exc)
    assert f"'work' to topic '{topic}'" in text
    assert 'TTL of 1s' in text and '1.5s' in text
    assert 'secret-tag' not in text
    assert 'Unable to connect' not in text  # not upstream's wrapping
    assert scope.LOCAL.since is None


def test_a_notification_whose_ttl_ran_out_is_not_published(outage, caplog):
    with memory_notifier(
        ['notifications'], 2, make_conf(kombu_reconnect_delay=0)
    ) as notifier:
        outage['seconds'] = 3
        with caplog.at_level(logging.ERROR):
            notifier.info({}, 'instance.create', {'id': 1})
        outage['seconds'] = 0.5
        notifier.info({}, 'instance.delete', {'id': 2})
    # Upstream's notifier logs what the driver raised, as for any failure.
    failures = [r for r in caplog.records if r.exc_info]
    assert len(failures) == 1
    exc = failures[0].exc_info[1]
    assert isinstance(exc, errors.ExpiredBeforeSent)
    assert (exc.kind, exc.method, exc.ttl, exc.elapsed) == (
        'notification',
        'instance.create',
        2,
        3,
    )
    assert exc.topic == 'notifications.info'
    # The first one: one try, refused on the next; the second: 2 s, then
    # 1.5 s on the attempt after its 0.5 s outage.
    assert [t for _, t in outage['attempts']] == [2, 2, 1.5]


class _SendsOnOutage(logging.Handler):
    """Sends a message without a TTL from inside the send being retried,
    on its thread: as a handler that notifies about errors
    (``oslo_messaging.LoggingErrorNotificationHandler``) does when
    upstream logs that the broker is unreachable."""

    def __init__(self, outage, send):
        super().__init__(logging.ERROR)
        self.outage, self.send, self.sent = outage, send, False

    def emit(self, record):
        if self.sent:
            return
        self.sent = True
        self.outage['seconds'] = 0  # the broker is back for this one
        self.send()


@pytest.fixture
def on_outage(outage):
    """Install a :class:`_SendsOnOutage` on upstream's driver logger."""
    log = logging.getLogger('oslo.messaging._drivers.impl_rabbit')
    handlers = []

    def install(send):
        handler = _SendsOnOutage(outage, send)
        log.addHandler(handler)
        handlers.append(handler)
        return handler

    try:
        yield install
    finally:
        for handler in handlers:
            log.removeHandler(handler)


@pytest.mark.parametrize(
    'outer', ['cast', 'expired cast', 'call', 'notification']
)
@pytest.mark.parametrize('nested', ['stock cast', 'notification'])
def test_a_message_sent_during_a_send_does_not_take_its_ttl(
    transport, outage, on_outage, outer, nested
):
    # A message without a TTL sent on the thread of a send being retried
    # (a cast's or notification's TTL counting from its start, a call's
    # TTL shorter than its timeout) is published without expiration: it
    # was neither given what was left of the other's TTL nor, once that
    # ran out, dropped without a word.
    target = new_target()
    endpoint = Endpoint()
    client = messaging.get_rpc_client(
        transport, oslo_messaging.Target(topic=target.topic), ttl=1
    )
    if nested == 'stock cast':
        stock = oslo_messaging.get_rpc_client(
            transport, oslo_messaging.Target(topic=target.topic)
        )
        exchange = 'openstack'
        handler = on_outage(lambda: stock.cast({}, 'record', tag='nested'))
    else:
        notifier = oslo_messaging.Notifier(
            transport, 'demo.host', driver='messaging', topics=['errors']
        )
        exchange = 'openstack'
        handler = on_outage(lambda: notifier.error({}, 'nested', {}))
    with running(messaging.get_rpc_server(transport, target, [endpoint])):
        if outer == 'call':
            outage['seconds'] = 0.5
            assert client.call({}, 'work', seconds=0, tag='outer')
        elif outer == 'notification':
            outage['seconds'] = 0.5
            messaging.get_notifier(
                transport, 'demo.host', driver='messaging', ttl=1
            ).info({}, 'outer', {})
        else:
            outage['seconds'] = 1.5 if outer == 'expired cast' else 0.5
            try:
                client.cast({}, 'work', seconds=0, tag='outer')
            except errors.ExpiredBeforeSent:
                assert outer == 'expired cast'
            else:
                assert outer == 'cast'
        deadline = time.monotonic() + 10
        want = (nested == 'stock cast') + (outer in ('cast', 'call'))
        while len(endpoint.done) < want and time.monotonic() < deadline:
            time.sleep(0.01)
    assert handler.sent
    # The outer message's first try, then the nested one, without
    # expiration, then the outer's retry (not published when expired).
    attempts = [t for name, t in outage['attempts'] if name == exchange]
    assert attempts[:2] == [1, None]
    if nested == 'stock cast':
        assert 'nested' in endpoint.done
    assert ('outer' in endpoint.done) is (outer in ('cast', 'call'))
    assert (scope.LOCAL.since, scope.LOCAL.ttl) == (None, None)


@pytest.mark.parametrize('outage_seconds', [3, 1.5])
def test_a_notification_to_several_topics_counts_from_the_notify(
    outage, on_outage, caplog, outage_seconds
):
    # Upstream's notifier sends to each topic in turn: the second send
    # begins only once the first gave up, after the outage. Its TTL still
    # counts from the notification, not from that second send.
    with memory_notifier(
        ['first', 'second'], 2, make_conf(kombu_reconnect_delay=0)
    ) as notifier:
        on_outage(lambda: None)  # the broker is back after the first try
        outage['seconds'] = outage_seconds
        with caplog.at_level(logging.ERROR):
            notifier.info({}, 'instance.create', {'id': 1})
    refused = [
        r.exc_info[1]
        for r in caplog.records
        if r.exc_info and isinstance(r.exc_info[1], errors.ExpiredBeforeSent)
    ]
    if outage_seconds > 2:
        # Both refused: the first's try failed, the second had nothing left.
        assert [t for _, t in outage['attempts']] == [2]
        assert [(e.topic, e.elapsed) for e in refused] == [
            ('first.info', 3),
            ('second.info', 3),
        ]
    else:
        # The first published on its retry, the second with what is left.
        assert [t for _, t in outage['attempts']] == [2, 0.5, 0.5]
        assert refused == []
    assert scope.LOCAL.since is None


def test_a_refused_cast_says_an_earlier_attempt_may_still_run(
    transport, outage
):
    # The first attempt failed (here before it was written; on RabbitMQ a
    # publish written to a connection blocked by a memory alarm times out
    # waiting for its confirmation, and the broker enqueues it when the
    # alarm clears): the refusal must not claim the broker never took it.
    client = messaging.get_rpc_client(
        transport, oslo_messaging.Target(topic=new_target().topic), ttl=1
    )
    outage['seconds'] = 1.5
    with pytest.raises(errors.ExpiredBeforeSent) as info:
        client.cast({}, 'work', seconds=0)
    assert info.value.attempts == 1
    text = str(info.value)
    assert 'had not taken it' not in text
    assert '1 earlier attempt failed' in text and 'may still' in text


def test_a_cast_refused_before_any_attempt_was_not_taken(
    transport, monkeypatch
):
    # Its TTL ran out before the first attempt (waiting for a connection):
    # nothing was written anywhere.
    client = messaging.get_rpc_client(
        transport, oslo_messaging.Target(topic=new_target().topic), ttl=30
    )
    clock = iter([0.0, 31.0]).__next__  # the send's start, then its try
    monkeypatch.setattr(rabbit, 'monotonic', clock)
    with pytest.raises(errors.ExpiredBeforeSent) as info:
        client.cast({}, 'work', seconds=0)
    assert (info.value.attempts, info.value.elapsed) == (0, 31)
    assert 'the broker had not taken it' in str(info.value)
