r"""A notification listener that never hands an expired notification over.

Notifications carry the TTL the notifier stamped (see :mod:`.notifier`).
The listener drops a notification that expired before its endpoint got it,
logs and counts it, and (``dead_letter=True``, RabbitMQ) keeps it in the
dead-letter queue of the queue it came from, ``<topic>.<priority>.dead``
(``<pool>.dead`` for a pool), declared with the dead-letter exchange
``oslo_extras_dlx``.

Notifiers declare the notification queues too (upstream declares the queue
of each topic and priority before publishing, without arguments), and
RabbitMQ refuses to redeclare a queue with other arguments: so the queues
get no ``x-message-ttl`` or dead-letter arguments here. The notifier's TTL
still reaches the broker as AMQP ``expiration``; for the broker to keep
what it expires, an operator policy sends the notification queues' dead
letters to ``oslo_extras_dlx``::

    rabbitmqctl set_policy --apply-to queues notifications-dlx \
        '^notifications\.' '{"dead-letter-exchange": "oslo_extras_dlx"}'
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Sequence
from typing import Any

from oslo_messaging.notify import dispatcher as notify_dispatcher
from oslo_messaging.notify import listener as notify_listener

from oslo_extras.messaging import _upstream
from oslo_extras.messaging import policy as policy_mod
from oslo_extras.messaging.drivers import scope
from oslo_extras.messaging.interceptors import Request
from oslo_extras.messaging.interceptors.ttl import expired
from oslo_extras.messaging.policy import PolicyMap
from oslo_extras.messaging.server import DEFAULT_CLOCK_SKEW
from oslo_extras.messaging.stamp import Stamp
from oslo_extras.messaging.stats import Stats

LOG = logging.getLogger(__name__)


class _Dispatcher(notify_dispatcher.NotificationDispatcher):
    """Asks the listener before handing a notification to an endpoint."""

    def __init__(self, listener_ref, endpoints, serializer):
        super().__init__(endpoints, serializer)
        self._listener_ref = listener_ref

    def dispatch(self, incoming):
        listener = self._listener_ref()
        if listener is not None and not listener._admit(incoming):
            # Acknowledged by the server: it must not come back.
            return notify_dispatcher.NotificationResult.HANDLED
        return super().dispatch(incoming)


class NotificationListener(notify_listener.NotificationServer):
    """Use :func:`get_notification_listener` to build one."""

    def __init__(
        self,
        transport: Any,
        targets: Sequence[Any],
        endpoints: list[Any],
        *,
        policies: PolicyMap,
        dead_letter: bool = False,
        clock_skew: float = DEFAULT_CLOCK_SKEW,
        serializer: Any = None,
        executor: str | None = None,
        allow_requeue: bool = False,
        pool: str | None = None,
    ) -> None:
        # Refused here, not on the first message checked against it.
        clock_skew = policy_mod.clock_skew(clock_skew)
        dispatcher = _Dispatcher(weakref.ref(self), endpoints, serializer)
        super().__init__(
            transport, targets, dispatcher, executor, allow_requeue, pool
        )
        self._policies = policies
        self._dead_letter = dead_letter
        self._clock_skew = clock_skew
        self._pool = pool
        self._targets = list(targets)
        self._received: weakref.WeakKeyDictionary[Any, float] = (
            weakref.WeakKeyDictionary()
        )
        self._received_lock = threading.Lock()
        #: counters: ``expired`` (dropped before an endpoint saw it)
        self.stats = Stats(('expired',))

    def _create_listener(self):
        # Notifiers declare these queues too, without arguments: only the
        # dead-letter exchange and queues are declared here.
        options = scope.QueueOptions(
            topic=None, dead_letter=self._dead_letter, arguments=False
        )
        with scope.queue_options(options):
            return super()._create_listener()

    def _on_incoming(self, incoming):
        # Listener thread: the time spent waiting for a worker counts.
        now = time.monotonic()
        with self._received_lock:
            for message in incoming:
                self._received[message] = now
        super()._on_incoming(incoming)

    def _admit(self, incoming: Any) -> bool:
        """Remove the stamp; say whether ``incoming`` may be dispatched."""
        stamp = Stamp.take(incoming.ctxt, incoming.message)
        event_type = incoming.message.get('event_type')
        request = Request(
            incoming=incoming,
            method=event_type,
            stamp=stamp,
            policy=self._policies.resolve(event_type),
            services={'clock_skew': self._clock_skew},
        )
        with self._received_lock:
            request.received = self._received.pop(incoming, request.received)
        reason = expired(request)
        if reason is None:
            return True
        self.stats.add('expired')
        LOG.warning(
            'Dropped expired notification %r without handing it over: %s',
            event_type,
            reason,
        )
        if self._dead_letter:
            self._send_to_dead_letters(incoming, stamp)
        return False

    def _dead_letter_key(self, priority: str | None) -> str | None:
        if self._pool:
            return self._pool
        if len(self._targets) == 1 and isinstance(priority, str) and priority:
            # The message says 'INFO'; its queue is '<topic>.info' (the
            # notifier lowercases it for the routing key): the dead queue
            # is bound to the queue's name, and an unroutable key would
            # lose the notification without an error.
            return f'{self._targets[0].topic}.{priority.lower()}'
        return None  # several queues: which one it came from is unknown

    def _send_to_dead_letters(self, incoming: Any, stamp: Stamp) -> None:
        driver = _upstream.transport_driver(self.transport)
        dead_letter = getattr(driver, 'dead_letter', None)
        key = self._dead_letter_key(incoming.message.get('priority'))
        if dead_letter is None or key is None:
            return
        ctxt = dict(incoming.ctxt)
        stamp.write(ctxt)
        try:
            dead_letter(key, ctxt, incoming.message)
        except Exception:
            LOG.warning('Could not keep a dropped notification', exc_info=True)


def get_notification_listener(
    transport: Any,
    targets: Sequence[Any],
    endpoints: list[Any],
    *,
    ttl: float | None = None,
    events: dict[str, dict[str, float]] | None = None,
    dead_letter: bool = False,
    clock_skew: float = DEFAULT_CLOCK_SKEW,
    serializer: Any = None,
    executor: str | None = None,
    allow_requeue: bool = False,
    pool: str | None = None,
) -> NotificationListener:
    """Build a notification listener that drops expired notifications.

    :param transport: a notification transport, preferably from
        :func:`oslo_extras.messaging.get_notification_transport`
    :param targets: the topics (and exchanges) to listen on
    :param endpoints: the endpoint objects (``info``, ``error``, ...)
    :param ttl: drop notifications older than this, whatever the notifier
        said
    :param events: per-event-type ``{event_type: dict(ttl=)}``
    :param dead_letter: on RabbitMQ, notifications this listener drops go
        to ``<queue>.dead`` (declared here, bound to ``oslo_extras_dlx``),
        where a queue policy can send the broker's expired ones too
    :param clock_skew: seconds the notifiers' clocks may be off (a finite
        number, 0 or more); widens the sender-clock check (not used where
        the broker enforced the TTL)
    :param serializer: an optional entity serializer
    :param executor: as upstream's (deprecated) ``executor``
    :param allow_requeue: as upstream's
    :param pool: as upstream's (one queue shared by the pool's listeners)
    """
    return NotificationListener(
        transport,
        targets,
        endpoints,
        policies=PolicyMap.declared(
            ttl=ttl, methods=events, kind='event type'
        ),
        dead_letter=dead_letter,
        clock_skew=clock_skew,
        serializer=serializer,
        executor=executor,
        allow_requeue=allow_requeue,
        pool=pool,
    )
