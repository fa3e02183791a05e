"""Heartbeats: a long call stays alive while its server works on it.

Client side, a call with ``heartbeat=h`` uses upstream call monitoring: the
caller fails when no reply or heartbeat came for ``timeout`` seconds
(``2 * h`` by default, or when ``timeout`` is not longer than ``h``)
instead of after a fixed total time. Server side,
heartbeats start when the request is received (not when a worker picks it
up) and stop on every outcome, before the final reply leaves. Upstream's
own watchdog is switched off for that request so it cannot outlive a
``NoSuchMethod`` or ``UnsupportedVersion`` error.
"""

from __future__ import annotations

import logging

from oslo_extras.messaging.interceptors import Interceptor
from oslo_extras.messaging.interceptors import Outgoing
from oslo_extras.messaging.interceptors import Request

LOG = logging.getLogger(__name__)

#: A heartbeating call may run this long when the application sets no
#: ``max_call_time`` (the upstream waiter needs a finite total timeout).
UNLIMITED = 7 * 24 * 3600.0
#: Never heartbeat more often than this, whatever a client asks.
MIN_INTERVAL = 0.05


class Heartbeat(Interceptor):
    name = 'heartbeat'

    def outgoing(self, message: Outgoing) -> None:
        interval = message.policy.heartbeat
        if not message.call or interval is None:
            return
        silence = message.timeout or 2 * interval
        if silence <= interval:
            # A per-method heartbeat longer than the client's timeout:
            # the caller must at least wait for two of them.
            silence = 2 * interval
        message.silence = silence
        message.call_monitor_timeout = silence
        message.timeout = message.max_call_time or UNLIMITED
        message.fields['heartbeat'] = interval

    def received(self, request: Request) -> bool:
        incoming = request.incoming
        if not request.is_call:
            return True
        interval = request.stamp.heartbeat
        if interval is None:
            # A stock client with call_monitor_timeout: half its window,
            # as upstream does, but without truncating fractions.
            interval = _half(getattr(incoming, 'client_timeout', None))
        if interval is None:
            return True
        if request.policy.heartbeat is not None:
            interval = min(interval, request.policy.heartbeat)
        interval = max(interval, MIN_INTERVAL)
        # We heartbeat from receipt on; upstream's dispatcher watchdog
        # would start later and could keep running after an error.
        incoming.client_timeout = None
        request.state['beat'] = request.services['heartbeats'].start(
            incoming.heartbeat,
            interval,
            label=f'{request.method} ({incoming.msg_id})',
        )
        request.state['kept_alive'] = True
        return True

    def dispatching(self, request: Request) -> bool:
        beat = request.state.get('beat')
        if beat is not None and beat.failed is not None:
            request.dropped = f'its caller is gone ({beat.failed})'
            return False
        return True

    def finished(self, request: Request) -> None:
        beat = request.state.get('beat')
        if beat is None:
            return
        beat.stop()
        request.services['stats'].add('heartbeats', beat.sent)


def _half(window: object) -> float | None:
    try:
        value = float(window)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value / 2 if value > 0 else None
