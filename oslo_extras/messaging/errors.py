"""What a heartbeating call raises when it gives up (both are upstream's
``MessagingTimeout``, so code written for upstream catches them)."""

from __future__ import annotations

import oslo_messaging


class HeartbeatTimeout(oslo_messaging.MessagingTimeout):
    """A heartbeating call's server fell silent (it died or hangs).

    :param server: the server, or the topic when any server could answer
    :param method: the method called
    :param silence: seconds without a reply or a heartbeat
    """

    def __init__(self, server: str, method: str, silence: float) -> None:
        super().__init__(
            f'No reply or heartbeat from {server} for {silence:g}s while '
            f'calling {method!r}: the server died, hangs or never got '
            'the request'
        )
        self.server = server
        self.method = method
        self.silence = silence


class CallTimeExceeded(oslo_messaging.MessagingTimeout):
    """A heartbeating call ran longer than its total cap.

    The server kept heartbeating, so it is alive but its endpoint did not
    finish: it may hang.

    :param server: the server, or the topic when any server could answer
    :param method: the method called
    :param limit: the cap in seconds (``max_call_time``); 0 for a call
        prepared with ``timeout=0``, which gives up at once
    """

    def __init__(self, server: str, method: str, limit: float) -> None:
        if limit > 0:
            text = (
                f'{server} was still running {method!r} after {limit:g}s '
                '(max_call_time): the endpoint may hang'
            )
        else:
            # prepare(timeout=0): gave up at once, as upstream does; the
            # server was never waited for.
            text = (
                f'no reply from {server} to {method!r}: the total timeout '
                'of the call is 0s, so it gave up at once'
            )
        super().__init__(text)
        self.server = server
        self.method = method
        self.limit = limit
