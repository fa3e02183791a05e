"""What an application declares: heartbeat interval and message TTL.

The service chooses these in code, per target and per method, when it
creates its RPC client, RPC server or notifier. No configuration option
controls them: an operator cannot tell how long a method may run.
"""

from __future__ import annotations

import dataclasses
import decimal
import math
import numbers
import sys
from collections.abc import Mapping

#: The longest TTL, in seconds: ten years, the longest AMQP ``expiration``
#: and ``x-message-ttl`` RabbitMQ takes (a longer one fails every publish
#: and queue declaration with ``PRECONDITION_FAILED``; infinity cannot be
#: sent at all).
MAX_TTL = 10 * 365 * 86400


@dataclasses.dataclass(frozen=True)
class MessagePolicy:
    """Heartbeat and TTL for one target or one method.

    :param heartbeat: seconds between two server heartbeats of a call
        (fractions allowed); ``None`` for no heartbeats
    :param ttl: seconds a message may wait before a server starts it
        (at most :data:`MAX_TTL`); ``None`` for no TTL
    """

    heartbeat: float | None = None
    ttl: float | None = None

    def __post_init__(self) -> None:
        for name in ('heartbeat', 'ttl'):
            value = getattr(self, name)
            if value is not None:
                # Kept as a float: a Decimal, Fraction or numpy number
                # would fail later, in arithmetic with floats or on the
                # wire, on every call of a client or server built fine.
                object.__setattr__(self, name, seconds(name, value))

    def merged(self, other: MessagePolicy | None) -> MessagePolicy:
        """Return this policy with ``other``'s values where it sets them."""
        if other is None:
            return self
        return MessagePolicy(
            heartbeat=(
                other.heartbeat
                if other.heartbeat is not None
                else self.heartbeat
            ),
            ttl=other.ttl if other.ttl is not None else self.ttl,
        )


def _number(name: str, value: object, limit: str) -> float:
    """``value`` as a float, or the TypeError naming its type only."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (numbers.Real, decimal.Decimal))
        or _is_numpy_duration(value)
    ):
        raise _no_number(name, value, limit)
    try:
        return float(value)
    except OverflowError:  # an int or a Fraction too big for a float
        return math.inf
    except (ValueError, ArithmeticError):  # a signaling Decimal NaN
        return math.nan
    except TypeError:  # a registered Real that float() does not take
        raise _no_number(name, value, limit) from None


def _no_number(name: str, value: object, limit: str) -> TypeError:
    return TypeError(
        f'{name} must be a number of seconds ({limit}), '
        f'got a {type(value).__name__}'
    )


def _is_numpy_duration(value: object) -> bool:
    """numpy registers ``timedelta64`` as an integer: ``float()`` of one
    is its count in its own unit (30 ns would be 30 s), or a TypeError."""
    numpy = sys.modules.get('numpy')  # never imported here
    timedelta64 = getattr(numpy, 'timedelta64', None)
    return timedelta64 is not None and isinstance(value, timedelta64)


def seconds(name: str, value: object) -> float:
    """``value`` as seconds, or the error saying the limit and the value
    (a value that is no number is named by its type only: it may be
    anything, a secret read from the wrong place included)."""
    seconds = _number(name, value, '> 0')
    if not seconds > 0:  # NaN too
        raise ValueError(f'{name} must be > 0 seconds, got {_shown(value)}')
    if name == 'ttl' and not seconds <= MAX_TTL:
        raise ValueError(
            f'ttl must be at most {MAX_TTL} seconds (ten years, '
            f"RabbitMQ's longest), got {_shown(value)}"
        )
    if not math.isfinite(seconds):
        raise ValueError(
            f'{name} must be a finite number of seconds, got {_shown(value)}'
        )
    return seconds


def clock_skew(value: object) -> float:
    """``value`` as a clock-skew allowance: finite seconds, 0 or more.

    A server or listener takes it when built: a string or a negative
    allowance would otherwise fail, or drop every message, on the first
    message that is checked against its sender's clock.
    """
    skew = _number('clock_skew', value, '>= 0')
    if skew == 0 and value < 0:  # type: ignore[operator]
        # A Decimal or Fraction too close to 0 for a float: -0.0.
        skew = -1.0
    if not (skew >= 0 and math.isfinite(skew)):  # NaN too
        raise ValueError(
            'clock_skew must be a finite number of seconds >= 0, '
            f'got {_shown(value)}'
        )
    return skew


def _shown(value: object) -> str:
    try:
        shown = repr(value)
    except ValueError:  # an int past Python's digit limit for str()
        if isinstance(value, int):
            return f'an int of {value.bit_length()} bits'
        # A Fraction (or Decimal-like) made of such ints.
        return f'a {type(value).__name__} too long to print'
    if len(shown) > 40:
        shown = f'{shown[:20]}...{shown[-8:]} ({len(shown)} characters)'
    return shown


MethodPolicies = Mapping[str, 'MessagePolicy | Mapping[str, float | None]']


def _built(
    value: MessagePolicy | Mapping[str, float | None], whose: str
) -> MessagePolicy:
    """``value`` as a policy; a value it refuses names ``whose`` it is
    (a client declares many: the limit and the value alone do not say
    which method's was wrong)."""
    if isinstance(value, MessagePolicy):
        return value
    try:
        return MessagePolicy(**value)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f'{whose}: {exc}') from None


class PolicyMap:
    """A target's default policy and its per-method overrides.

    :param default: the policy of every method of the target
    :param methods: ``{method: MessagePolicy or dict(heartbeat=, ttl=)}``
    :param kind: what the keys of ``methods`` are, as a refused value's
        error names them (``'event type'`` for notifications)
    """

    def __init__(
        self,
        default: MessagePolicy | None = None,
        methods: MethodPolicies | None = None,
        kind: str = 'method',
    ) -> None:
        self.default = default or MessagePolicy()
        self.methods = {
            name: _built(value, f'{kind} {name!r}')
            for name, value in (methods or {}).items()
        }

    @classmethod
    def declared(
        cls,
        heartbeat: float | None = None,
        ttl: float | None = None,
        methods: MethodPolicies | None = None,
        kind: str = 'method',
    ) -> PolicyMap:
        """The policies an application passed to a client, server,
        notifier or listener: ``heartbeat`` and ``ttl`` are the default
        policy's (so named when refused)."""
        default = _built(
            {'heartbeat': heartbeat, 'ttl': ttl}, 'default policy'
        )
        return cls(default, methods, kind)

    def resolve(self, method: str | None) -> MessagePolicy:
        """Return the policy that applies to ``method``."""
        if not self.methods:
            return self.default  # most targets; every message asks
        try:
            return self.default.merged(self.methods.get(method or ''))
        except TypeError:
            # Unhashable (a list from a crafted message): no method's own;
            # what it then fails with is upstream's to say, as on a stock
            # listener or server.
            return self.default

    @property
    def empty(self) -> bool:
        return self.default == MessagePolicy() and not self.methods
