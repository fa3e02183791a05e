"""An RPC client that stamps TTL and asks for heartbeats, per method."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from collections.abc import Sequence
from typing import Any

import oslo_messaging

from oslo_extras.messaging import _plans
from oslo_extras.messaging import _upstream
from oslo_extras.messaging import interceptors as interceptors_mod
from oslo_extras.messaging import policy as policy_mod
from oslo_extras.messaging import stamp as stamp_mod
from oslo_extras.messaging._serializer import Stamped
from oslo_extras.messaging._serializer import StampingSerializer
from oslo_extras.messaging.drivers import fake as fake_driver
from oslo_extras.messaging.drivers import scope
from oslo_extras.messaging.errors import CallTimeExceeded
from oslo_extras.messaging.errors import HeartbeatTimeout
from oslo_extras.messaging.interceptors import heartbeat as heartbeat_mod
from oslo_extras.messaging.policy import MethodPolicies
from oslo_extras.messaging.policy import PolicyMap

LOG = logging.getLogger(__name__)

__all__ = [
    'CallTimeExceeded',
    'HeartbeatTimeout',
    'RPCClient',
    'get_rpc_client',
]

#: Prepared upstream call contexts a client keeps, at most.
MAX_PREPARED = 32
#: Send plans a client keeps per kind of message, at most: method names
#: are open-ended (past this, a message is planned as it is sent).
MAX_PLANS = 256
#: No total timeout was given in upstream's words (see RPCClient._total).
_NO_TOTAL: Any = object()


def _upstream_attribute(name: str) -> property:
    """Upstream's client attribute ``name``, read from it and, as on
    upstream's client, set on it for later calls and casts (neutron's
    agents set ``client.timeout`` when they are told to stop)."""

    def set_(self: RPCClient, value: Any) -> None:
        self._set_upstream(name, value)

    return property(lambda self: getattr(self._client, name), set_)


class RPCClient:
    """Use :func:`get_rpc_client` to build one."""

    timeout = _upstream_attribute('timeout')
    call_monitor_timeout = _upstream_attribute('call_monitor_timeout')
    version_cap = _upstream_attribute('version_cap')
    retry = _upstream_attribute('retry')
    transport_options = _upstream_attribute('transport_options')

    def __init__(
        self,
        client: Any,
        policies: PolicyMap,
        interceptors: Sequence[interceptors_mod.Interceptor],
        max_call_time: float | None = None,
        response_timeout: float | None = None,
        plans: _plans.Plans | None = None,
        direct: bool = False,
        stock_class: bool = True,
        window: Any = _NO_TOTAL,
        total: Any = _NO_TOTAL,
        monitored: bool = True,
    ) -> None:
        self._client = client
        # The silence window the application declared for heartbeating
        # calls (get_rpc_client's timeout, our documented meaning), and the
        # total timeout it gave in upstream's words (prepare(timeout=), or
        # get_rpc_client(timeout=) with a call_monitor_timeout): see
        # _outgoing().
        self._window = client.timeout if window is _NO_TOTAL else window
        self._total = total
        # The transport's driver takes each message's stamp from this
        # thread (scope.LOCAL.outgoing) rather than from context keys it
        # would pop again: no Stamped context, no keys written and moved.
        self._direct = direct
        self._monitored = monitored  # False: a driver ignoring monitoring
        # Upstream's own RPCClient (and its prepare()d copies); else a
        # client_cls of the application's own, whose call() runs for
        # the calls our plan does not time differently (see _prepared()).
        self._stock_class = stock_class
        self._policies = policies
        self._interceptors = list(interceptors)
        self._max_call_time = max_call_time
        # rpc_response_timeout as plans read it, once (each read through
        # upstream's ConfigOptsProxy costs a few Python calls); calls with
        # no timeout let upstream read it (see _plan()).
        self._response_timeout = response_timeout
        # Upstream call contexts by (timeout, call_monitor_timeout): few
        # distinct pairs (one per method policy), and prepare() per call
        # costs a Target copy.
        self._calls: dict[tuple[Any, Any], Any] = {}
        # Policy, interceptor hooks and stamp fields of a message depend
        # on its method and kind only (and a call's on the timeout): they
        # are worked out on the first message and reused, with a fresh
        # send time (see Interceptor.outgoing_per_method).
        if plans is None:
            plans = _plans.Plans(
                all(map(interceptors_mod.plans_per_method, self._interceptors))
            )
        self._plans = plans
        self._call_plans = plans.calls(
            (
                client.timeout,
                _call_monitor_timeout(client),
                self._window,
                self._total,
            )
        )
        self._cast_plans = plans.casts
        # The upstream context casts go through (see _cast_context()).
        self._cast_client: Any = None

    @property
    def target(self) -> Any:
        return self._client.target

    @target.setter
    def target(self, target: Any) -> None:
        self._set_upstream('target', target)

    @property
    def serializer(self) -> Any:
        """The application's serializer, as upstream's client has it (a
        service builds more clients with it: nova's ``ClientRouter``)."""
        serializer = self._client.serializer
        if isinstance(serializer, StampingSerializer):
            return serializer.inner
        return serializer

    @serializer.setter
    def serializer(self, serializer: Any) -> None:
        if isinstance(self._client.serializer, StampingSerializer):
            serializer = StampingSerializer(serializer)
        self._set_upstream('serializer', serializer)

    def _set_upstream(self, name: str, value: Any) -> None:
        client = self._client
        setattr(client, name, value)
        if name == 'timeout':
            self._total = value  # upstream's total, as prepare(timeout=)
        # Contexts and plans made with the old value are left behind.
        self._calls = {}
        self._cast_client = None
        self._call_plans = self._plans.calls(
            (client.timeout, _call_monitor_timeout(client))
            + (self._window, self._total)
        )

    def __getattr__(self, name: str) -> Any:
        # Upstream's other attributes (transport, conf...), read by
        # services. Only names this class lacks come here: no cost per
        # message.
        if name.startswith('__') or name == '_client':
            raise AttributeError(name)
        return getattr(self._client, name)

    def prepare(self, **kwargs: Any) -> RPCClient:
        """Like upstream's ``prepare()``; keeps heartbeats and TTL.

        ``timeout`` keeps upstream's meaning, the total time a call waits,
        and ``call_monitor_timeout`` its silence window, with or without a
        heartbeat policy on the method.
        """
        return RPCClient(
            self._client.prepare(**kwargs),
            self._policies,
            self._interceptors,
            self._max_call_time,
            self._response_timeout,
            self._plans,
            self._direct,
            self._stock_class,
            self._window,
            kwargs['timeout'] if 'timeout' in kwargs else self._total,
            self._monitored,
        )

    def _default_timeout(self) -> float:
        timeout = self._response_timeout
        if timeout is None:
            timeout = self._client.conf.rpc_response_timeout
            self._response_timeout = timeout
        return timeout

    def _prepared(self, timeout: Any, call_monitor_timeout: Any) -> Any:
        key = (timeout, call_monitor_timeout)
        client = self._calls.get(key)
        if client is None:
            own = self._client
            if (
                not self._stock_class
                and key[1] == _call_monitor_timeout(own)
                and key[0]
                in (own.timeout, own.timeout or self._default_timeout())
            ):
                # What its own call() would use: let it run (neutron's
                # BackingOffClient backs off only contexts prepared
                # without a timeout; a subclass's call() was bypassed).
                client = own
            else:
                client = own.prepare(
                    timeout=timeout, call_monitor_timeout=call_monitor_timeout
                )
            if len(self._calls) < MAX_PREPARED:
                self._calls[key] = client
        return client

    def can_send_version(self, *args: Any, **kwargs: Any) -> bool:
        return self._client.can_send_version(*args, **kwargs)

    def _outgoing(self, method: str, call: bool) -> interceptors_mod.Outgoing:
        policy = self._policies.resolve(method)
        timeout = None
        call_monitor_timeout = None
        max_call_time = None
        if call:
            # Upstream's meaning: the total and, when given to
            # get_rpc_client() or prepare(), the silence window.
            timeout = self._client.timeout
            call_monitor_timeout = _call_monitor_timeout(self._client)
            if policy.heartbeat is None:
                if timeout is None:
                    timeout = self._default_timeout()
            else:
                # The window the heartbeat interceptor starts from when no
                # call_monitor_timeout was given (our documented meaning).
                timeout = self._window
                max_call_time = self._max_call_time_of_heartbeating_calls()
        message = interceptors_mod.Outgoing(
            method=method,
            policy=policy,
            call=call,
            timeout=timeout,
            call_monitor_timeout=call_monitor_timeout,
            max_call_time=max_call_time,
        )
        for interceptor in self._interceptors:
            interceptor.outgoing(message)
        return message

    def _max_call_time_of_heartbeating_calls(self) -> float:
        """The total a heartbeating call waits: finite, as upstream's.

        A total given in upstream's words is kept (a call never ends
        earlier than upstream would end it), or the declared
        ``max_call_time`` when longer; else ``max_call_time``, by default
        ``rpc_response_timeout``. A total of 0 is upstream's too (its
        drivers give up at once), not "unset".
        """
        declared = self._max_call_time
        if self._total is _NO_TOTAL:
            return declared or self._default_timeout()
        total = self._total
        if total is None:
            total = self._default_timeout()
        return max(total, declared) if declared else total

    def _plan(self, method: str, call: bool) -> _plans.Plan:
        """Plan the messages of ``method``; kept when the hooks allow."""
        plans = self._call_plans if call else self._cast_plans
        reusable = self._plans.reusable
        message = self._outgoing(method, call)
        plan = _plans.Plan(message, fresh_sent=reusable)
        if plan.silence and not self._monitored:
            # No silence ends the call: an earlier timeout is the server's.
            plan.silence = plan.timeout
        elif call and not plan.silence and self._client.timeout is None:
            # Upstream reads rpc_response_timeout on each call (a test
            # overrides it): so does the context this call goes through.
            if message.timeout == self._response_timeout:
                plan.key = (None, message.call_monitor_timeout)
        if reusable and len(plans) < MAX_PLANS:
            plans[method] = plan
        return plan

    def _cast_context(self) -> Any:
        client = self._client
        if type(client) is oslo_messaging.RPCClient:
            # Its cast() prepares a copy of itself for every message (a
            # subclass's own cast() is left to run).
            client = client.prepare()
        self._cast_client = client
        return client

    def cast(self, ctxt: Any, method: str, **kwargs: Any) -> None:
        """Send ``method`` without waiting; it expires after its TTL."""
        plan = self._cast_plans.get(method)
        if plan is None:
            plan = self._plan(method, call=False)
        client = self._cast_client
        if client is None:
            client = self._cast_context()
        sent = stamp_mod.now() if plan.fresh_sent else None
        if not self._direct:
            client.cast(Stamped(ctxt, plan.stamp, sent), method, **kwargs)
            return
        local = scope.LOCAL
        previous = local.outgoing
        local.outgoing = (plan.wire, sent)
        try:
            client.cast(ctxt, method, **kwargs)
        finally:
            local.outgoing = previous

    def call(self, ctxt: Any, method: str, **kwargs: Any) -> Any:
        """Call ``method`` and wait for its result.

        With a heartbeat, the call waits as long as the server heartbeats
        and raises :class:`HeartbeatTimeout` once nothing came for the
        silence window (``call_monitor_timeout`` when given, else the
        client's ``timeout``, twice the heartbeat by default), and
        :class:`CallTimeExceeded` after its total (a prepared ``timeout``,
        or ``max_call_time``).
        """
        plan = self._call_plans.get(method)
        if plan is None:
            plan = self._plan(method, call=True)
        client = self._calls.get(plan.key)
        if client is None:
            client = self._prepared(*plan.key)
        sent = stamp_mod.now() if plan.fresh_sent else None
        if self._direct:
            local = scope.LOCAL
            previous = local.outgoing
            local.outgoing = (plan.wire, sent)
        else:
            ctxt = Stamped(ctxt, plan.stamp, sent)
        silence = plan.silence
        # Read only to tell a silence from the total cap (and from the
        # server's own timeout, see below).
        started = time.monotonic() if silence else 0.0
        try:
            return client.call(ctxt, method, **kwargs)
        except oslo_messaging.MessagingTimeout as exc:
            if (
                not silence
                or _upstream.is_remote_exception(exc)
                or getattr(exc, fake_driver.REPLIED, False)
            ):
                # The server replied: its endpoint raised a timeout.
                raise
            elapsed = time.monotonic() - started
            if elapsed < silence and elapsed < (plan.timeout or 0):
                # Neither the window nor the cap can have ended yet: the
                # server's own, raised as it was (the fake drivers).
                raise
            server = _server_name(self._client.target)
            if elapsed < (plan.timeout or 0):
                raise HeartbeatTimeout(server, method, silence) from exc
            raise CallTimeExceeded(server, method, plan.timeout) from exc
        finally:
            if self._direct:
                local.outgoing = previous


def _warn_about_stock_windows(
    policies: PolicyMap, timeout: float | None
) -> None:
    for name in ['', *policies.methods]:
        interval = policies.resolve(name or None).heartbeat
        if interval is None:
            continue
        why = heartbeat_mod.rounding_warning(interval, timeout)
        if why:
            LOG.warning('%s%s', f'method {name!r}: ' if name else '', why)


def _takes_outgoing_stamp(transport: Any, client: Any) -> bool:
    """Say whether ``client``'s messages can hand their stamp to the driver.

    Only upstream's own ``RPCClient``, which publishes on the caller's
    thread (guarded in tests), on a driver of ours that takes it; other
    drivers (kafka) and client classes get it in the context.
    """
    if type(client) is not oslo_messaging.RPCClient or not isinstance(
        transport, oslo_messaging.Transport
    ):
        return False
    driver = _upstream.transport_driver(transport)
    return getattr(driver, 'takes_outgoing_stamp', False) is True


def _call_monitor_timeout(client: Any) -> Any:
    """The upstream client's ``call_monitor_timeout`` (None if it has none:
    a ``client_cls`` of the application's own)."""
    return getattr(client, 'call_monitor_timeout', None)


def _server_name(target: Any) -> str:
    if target.server:
        return f'server {target.server!r} (topic {target.topic!r})'
    return f'the server of topic {target.topic!r} that took the call'


def get_rpc_client(
    transport: Any,
    target: Any,
    *,
    heartbeat: float | None = None,
    ttl: float | None = None,
    methods: MethodPolicies | None = None,
    timeout: float | None = None,
    max_call_time: float | None = None,
    serializer: Any = None,
    interceptors: Iterable[str] = interceptors_mod.DEFAULT_INTERCEPTORS,
    **kwargs: Any,
) -> RPCClient:
    """Build an RPC client whose messages carry heartbeats and TTL.

    :param transport: an RPC transport, preferably from
        :func:`oslo_extras.messaging.get_rpc_transport`
    :param target: the default target of calls and casts
    :param heartbeat: ask servers for a heartbeat every so many seconds
        during calls (fractions allowed)
    :param ttl: seconds a call or cast may wait before a server starts it;
        a call's TTL is at most what its caller waits
    :param methods: per-method ``{name: dict(heartbeat=, ttl=)}``
    :param timeout: seconds a call waits for its reply or, with a
        heartbeat, for the next heartbeat (twice the heartbeat when unset
        or not longer than the heartbeat); with a ``call_monitor_timeout``
        in ``kwargs``, upstream's total instead (that is the window)
    :param max_call_time: total limit of a heartbeating call, reported as
        :class:`CallTimeExceeded` (default ``rpc_response_timeout``, as
        upstream's total ``timeout``); a total given in upstream's words
        (``prepare(timeout=)``) is kept when longer
    :param serializer: an optional entity serializer
    :param interceptors: the interceptor plugins to load, in order
    :param kwargs: passed to ``oslo_messaging.get_rpc_client``
    """
    policies = PolicyMap.declared(heartbeat, ttl, methods)
    if max_call_time is not None:
        # Refused here, not on every heartbeating call ('60' from a
        # config file once failed each call with a TypeError).
        max_call_time = policy_mod.seconds('max_call_time', max_call_time)
    # Upstream registers the tracing options on the global CONF only.
    _upstream.register_opts(transport.conf)
    # With a call_monitor_timeout, code written for upstream: timeout is
    # upstream's total, the window is call_monitor_timeout.
    upstream_words = kwargs.get('call_monitor_timeout') is not None
    if not upstream_words:
        _warn_about_stock_windows(policies, timeout)
    client = oslo_messaging.get_rpc_client(
        transport,
        target,
        timeout=timeout,
        serializer=StampingSerializer(serializer),
        **kwargs,
    )
    return RPCClient(
        client,
        policies,
        interceptors_mod.load(tuple(interceptors)),
        max_call_time,
        direct=_takes_outgoing_stamp(transport, client),
        monitored=not fake_driver.ignores_call_monitoring(transport),
        stock_class=type(client) is oslo_messaging.RPCClient,
        window=None if upstream_words else timeout,
        total=timeout if upstream_words else _NO_TOTAL,
    )
