"""Heartbeats: a long call stays alive while its server works on it.

Client side, a call with ``heartbeat=h`` uses upstream call monitoring: the
caller fails when no reply or heartbeat came for the silence window or when
the whole call took longer than its total (``Outgoing.max_call_time``, set
by the client: see ``RPCClient._outgoing``). The window is the caller's
``call_monitor_timeout`` when it gave one (upstream's meaning; the interval
asked of servers is then at most half of it), else ``timeout`` (``2 * h``
by default, or when ``timeout`` is not longer than ``h``; at least 2 s, the
smallest window stock servers accept). Server side,
heartbeats start when the request is received (not when a worker picks it
up) and stop on every outcome, before the final reply leaves. Upstream's
own watchdog is switched off for that request so it cannot outlive a
``NoSuchMethod`` or ``UnsupportedVersion`` error.
"""

from __future__ import annotations

import logging
import sys

from oslo_extras.messaging import _upstream
from oslo_extras.messaging import stamp
from oslo_extras.messaging.interceptors import Interceptor
from oslo_extras.messaging.interceptors import Outgoing
from oslo_extras.messaging.interceptors import Request

LOG = logging.getLogger(__name__)

#: Never heartbeat more often than this, whatever a client asks.
MIN_INTERVAL = 0.05
#: Nor less often than this: a longer interval (1e300, infinity) is no
#: time a thread can wait for, and the scheduler's thread died of one (a
#: caller gets its heartbeats more often than it asked, which it accepts).
MAX_INTERVAL = 86400.0
#: Total cap of a heartbeating call when the client has no configuration
#: to read it from (upstream's ``rpc_response_timeout`` default).
DEFAULT_MAX_CALL_TIME = 60.0
#: The largest window read as it is (a larger int cannot be a float).
_FLOAT_MAX = sys.float_info.max
#: Stock servers refuse call-monitoring windows under 2 s (they heartbeat
#: every ``int(window) / 2`` s and refuse intervals under 1 s).
STOCK_MIN_WINDOW = 2.0


def silence_window(interval: float, timeout: float | None) -> float:
    """Seconds a caller waits without reply or heartbeat.

    ``timeout``, or twice the heartbeat when unset or not longer than the
    heartbeat; never under :data:`STOCK_MIN_WINDOW`, so that a stock server
    heartbeats the call too.
    """
    silence = timeout or 2 * interval
    if silence <= interval:
        # A per-method heartbeat longer than the client's timeout: the
        # caller must at least wait for two of them.
        silence = 2 * interval
    return max(silence, STOCK_MIN_WINDOW)


def rounding_warning(interval: float, timeout: float | None) -> str | None:
    """Say why the silence window differs from what was asked, or None."""
    asked = timeout or 2 * interval
    if asked >= STOCK_MIN_WINDOW or asked <= interval:
        return None
    return (
        f'heartbeat={interval:g} with a {asked:g}s silence window: stock '
        'oslo.messaging servers refuse call-monitoring windows under '
        f'{STOCK_MIN_WINDOW:g}s, so calls wait {STOCK_MIN_WINDOW:g}s of '
        'silence before failing (extras servers still heartbeat every '
        f'{interval:g}s)'
    )


