"""Notification listeners drop expired notifications and hide the stamp."""

from __future__ import annotations

import logging
import threading
import time
import uuid

import oslo_messaging
import pytest

from oslo_extras import messaging
from oslo_extras.messaging import stamp
from tests.unit.messaging.helpers import make_conf
from tests.unit.messaging.helpers import wait_for


class Collector:
    def __init__(self, seconds=0.0):
        self.seen: list[tuple[str, dict]] = []
        self.seconds = seconds
        self.started = threading.Event()

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        self.started.set()
        time.sleep(self.seconds)
        self.seen.append((event_type, dict(ctxt)))


@pytest.fixture(params=['kombu+memory:////', 'fake://'])
def notification_transport(request):
    transport = messaging.get_notification_transport(
        make_conf(), request.param
    )
    try:
        yield transport
    finally:
        transport.cleanup()


def notifier(transport, topic, **kwargs):
    return messaging.get_notifier(
        transport, 'test.host', driver='messagingv2', topics=[topic], **kwargs
    )


def test_expired_notification_is_dropped_and_counted(
    notification_transport, caplog
):
    topic = 'n-' + uuid.uuid4().hex[:8]
    collector = Collector(seconds=0.5)
    listener = messaging.get_notification_listener(
        notification_transport,
        [oslo_messaging.Target(topic=topic)],
        [collector],
        executor='threading',
    )
    caplog.set_level(logging.WARNING, 'oslo_extras.messaging')
    listener.start(override_pool_size=1)
    try:
        send = notifier(notification_transport, topic)
        send.info({'user': 'u1'}, 'busy', {})
        assert collector.started.wait(5)
        # Waits 0.5 s for the only worker: its 0.2 s TTL runs out.
        notifier(notification_transport, topic, ttl=0.2).info({}, 'stale', {})
        send.info({}, 'fresh', {})
        assert wait_for(lambda: len(collector.seen) >= 2, 5)
        time.sleep(0.3)
    finally:
        listener.stop()
        listener.wait()
    assert [event for event, _ in collector.seen] == ['busy', 'fresh']
    assert listener.stats.snapshot() == {'expired': 1}
    assert "Dropped expired notification 'stale'" in caplog.text
    assert not [
        k for _, c in collector.seen for k in c if k.startswith(stamp.PREFIX)
    ]


def test_stock_listener_never_sees_the_stamp(notification_transport):
    topic = 'n-' + uuid.uuid4().hex[:8]
    collector = Collector()
    listener = oslo_messaging.get_notification_listener(
        notification_transport,
        [oslo_messaging.Target(topic=topic)],
        [collector],
        executor='threading',
    )
    listener.start()
    try:
        notifier(notification_transport, topic, ttl=30).info(
            {'user': 'u1'}, 'create', {}
        )
        assert wait_for(lambda: collector.seen, 5)
    finally:
        listener.stop()
        listener.wait()
    ((event, ctxt),) = collector.seen
    assert not [k for k in ctxt if 'oslo_extras' in k]


def test_dropped_notification_is_kept_under_its_queues_name(monkeypatch):
    # Notifiers write the priority as 'INFO' in the message and route it
    # to '<topic>.info': the dead queue is '<topic>.info.dead', bound to
    # '<topic>.info'; 'INFO' would route nowhere and lose it silently.
    from oslo_extras.messaging import _upstream

    transport = messaging.get_notification_transport(
        make_conf(), 'kombu+memory:////'
    )
    kept = []
    driver = _upstream.transport_driver(transport)
    monkeypatch.setattr(
        driver, 'dead_letter', lambda key, ctxt, msg: kept.append((key, msg))
    )
    topic = 'n-' + uuid.uuid4().hex[:8]
    collector = Collector(seconds=0.5)
    listener = messaging.get_notification_listener(
        transport,
        [oslo_messaging.Target(topic=topic)],
        [collector],
        dead_letter=True,
        executor='threading',
    )
    listener.start(override_pool_size=1)
    try:
        send = notifier(transport, topic)
        send.info({}, 'busy', {})
        assert collector.started.wait(5)
        notifier(transport, topic, ttl=0.2).info({}, 'stale', {})
        assert wait_for(lambda: kept, 5)
    finally:
        listener.stop()
        listener.wait()
        transport.cleanup()
    ((key, message),) = kept
    assert key == f'{topic}.info'
    assert message['event_type'] == 'stale'
