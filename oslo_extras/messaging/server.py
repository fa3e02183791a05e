"""An RPC server that heartbeats from receipt and never runs stale work.

Built on upstream's ``RPCServer`` with the threading executor: the
interceptors see each request on the listener thread when it arrives
(heartbeats start there, expired messages are dropped there), again on the
worker thread before dispatch, and once more when dispatch ends, whatever
the outcome, before the reply leaves.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from collections.abc import Sequence
from typing import Any

from oslo_messaging.rpc import dispatcher as rpc_dispatcher

from oslo_extras.messaging import _batches
from oslo_extras.messaging import _heartbeats
from oslo_extras.messaging import _receipt
from oslo_extras.messaging import _upstream
from oslo_extras.messaging import _workers
from oslo_extras.messaging import interceptors as interceptors_mod
from oslo_extras.messaging import policy as policy_mod
from oslo_extras.messaging.drivers import scope
from oslo_extras.messaging.policy import MethodPolicies
from oslo_extras.messaging.policy import PolicyMap
from oslo_extras.messaging.stamp import Stamp
from oslo_extras.messaging.stats import Stats

LOG = logging.getLogger(__name__)

#: Seconds callers' clocks may be off from this host's by default. Only the
#: sender-clock check uses it, and only where no broker enforced the TTL
#: (RabbitMQ does, relative to enqueueing, whatever the clocks say).
DEFAULT_CLOCK_SKEW = 5.0


#: Upstream's methods, called directly: ``super()`` costs a call per use.
#: Dispatch builds no watchdog thread for a message that has none to run
#: (see _upstream.dispatch).
_UPSTREAM_DISPATCH = _upstream.dispatch
_UPSTREAM_ON_INCOMING = _upstream.RPCServer._on_incoming
_UPSTREAM_PROCESS_INCOMING = _upstream.RPCServer._process_incoming


class _Dispatcher(rpc_dispatcher.RPCDispatcher):
    """Runs the ``finished`` hooks when dispatch ends, on every outcome.

    Upstream sends the reply right after dispatch returns: the hooks run
    before it. ``finishing`` holds only the requests some interceptor has
    a ``finished`` hook for; the others cost one dict test.
    """

    def __init__(
        self, finishing: dict[Any, _receipt.Watched], *args, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self._finishing = finishing

    def dispatch(self, incoming):
        if not self._finishing:
            # Registered before dispatch, by this thread: not one of ours.
            return _UPSTREAM_DISPATCH(self, incoming)
        try:
            return _UPSTREAM_DISPATCH(self, incoming)
        finally:
            watched = self._finishing.pop(incoming, None)
            if watched is not None:
                # _receipt.run_finished() inline: every heartbeated call
                # comes here.
                request = watched[0]
                for interceptor in watched[2]:
                    try:
                        interceptor.finished(request)
                    except Exception:
                        LOG.exception('%s failed to finish', interceptor.name)


class RPCServer(_upstream.RPCServer):
    """Use :func:`get_rpc_server` to build one."""

    def __init__(
        self,
        transport: Any,
        target: Any,
        endpoints: list[Any],
        *,
        policies: PolicyMap,
        interceptors: Sequence[interceptors_mod.Interceptor],
        dead_letter: bool = False,
        clock_skew: float = DEFAULT_CLOCK_SKEW,
        serializer: Any = None,
        access_policy: Any = None,
        executor: str | None = None,
    ) -> None:
        # Refused here, not on the first message checked against it.
        clock_skew = policy_mod.clock_skew(clock_skew)
        # Requests whose finished hooks must run before their reply, from
        # dispatch (worker thread) until it ends (see _Dispatcher).
        self._finishing: dict[Any, _receipt.Watched] = {}
        dispatcher = _Dispatcher(
            self._finishing, endpoints, serializer, access_policy
        )
        # Upstream picks the executor (threading, or eventlet when the
        # process is monkey-patched) and rejects unknown ones, as it would.
        super().__init__(transport, target, dispatcher, executor)
        #: our own copy: upstream keeps its target in a private attribute
        self._topic = target.topic
        self._policies = policies
        # Resolved once: only the methods named in the map differ from the
        # default, so this never grows.
        self._default_policy = policies.default
        self._method_policies = {
            name: policies.resolve(name) for name in policies.methods
        }
        self._interceptors = list(interceptors)
        self._receipt = _receipt.ReceiptPlan(self._interceptors)
        self._dead_letter = dead_letter
        # Watched requests and their watchers by incoming message: added by
        # the listener thread, removed by the worker that processes it
        # (every submitted message is processed, even by a stopping
        # server). A plain dict: its single operations are atomic, so it
        # needs no lock, and it costs no Python-level call per message,
        # which a WeakKeyDictionary and a lock did (five per request).
        # Requests no interceptor has a hook to run for are not added.
        self._requests: dict[Any, _receipt.Watched] = {}
        #: counters: ``expired`` (dropped), ``heartbeats`` (sent)
        self.stats = Stats()
        driver = _upstream.transport_driver(transport)
        scheduler = _heartbeats.HeartbeatScheduler(
            f'heartbeats-{target.topic}'
        )
        send_heartbeats = getattr(driver, 'send_heartbeats', None)
        self._services = {
            'heartbeats': scheduler,
            # One heartbeat per reply queue for callers that take them.
            'batches': (
                _batches.Batches(scheduler, send_heartbeats)
                if send_heartbeats is not None
                else None
            ),
            'stats': self.stats,
            'clock_skew': clock_skew,
            # The queues' x-message-ttl on RabbitMQ (see ttl.broker_measured).
            'queue_ttl': policies.default.ttl,
            'caller_waiting': getattr(driver, 'caller_waiting', None),
        }

    def heartbeat_lateness(self) -> list[float]:
        """Seconds after its due time each recent heartbeat was confirmed."""
        return list(self._services['heartbeats'].lateness)

    def _create_listener(self):
        options = scope.QueueOptions(
            topic=self._topic,
            ttl=self._policies.default.ttl,
            dead_letter=self._dead_letter,
        )
        if self.executor_type == 'threading':
            # start() built the pool and consumes next: start the pool's
            # threads now, not on the listener thread during a burst (see
            # _workers); green threads cost nothing to start.
            _workers.start_workers(_upstream.work_executor(self))
        if self._services['batches'] is not None:
            # Connect now, not on the first batch during a burst, when a
            # connection takes a second to open on a busy machine.
            driver = _upstream.transport_driver(self.transport)
            driver.open_heartbeat_connection()
        scheduler = self._services['heartbeats']
        # start() calls this, a restart too.
        scheduler.reopen()
        with scope.queue_options(options):
            listener = super()._create_listener()
        # wait() releases the server's resources once its work is done:
        # the heartbeat threads too, not after IDLE_EXIT of idling.
        _upstream.after_cleanup(listener, scheduler.close)
        return listener

    def _on_incoming(self, incoming):
        # Listener thread, at receipt: before any executor queueing.
        message = incoming[0]
        request = None
        dispatchers: tuple = ()
        finishers: tuple = ()
        dropped = False
        fused = self._receipt.fused
        # A hook that raises, or a request that cannot be read, is answered
        # as upstream answers an endpoint that raises (see _fail); what the
        # hooks before it started (heartbeats) must end. A try costs
        # nothing until something raises.
        try:
            method = message.message.get('method')
            policy = self._default_policy
            if self._method_policies:
                try:
                    policy = self._method_policies.get(method or '', policy)
                except TypeError:
                    pass  # unhashable: upstream's dispatcher answers it
            request = interceptors_mod.Request(
                message,
                method,
                Stamp.take(message.ctxt, message.message),
                policy,
                self._services,
            )
            if fused is not None:
                # The built-in interceptors (see _receipt.ReceiptPlan),
                # inline: every request comes here.
                for interceptor, receive, dispatches, finishes in fused:
                    if receive is not None:
                        watching = receive(request)
                        if watching is None:
                            dropped = True
                            break
                        if not watching:
                            continue
                    # Tuples grown with +: no Python-level call, unlike
                    # append.
                    if dispatches:
                        dispatchers += (interceptor,)
                    if finishes:
                        finishers += (interceptor,)
            else:
                watched = self._receipt.receive(request)
                if watched is None:
                    dropped = True
                else:
                    dispatchers, finishers = watched
        except Exception:
            # Answered by a worker: a reply can wait a minute for a missing
            # reply queue, the listener must not.
            failure = self._fail(message, request, None)
            _upstream.work_executor(self).submit(
                _answer_failure, message, failure
            )
            return
        except BaseException:
            if request is not None:
                _receipt.run_finished(request, self._receipt.finishers)
                _replied(request)
            raise
        if dropped:
            self._drop(request)
            return
        if not (dispatchers or finishers):
            # Nothing to run at dispatch or to end: the stock path.
            _UPSTREAM_ON_INCOMING(self, incoming)
            return
        self._requests[message] = (request, dispatchers, finishers)
        try:
            _UPSTREAM_ON_INCOMING(self, incoming)
        except BaseException:
            # Never submitted: no worker will remove it.
            self._requests.pop(message, None)
            raise

    def _process_incoming(self, incoming):
        message = incoming[0]
        # Registered before it was handed to this worker.
        watched = self._requests.pop(message, None)
        if watched is None:
            return _UPSTREAM_PROCESS_INCOMING(self, incoming)
        request, dispatchers, finishers = watched
        if finishers:
            # The dispatcher runs them once dispatch ends, before the reply.
            self._finishing[message] = watched
        try:
            for interceptor in dispatchers:
                try:
                    dispatch = interceptor.dispatching(request)
                except Exception:
                    failure = self._fail(
                        message, request, (interceptor, 'dispatching')
                    )
                    _answer_failure(message, failure)
                    return
                if not dispatch:
                    self._drop(request)
                    return
            _UPSTREAM_PROCESS_INCOMING(self, incoming)
        finally:
            # Dispatch may not have happened (failed acknowledge, a failing
            # hook): heartbeats must stop whatever happened.
            if finishers and self._finishing.pop(message, None) is not None:
                _receipt.run_finished(request, finishers)
            if request.state:
                # _replied() inline: every heartbeated call comes here.
                replied = getattr(request.state.get('beat'), 'replied', None)
                if replied is not None:
                    replied()

    def _fail(
        self,
        incoming: Any,
        request: interceptors_mod.Request | None,
        hook: tuple[interceptors_mod.Interceptor, str] | None,
    ) -> Any:
        """End a request a hook raised for, or one that could not be read.

        Called in the ``except`` block: ends it as a dropped request
        (every interceptor's ``finished`` hook, so heartbeats stop before
        the answer), logs it once and returns the failure to answer with
        (see :func:`_answer_failure`).

        :param hook: the interceptor and hook that raised; None: found in
            the traceback (a receipt hook), if any
        """
        failure = sys.exc_info()
        if request is not None:
            self._requests.pop(incoming, None)
            self._finishing.pop(incoming, None)
            _receipt.run_finished(request, self._receipt.finishers)
            _replied(request)
        if hook is None:
            hook = _receipt.failed_hook(failure[2])
        if hook is None:
            what = 'Could not read the request'
        else:
            what = f"{hook[0].name!r} interceptor's {hook[1]} hook failed"
        call = _upstream.is_call(incoming)
        LOG.exception(
            '%s on %s %r (topic %r): %s',
            what,
            'call' if call else 'cast',
            request.method if request is not None else None,
            self._topic,
            'the caller gets the error' if call else 'dropped',
        )
        return failure

    def _drop(self, request: interceptors_mod.Request) -> None:
        self._requests.pop(request.incoming, None)
        self._finishing.pop(request.incoming, None)
        # Every interceptor's, watching or not.
        _receipt.run_finished(request, self._receipt.finishers)
        _replied(request)
        self.stats.add('expired')
        kind = 'call' if request.is_call else 'cast'
        LOG.warning(
            'Dropped expired %s %r on topic %r without running it: %s',
            kind,
            request.method,
            self._topic,
            request.dropped,
        )
        try:
            request.incoming.acknowledge()
        except Exception:
            LOG.warning('Could not acknowledge dropped message', exc_info=1)
        if self._dead_letter:
            self._send_to_dead_letters(request)

    def _send_to_dead_letters(self, request: interceptors_mod.Request):
        driver = _upstream.transport_driver(self.transport)
        dead_letter = getattr(driver, 'dead_letter', None)
        if dead_letter is None:
            return  # only the rabbit-extras driver keeps dead letters
        ctxt = {
            key: value
            for key, value in request.incoming.ctxt.items()
            # what the AMQP driver unpacked into the context
            if key not in ('msg_id', 'reply_q', 'client_timeout')
        }
        request.stamp.write(ctxt)
        try:
            dead_letter(self._topic, ctxt, request.incoming.message)
        except Exception:
            LOG.warning(
                'Could not keep dropped %r in the dead-letter queue',
                request.method,
                exc_info=True,
            )


def _answer_failure(incoming: Any, failure: Any) -> None:
    """Answer ``incoming`` with ``failure`` as upstream answers an error.

    As ``RPCServer._process_incoming`` does for an endpoint that raises:
    acknowledge the message once (when that fails, nothing more), then
    reply with the failure (a no-op for a cast). Runs on a worker thread.
    """
    try:
        incoming.acknowledge()
    except Exception:
        LOG.exception('Can not acknowledge message. Skip processing')
        return
    try:
        incoming.reply(failure=failure)
    except Exception:
        LOG.exception('Can not send reply for message')


def _replied(request: interceptors_mod.Request) -> None:
    """The reply of ``request`` left or never will: end its heartbeats.

    Batched heartbeats (``_batches.Member``) last until then; a call's own
    heartbeats ended before its reply.
    """
    replied = getattr(request.state.get('beat'), 'replied', None)
    if replied is not None:
        replied()


def get_rpc_server(
    transport: Any,
    target: Any,
    endpoints: list[Any],
    *,
    heartbeat: float | None = None,
    ttl: float | None = None,
    methods: MethodPolicies | None = None,
    dead_letter: bool = False,
    clock_skew: float = DEFAULT_CLOCK_SKEW,
    serializer: Any = None,
    access_policy: Any = None,
    interceptors: Iterable[str] = interceptors_mod.DEFAULT_INTERCEPTORS,
    executor: str | None = None,
) -> RPCServer:
    """Build an RPC server (threading executor) with heartbeats and TTL.

    :param transport: an RPC transport, preferably from
        :func:`oslo_extras.messaging.get_rpc_transport`
    :param target: the topic (and server) to listen on
    :param endpoints: the endpoint objects
    :param heartbeat: longest heartbeat interval for callers that ask for
        heartbeats (they choose theirs; this caps it)
    :param ttl: drop messages older than this, whatever the client said;
        on RabbitMQ also the queue's ``x-message-ttl``
    :param methods: per-method ``{name: dict(heartbeat=, ttl=)}``
    :param dead_letter: on RabbitMQ, expired messages go to the
        ``<topic>.dead`` queue instead of vanishing, both those the broker
        expires and those this server drops
    :param clock_skew: seconds the clocks of callers may be ahead of or
        behind this host's (a finite number, 0 or more); widens the
        wall-clock TTL check, which applies only where no broker enforced
        the TTL (not on RabbitMQ)
    :param serializer: an optional entity serializer
    :param access_policy: an optional ``RPCAccessPolicyBase`` subclass
    :param interceptors: the interceptor plugins to load, in order
    :param executor: as upstream's (deprecated) ``executor``: None picks
        what upstream picks; ``'threading'`` or ``'eventlet'``
    """
    return RPCServer(
        transport,
        target,
        endpoints,
        policies=PolicyMap.declared(heartbeat, ttl, methods),
        interceptors=interceptors_mod.load(tuple(interceptors)),
        dead_letter=dead_letter,
        clock_skew=clock_skew,
        serializer=serializer,
        access_policy=access_policy,
        executor=executor,
    )
