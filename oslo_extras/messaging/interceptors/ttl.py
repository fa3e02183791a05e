"""Message TTL: no message runs after its caller gave up on it.

The client stamps each message with a relative TTL and its send time; for
a call the TTL is at most what the caller waits: its total timeout, or for
a heartbeating call its silence window less one heartbeat interval (a
request received later gets its first heartbeat after its caller gave up).
The server drops an expired message on receipt and again just before
dispatch (after waiting for a worker), logs it and counts it. A call that
is being heartbeated is not dropped at dispatch for its age: the heartbeat
interceptor checks instead that its caller still waits.

Where the broker enforced the TTL (RabbitMQ ``expiration``, relative, so
no clocks are compared) the sender-clock check is skipped: only the time
spent inside this server counts, measured with a monotonic clock.
"""

from __future__ import annotations

import logging
import time

from oslo_extras.messaging import stamp
from oslo_extras.messaging.interceptors import Interceptor
from oslo_extras.messaging.interceptors import Outgoing
from oslo_extras.messaging.interceptors import Request

LOG = logging.getLogger(__name__)


class TimeToLive(Interceptor):
    name = 'ttl'
    outgoing_per_method = True

    def outgoing(self, message: Outgoing) -> None:
        ttl = message.policy.ttl
        if message.call:
            waits = message.timeout
            interval = message.fields.get('heartbeat')
            if message.silence and interval:
                waits = min(
                    waits or message.silence, message.silence - interval
                )
            if waits is not None and waits > 0:
                # (A negative total is the caller's error, which the
                # driver raises: no TTL of its own on the wire.)
                ttl = min(ttl, waits) if ttl else waits
        if ttl:
            message.fields['ttl'] = float(ttl)
            message.fields['sent'] = stamp.now()

    def received(self, request: Request) -> bool:
        return self._receive(request) is not None

    def _receive(self, request: Request) -> bool | None:
        """:meth:`received` then :meth:`watches`, in one call.

        The server's fast path for built-in interceptors (see
        ``_receipt.ReceiptPlan``): None to drop the request, else whether
        this interceptor watches it.
        """
        if not request.stamp.broker_ttl or (
            request.policy.ttl and not broker_measured(request)
        ):
            # expired() called here and below, not through a helper: every
            # message with a TTL comes by. With a broker TTL, the broker
            # expired it if it was due; it has not waited here yet, and no
            # sender clock is compared (see expired()), unless this
            # server's TTL for it is shorter than what the broker measured.
            reason = expired(request)
            if reason is not None:
                request.dropped = reason
                return None
        # What watches() says, without a call to bool().
        return True if (request.stamp.ttl or request.policy.ttl) else False

    def dispatching(self, request: Request) -> bool:
        # An empty state (no heartbeat) costs no call to get().
        if request.state and request.state.get('kept_alive'):
            return True
        stamped = request.stamp
        policy_ttl = request.policy.ttl
        if stamped.broker_ttl and (not policy_ttl or broker_measured(request)):
            # What expired() checks first, inline for the commonest case
            # (every call of an extras client on RabbitMQ): a broker TTL,
            # so only the time spent in this server counts.
            ttl = stamped.ttl
            if policy_ttl and (not ttl or policy_ttl < ttl):
                ttl = policy_ttl
            if not ttl or time.monotonic() - request.received <= ttl:
                return True
        reason = expired(request)
        if reason is None:
            return True
        request.dropped = reason
        return False

    def watches(self, request: Request) -> bool:
        return bool(request.stamp.ttl or request.policy.ttl)


def expired(request: Request) -> str | None:
    """Say why ``request`` is expired, or return None when it is not."""
    # The smaller of the two TTLs that are set (every request comes here).
    ttl = request.stamp.ttl
    policy_ttl = request.policy.ttl
    if policy_ttl and (not ttl or policy_ttl < ttl):
        ttl = policy_ttl
    if not ttl:
        return None  # most messages: no clock to read
    waited = time.monotonic() - request.received
    # Time spent inside this server: measured locally, immune to skew.
    if waited > ttl:
        return f'waited {waited:.2f}s in the server, TTL {ttl:g}s'
    if request.stamp.sent is not None and not (
        request.stamp.broker_ttl and broker_measured(request)
    ):
        skew = request.services.get('clock_skew', 0.0)
        age = stamp.now() - request.stamp.sent
        if age > ttl + skew:
            return f'{age:.2f}s old (sender clock), TTL {ttl:g}s' + (
                f' + {skew:g}s clock skew' if skew else ''
            )
    return None


def broker_measured(request: Request) -> bool:
    """Say whether the broker measured ``request``'s TTL in its queue.

    It expires a message after the TTL its client stamped (``expiration``)
    or its queue's ``x-message-ttl`` (``services['queue_ttl']``, the
    server's default TTL), whichever is shorter: a server TTL for the
    method shorter than that was not measured there.
    """
    if not request.stamp.broker_ttl:
        return False
    measured = request.stamp.ttl
    queue_ttl = request.services.get('queue_ttl')
    if queue_ttl and (measured is None or queue_ttl < measured):
        measured = queue_ttl
    policy_ttl = request.policy.ttl
    return measured is not None and (not policy_ttl or measured <= policy_ttl)
