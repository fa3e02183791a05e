"""A notifier whose notifications expire, per event type."""

from __future__ import annotations

from time import monotonic
from typing import Any

import oslo_messaging

from oslo_extras.messaging._serializer import Stamped
from oslo_extras.messaging._serializer import StampingSerializer
from oslo_extras.messaging.drivers import scope
from oslo_extras.messaging.policy import PolicyMap
from oslo_extras.messaging.stamp import Stamp
from oslo_extras.messaging.stamp import now

_PRIORITIES = (
    'audit',
    'debug',
    'info',
    'warn',
    'warning',
    'error',
    'critical',
    'sample',
)


class Notifier:
    """Sends notifications stamped with a TTL; see :func:`get_notifier`."""

    def __init__(self, notifier: Any, policies: PolicyMap) -> None:
        self._notifier = notifier
        self._policies = policies

    def prepare(self, **kwargs: Any) -> Notifier:
        return Notifier(self._notifier.prepare(**kwargs), self._policies)

    def is_enabled(self) -> bool:
        return self._notifier.is_enabled()

    def _send(self, priority: str, ctxt: Any, event_type: str, payload):
        ttl = self._policies.resolve(event_type).ttl
        if not ttl:
            getattr(self._notifier, priority)(
                Stamped(ctxt, Stamp()), event_type, payload
            )
            return
        # Upstream sends to each topic in turn, and a send waits while the
        # broker is down: the TTL of every one counts from here (the
        # rabbit-extras driver reads this on this thread).
        local = scope.LOCAL
        previous = local.notify_started
        local.notify_started = monotonic()
        try:
            getattr(self._notifier, priority)(
                Stamped(ctxt, Stamp(ttl=ttl, sent=now())), event_type, payload
            )
        finally:
            local.notify_started = previous

    def __getattr__(self, priority: str):
        if priority not in _PRIORITIES:
            raise AttributeError(priority)

        def send(ctxt: Any, event_type: str, payload: Any) -> None:
            self._send(priority, ctxt, event_type, payload)

        send.__name__ = priority
        return send


def get_notifier(
    transport: Any,
    publisher_id: str | None = None,
    *,
    ttl: float | None = None,
    events: dict[str, dict[str, float]] | None = None,
    serializer: Any = None,
    **kwargs: Any,
) -> Notifier:
    """Build a notifier whose notifications expire after ``ttl`` seconds.

    On RabbitMQ the TTL becomes the AMQP ``expiration`` of each
    notification, so nobody reads stale ones from a forgotten queue.

    :param transport: a notification transport, preferably from
        :func:`oslo_extras.messaging.get_notification_transport`
    :param publisher_id: the publisher id
    :param ttl: seconds a notification may wait in its queue
    :param events: per-event-type ``{event_type: dict(ttl=)}``
    :param serializer: an optional entity serializer
    :param kwargs: passed to ``oslo_messaging.Notifier``
    """
    policies = PolicyMap.declared(ttl=ttl, methods=events, kind='event type')
    notifier = oslo_messaging.Notifier(
        transport,
        publisher_id,
        serializer=StampingSerializer(serializer),
        **kwargs,
    )
    return Notifier(notifier, policies)
