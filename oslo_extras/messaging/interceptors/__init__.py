"""Interceptors: the plugins that implement heartbeats and TTL.

An interceptor sees every outgoing message on the client side and every
incoming request on the server side. They are loaded with stevedore from the
``oslo_extras.messaging`` namespace, in the order the application names
them (``heartbeat`` before ``ttl``: the TTL of a call depends on how long
its caller waits)::

    [entry_points]
    oslo_extras.messaging =
        heartbeat = oslo_extras.messaging.interceptors.heartbeat:Heartbeat
        ttl = oslo_extras.messaging.interceptors.ttl:TimeToLive
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import Any

from stevedore import named

from oslo_extras.messaging import _upstream
from oslo_extras.messaging.policy import MessagePolicy
from oslo_extras.messaging.stamp import Stamp

NAMESPACE = 'oslo_extras.messaging'
DEFAULT_INTERCEPTORS = ('heartbeat', 'ttl')


@dataclasses.dataclass
class Outgoing:
    """One message a client is about to send.

    :param method: the RPC method or notification event type
    :param policy: the policy the application declared for it
    :param call: True for a call (a reply is awaited)
    :param timeout: seconds the upstream client waits for the reply
    :param call_monitor_timeout: upstream call monitoring window, or None
    :param silence: seconds without reply or heartbeat before giving up
    :param max_call_time: hard limit of a heartbeating call, or None
    :param fields: the stamp fields written to the request context
    """

    method: str
    policy: MessagePolicy
    call: bool
    timeout: float | None = None
    call_monitor_timeout: float | None = None
    silence: float | None = None
    max_call_time: float | None = None
    fields: dict[str, float] = dataclasses.field(default_factory=dict)

    def stamp(self) -> Stamp:
        return Stamp(
            ttl=self.fields.get('ttl'),
            sent=self.fields.get('sent'),
            heartbeat=self.fields.get('heartbeat'),
        )


@dataclasses.dataclass(init=False)
class Request:
    """One request a server received.

    :param incoming: the driver's incoming message
    :param method: the RPC method asked for
    :param stamp: what the client stamped on it
    :param policy: the policy the server declared for the method
    :param services: the server's shared helpers (heartbeat scheduler,
        statistics) keyed by name
    """

    incoming: Any
    method: str | None
    stamp: Stamp
    policy: MessagePolicy
    services: dict[str, Any]
    received: float = dataclasses.field(default_factory=time.monotonic)
    state: dict[str, Any] = dataclasses.field(default_factory=dict)
    dropped: str | None = None

    def __init__(
        self,
        incoming: Any,
        method: str | None,
        stamp: Stamp,
        policy: MessagePolicy,
        services: dict[str, Any],
        received: float | None = None,
        state: dict[str, Any] | None = None,
        dropped: str | None = None,
    ) -> None:
        # The dataclass's own __init__ with the same defaults, but an empty
        # dict is built inline: every request received comes here.
        self.incoming = incoming
        self.method = method
        self.stamp = stamp
        self.policy = policy
        self.services = services
        self.received = time.monotonic() if received is None else received
        self.state = {} if state is None else state
        self.dropped = dropped

    @property
    def is_call(self) -> bool:
        return _upstream.is_call(self.incoming)


class Interceptor:
    """Base class of the interceptor plugins. Every hook is optional.

    A client runs the :meth:`outgoing` hooks once per method and kind of
    message (call or cast) and reuses the result for the next ones when
    every interceptor it loaded sets :attr:`outgoing_per_method`; with one
    that does not, it runs them all for every message.

    The server never calls a hook a plugin leaves as this class's no-op.
    """

    #: the entry point name, for logs
    name = 'interceptor'
    #: True when :meth:`outgoing` sets the same values for every message
    #: with the same ``method``, ``policy``, ``call``, ``timeout`` and
    #: ``max_call_time`` (and the same values set by the interceptors
    #: before it): nothing per message but a ``sent`` field, the send
    #: time, which the client writes afresh on each message. A subclass
    #: that overrides :meth:`outgoing` must set it again itself.
    outgoing_per_method = False

    def outgoing(self, message: Outgoing) -> None:
        """Adjust an outgoing message (client side, caller's thread)."""

    def received(self, request: Request) -> bool:
        """Called on the listener thread the moment a request arrives.

        :returns: False to drop the request (it is never dispatched)
        """
        return True

    def dispatching(self, request: Request) -> bool:
        """Called on the worker thread just before dispatch.

        :returns: False to drop the request
        """
        return True

    def finished(self, request: Request) -> None:
        """Called once the request is done, whatever the outcome.

        It runs before the reply is sent, after a dropped request too.
        """

    def watches(self, request: Request) -> bool:
        """Say whether :meth:`dispatching` and :meth:`finished` matter.

        Called after :meth:`received`. The server calls both hooks only on
        the interceptors that watch the request (a request without a
        heartbeat has nothing to stop; without a TTL, nothing to check),
        and on all of them for a request it drops. The default is True,
        so a plugin that does not override it sees every hook.
        """
        return True


def plans_per_method(interceptor: Interceptor) -> bool:
    """Say whether ``interceptor`` opted in to send plans for its outgoing.

    The attribute speaks for the ``outgoing`` of the class (or instance)
    that sets it: a subclass of a built-in with an ``outgoing`` of its own
    inherits the attribute, not the promise, and must set it itself.
    """
    if not getattr(interceptor, 'outgoing_per_method', False):
        return False
    own = getattr(interceptor, '__dict__', {})
    if 'outgoing_per_method' in own:
        return True
    if 'outgoing' in own:
        return False
    mro = type(interceptor).__mro__
    flag = next(
        i for i, c in enumerate(mro) if 'outgoing_per_method' in vars(c)
    )
    hook = next(
        (i for i, c in enumerate(mro) if 'outgoing' in vars(c)), len(mro)
    )
    return flag <= hook


def load(names: Sequence[str] = DEFAULT_INTERCEPTORS) -> list[Interceptor]:
    """Load the named interceptors, in that order.

    :param names: entry point names in the ``oslo_extras.messaging``
        namespace
    :raises ValueError: when a name is not installed
    """
    manager = named.NamedExtensionManager(
        NAMESPACE,
        names=list(names),
        invoke_on_load=True,
        name_order=True,
        on_missing_entrypoints_callback=_missing,
    )
    return [ext.obj for ext in manager]


def _missing(names: Sequence[str]) -> None:
    raise ValueError(
        'unknown messaging interceptor(s): '
        + ', '.join(sorted(names))
        + f' (entry points of the {NAMESPACE!r} namespace)'
    )
