"""What a heartbeating call raises when it gives up (both are upstream's
``MessagingTimeout``, so code written for upstream catches them), and what
a cast or notification raises when its TTL ran out before it was sent
(upstream's ``MessageDeliveryFailure``)."""

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


class ExpiredBeforeSent(oslo_messaging.MessageDeliveryFailure):
    """A cast or notification whose TTL ran out before the broker took it.

    Its TTL counts from when the send began; upstream retries a publish
    until the broker takes it (``retry=None``), and a message published
    after its TTL would run stale. Upstream's error for a publish that
    could not be done, so code written for upstream catches it. The last
    attempt was not published; an earlier one that failed without the
    broker's confirmation (``attempts``) may still have reached it.

    :param kind: ``'cast'``, ``'fanout cast'`` or ``'notification'``
    :param topic: where it was sent (``topic.server`` for a direct cast)
    :param method: the method or event type, or None where unknown
    :param ttl: the TTL in seconds
    :param elapsed: seconds from the send's start to the attempt refused
    :param attempts: earlier publish attempts, each of which failed
        without the broker's confirmation: one may have reached the broker
        all the same (a connection the broker blocked during a memory or
        disk alarm keeps what was written to it, and enqueues it when the
        alarm clears), so the message may still run
    """

    def __init__(
        self,
        kind: str,
        topic: str,
        method: str | None,
        ttl: float,
        elapsed: float,
        attempts: int = 0,
    ) -> None:
        what = f'{kind} {method!r}' if method is not None else kind
        if attempts:
            tried = (
                f'; {attempts} earlier attempt{"s" if attempts > 1 else ""} '
                "failed without the broker's confirmation and may still "
                'reach it and run'
            )
        else:
            tried = ', the broker had not taken it'
        super().__init__(
            f'{what} to topic {topic!r} not sent: its TTL of {ttl:g}s ran '
            f'out while it was being sent ({elapsed:.3g}s since the send '
            f'began{tried})'
        )
        self.kind = kind
        self.topic = topic
        self.method = method
        self.ttl = ttl
        self.elapsed = elapsed
        self.attempts = attempts
