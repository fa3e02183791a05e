"""``fake-extras``: upstream's in-memory fake driver with call monitoring.

Upstream's fake driver ignores ``call_monitor_timeout`` and its incoming
messages cannot heartbeat. Here a monitored call waits on a reply queue
that also receives heartbeats, fails once none came for the monitoring
window, and the server side sees the caller's window as
``client_timeout`` (so stock servers heartbeat it too, as on RabbitMQ).
"""

from __future__ import annotations

import queue
import time
from typing import Any

import oslo_messaging

from oslo_extras.messaging import _upstream
from oslo_extras.messaging import stamp
from oslo_extras.messaging.drivers import scope

SCHEME = 'fake-extras'
HEARTBEAT = ('oslo_extras', 'heartbeat')
#: Set on an exception the server replied with: this driver raises the
#: endpoint's exception object itself, which a caller must not take for
#: its own timeout (see RPCClient.call()).
REPLIED = '_oslo_extras_replied'


class _Replies(queue.Queue):
    """A call's reply queue, which also knows its monitoring window."""

    def __init__(self, call_monitor_timeout: float) -> None:
        super().__init__()
        self.call_monitor_timeout = call_monitor_timeout
        #: set once the caller stopped waiting (it timed out)
        self.abandoned = False

    def heartbeat(self) -> None:
        if self.abandoned:
            raise oslo_messaging.MessageDeliveryFailure(
                'the caller stopped waiting'
            )
        self.put(HEARTBEAT)


def _can_heartbeat(message: Any) -> None:
    replies = _upstream.fake_reply_queue(message)
    if not isinstance(replies, _Replies):
        return
    message.client_timeout = replies.call_monitor_timeout
    # The fake message's heartbeat() is a no-op: send one to the caller.
    message.heartbeat = replies.heartbeat


def ignores_call_monitoring(transport: Any) -> bool:
    """Say whether ``transport`` is on upstream's own fake driver, whose
    calls wait their whole timeout whatever ``call_monitor_timeout`` says
    (an endpoint's ``MessagingTimeout`` is then its own, however late)."""
    if not isinstance(transport, oslo_messaging.Transport):
        return False
    driver = _upstream.transport_driver(transport)
    return isinstance(driver, _upstream.FakeDriver) and not isinstance(
        driver, FakeDriver
    )


class FakeDriver(_upstream.FakeDriver):
    """Upstream's fake driver; monitored calls get heartbeats."""

    #: Our client hands the stamp over in ``scope.LOCAL.outgoing``.
    takes_outgoing_stamp = True

    def send(
        self,
        target,
        ctxt,
        message,
        wait_for_reply=None,
        timeout=None,
        call_monitor_timeout=None,
        retry=None,
        transport_options=None,
    ):
        outgoing = scope.LOCAL.outgoing
        if outgoing is None:
            ctxt, message = stamp.move_to_body(ctxt, message)
        else:
            scope.LOCAL.outgoing = None  # this message only
            message, _ = stamp.outgoing_to_wire(message, outgoing)
        if not (wait_for_reply and call_monitor_timeout):
            return super().send(
                target,
                ctxt,
                message,
                wait_for_reply,
                timeout,
                call_monitor_timeout,
                retry,
                transport_options,
            )
        replies = _Replies(call_monitor_timeout)
        _upstream.fake_deliver(self, target, ctxt, message, replies)
        if timeout is not None and timeout < 0:
            # As upstream's fake reply queue says it (its amqp driver's
            # timer refuses it too), after the request was delivered.
            replies.abandoned = True
            raise ValueError("'timeout' must be a non-negative number")
        # A timeout of 0 gives up at once, as upstream's drivers do.
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = call_monitor_timeout
            if deadline is not None:
                wait = min(wait, deadline - time.monotonic())
            try:
                if wait <= 0:
                    raise queue.Empty
                item = replies.get(timeout=wait)
            except queue.Empty:
                replies.abandoned = True
                raise oslo_messaging.MessagingTimeout(
                    f'No reply or heartbeat on topic {target.topic}'
                )
            if item == HEARTBEAT:
                continue
            reply, failure = item
            if failure:
                try:
                    setattr(failure, REPLIED, True)
                except AttributeError:
                    pass  # an exception with __slots__: told apart by time
                raise failure
            return reply

    def send_notification(self, target, ctxt, message, version, retry=None):
        ctxt, message = stamp.move_to_body(ctxt, message)
        return super().send_notification(target, ctxt, message, version, retry)

    def caller_waiting(self, incoming: Any) -> bool | None:
        """Say whether the caller of ``incoming`` waits (None: unknown)."""
        replies = _upstream.fake_reply_queue(incoming)
        if not isinstance(replies, _Replies):
            return None
        return not replies.abandoned

    def listen(self, target, batch_size, batch_timeout):
        adapter = super().listen(target, batch_size, batch_timeout)
        _upstream.wrap_listener_poll(adapter, _can_heartbeat)
        return adapter
