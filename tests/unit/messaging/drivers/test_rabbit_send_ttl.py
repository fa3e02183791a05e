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
from oslo_extras.messaging.drivers import rabbit
from oslo_extras.messaging.drivers import scope
from tests.unit.messaging.helpers import Endpoint
from tests.unit.messaging.helpers import make_conf
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
    transport = messaging.get_notification_transport(
        make_conf(kombu_reconnect_delay=0), 'kombu+memory:////'
    )
    try:
        notifier = messaging.get_notifier(
            transport,
            'demo.host',
            driver='messaging',
            topics=['notifications'],
            ttl=2,
        )
        outage['seconds'] = 3
        with caplog.at_level(logging.ERROR):
            notifier.info({}, 'instance.create', {'id': 1})
        outage['seconds'] = 0.5
        notifier.info({}, 'instance.delete', {'id': 2})
    finally:
        transport.cleanup()
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