class Heartbeat(Interceptor):
    name = 'heartbeat'
    outgoing_per_method = True

    def outgoing(self, message: Outgoing) -> None:
        interval = message.policy.heartbeat
        if not message.call or interval is None:
            return
        window = message.call_monitor_timeout
        if window:
            # The caller's own call monitoring (upstream's words): its
            # window is kept, and servers asked to heartbeat often enough
            # for it (as a stock server heartbeats every half window).
            silence = window
            interval = min(interval, window / 2)
        else:
            silence = silence_window(interval, message.timeout)
        message.silence = silence
        message.call_monitor_timeout = silence
        # Upstream's total timeout stays finite: a hung endpoint that keeps
        # being heartbeated is reported once it is spent.
        total = message.max_call_time
        message.timeout = DEFAULT_MAX_CALL_TIME if total is None else total
        message.fields['heartbeat'] = float(interval)

    def received(self, request: Request) -> bool:
        self._receive(request)
        return True

    def _receive(self, request: Request) -> bool:
        """:meth:`received` then :meth:`watches`, in one call.

        The server's fast path for built-in interceptors (see
        ``_receipt.ReceiptPlan``); never drops a request.
        """
        incoming = request.incoming
        interval = request.stamp.heartbeat
        # The caller's silence window (None: two intervals), read before
        # stop_upstream_watchdog() clears it.
        window = getattr(incoming, 'client_timeout', None)
        if window is not None and not (
            (type(window) is float or type(window) is int)
            and 0 < window <= _FLOAT_MAX
        ):
            # A positive number needs no call; an int too big for a float
            # asks for no heartbeat here (a stock server's watchdog dies
            # of it and the call is served without).
            window = _number(window)
        if interval is None and window is not None:
            # A stock client with call_monitor_timeout: half its window,
            # as upstream does, but without truncating fractions.
            interval = window / 2
        # Most requests ask for no heartbeat: asked first, it is cheaper.
        if interval is None:
            return 'beat' in request.state
        # A rabbit caller's reply queue says it is a call; asked first, it
        # saves the is_call lookup on that driver.
        reply_q = _upstream.reply_queue(incoming)
        if reply_q is None and not request.is_call:
            return 'beat' in request.state
        if request.policy.heartbeat is not None:
            interval = min(interval, request.policy.heartbeat)
        interval = max(interval, MIN_INTERVAL)
        if interval > MAX_INTERVAL:
            interval = MAX_INTERVAL
        # We heartbeat from receipt on; upstream's dispatcher watchdog
        # would start later and could keep running after an error.
        _upstream.stop_upstream_watchdog(incoming)
        # Every heartbeating call comes here: the clock is read once.
        # The caller's silence window starts when it sends: a call that
        # spent 0.8 s in queues and got its first heartbeat one interval
        # after receipt would leave its caller 1.8 s of silence, so the
        # first one is due one interval after the send. A sender clock
        # behind ours only makes it sooner; one ahead of ours makes it one
        # interval (as without a send time).
        sent = request.stamp.sent
        age = first = None
        if sent is not None:
            age = stamp.now() - sent
            first = interval - age
        batches = request.services.get('batches')
        if request.stamp.heartbeat_batch and batches is not None and reply_q:
            # One message per reply queue and interval for all its calls.
            # The latest moment matters only to a call whose first
            # heartbeat's time already passed (see first_due_in).
            latest = None
            if first is not None and first <= 0:
                latest = latest_after(interval, age, window)
            request.state['beat'] = batches.join(
                reply_q,
                incoming.msg_id,
                interval,
                first_after=first,
                latest_after=latest,
            )
        else:
            request.state['beat'] = request.services['heartbeats'].start(
                incoming.heartbeat,
                interval,
                label=f'{request.method} ({incoming.msg_id})',
                first_after=first,
            )
        request.state['kept_alive'] = True
        return True  # watches: 'beat' is set

    def dispatching(self, request: Request) -> bool:
        beat = request.state.get('beat')
        if beat is None:
            return True
        if beat.failed is None and not beat.sent:
            return True
        if request.stamp.heartbeat is None:
            # A stock caller's call_monitor_timeout: it did not ask us to
            # drop its call, and a stock server runs it.
            return True
        # It waited here for at least one heartbeat: a caller that died
        # meanwhile leaves a reply queue that still takes heartbeats. A
        # failed one is no proof either: a caller reconnecting declares
        # its reply queue again.
        waiting = _caller_waiting(request)
        if waiting is False:
            request.dropped = 'its caller is gone (no consumer)'
            return False
        if waiting is None and beat.failed is not None:
            request.dropped = f'its caller is gone ({beat.failed})'
            return False
        return True

    def watches(self, request: Request) -> bool:
        return 'beat' in request.state

    def finished(self, request: Request) -> None:
        beat = request.state.get('beat')
        if beat is None:
            return
        # Before the reply: one more heartbeat if the last one is old.
        beat.finish()
        if beat.sent:  # most calls end before their first heartbeat
            request.services['stats'].add('heartbeats', beat.sent)
        if beat.failures:
            request.services['stats'].add('heartbeats_failed')


def latest_after(
    interval: float, age: float | None, window: float | None
) -> float | None:
    """Seconds until the first heartbeat must leave at the latest.

    The caller gives up after its silence window (``window``, the
    request's ``client_timeout``, else two intervals) counted from its
    send, ``age`` seconds ago; half an interval is left for the
    heartbeat's trip through the broker.
    """
    if age is None:
        return None
    silence = window
    if silence is None or silence <= interval:
        silence = 2 * interval
    return silence - interval / 2 - age


def _caller_waiting(request: Request) -> bool | None:
    waiting = request.services.get('caller_waiting')
    if waiting is None:
        return None
    try:
        return waiting(request.incoming)
    except Exception:
        # Unknown (broker trouble): run it rather than drop a live call.
        LOG.warning('Could not tell whether a caller waits', exc_info=True)
        return None


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return number if number > 0 else None
