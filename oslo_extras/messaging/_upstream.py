"""The only place oslo_extras.messaging touches oslo.messaging internals.

``tests/unit/messaging/test_upstream.py`` fails loudly when one of these
changes upstream (one guard test per numbered entry, named after it);
``specs/messaging-heartbeat-ttl.rst`` ("Upstream internals") lists the
same entries. Each is here because no public API does the job: RPC
servers, dispatchers, serializers and the ``oslo.messaging.drivers``
entry point are public, but the hooks below are not.

Subclass overrides
  1. ``MessageHandlingServer._on_incoming(incoming)`` (listener thread, at
     receipt), ``_process_incoming(incoming)`` (worker) and
     ``_create_listener()`` (declares the queues): receipt-time
     heartbeats and TTL checks, for the RPC server and the notification
     listener (``RPCServer``, below).
  2. ``impl_rabbit.RabbitDriver`` and ``impl_rabbit.Connection`` (the
     ``rabbit-extras`` driver): ``Connection._publish(exchange, msg,
     routing_key, timeout, transport_options)`` turns ``timeout`` into AMQP
     ``expiration``; ``Connection.declare_consumer(consumer)`` sees each
     ``Consumer`` (``type``, ``queue_name``, ``queue_arguments``) before
     it is declared. The driver's ``send()`` calls
     ``AMQPDriverBase._send()`` directly, as upstream's ``send()`` only
     does. ``Connection.ensure()`` (from ``_ensure_publishing()``) calls
     ``_publish`` once per attempt, again after each connection error
     until the broker takes the message, and a return ends the attempts:
     each attempt of a cast or notification gets what is left of its TTL,
     or publishes nothing once none is left.
  3. ``impl_fake.FakeDriver`` (the ``fake-extras`` driver) and, for a
     monitored call, its ``_check_serialize()``, ``_exchange_manager`` and
     ``FakeExchange.deliver_message(..., reply_q=)``, whose server side
     puts ``(reply, failure)`` on ``reply_q`` (:func:`fake_deliver`).
     Upstream's own driver ignores ``call_monitor_timeout``: a call there
     waits its whole ``timeout``, so an earlier ``MessagingTimeout`` is
     the endpoint's.
Runtime patches (no subclass hook exists)
  4. ``ConnectionPool.connection_cls`` (``AMQPDriverBase._connection_pool``)
     builds every connection of a driver: set to our ``Connection``
     (:func:`use_connection_class`).
  5. ``Consumer.declare(conn)`` runs again after every reconnection:
     wrapped to declare the dead-letter exchange and queue first, on
     ``conn.channel`` (:func:`before_declare`).
  6. The fake driver's listener ``poll()``
     (``PollStyleListenerAdapter._poll_style_listener``): wrapped so that
     fake messages can heartbeat (``fake://`` only; tests and demo)
     (:func:`wrap_listener_poll`).
Attributes and helpers read or written
  7. ``AMQPIncomingMessage.orig_msg_id`` and ``reply_q``, and the fake
     driver's ``FakeIncomingMessage._reply_q``: call or cast, and whose
     reply queue (:func:`is_call`, :func:`reply_queue`,
     :func:`fake_reply_queue`).
  8. ``RpcIncomingMessage.client_timeout``: upstream's dispatcher starts
     its watchdog when it is set; set to None once we heartbeat the call
     (:func:`stop_upstream_watchdog`). Without it, ``RPCDispatcher.dispatch``
     only finds the endpoint (``endpoints``, ``_default_target``,
     ``_is_namespace()``, ``_is_compatible()``, ``access_policy``) and
     calls ``_do_dispatch()``: we do the same without building the
     watchdog ``Thread`` and ``Event`` it never starts (:func:`dispatch`).
  9. ``Transport._driver``; ``AMQPDriverBase._get_connection()`` and its
     ``ConnectionContext.connection``; ``Connection._connection_lock``,
     ``_ensure_publishing()`` and ``rabbit_quorum_queue``: dead letters
     and the caller-liveness check (:func:`transport_driver`,
     :func:`send_connection`, :func:`queue_has_consumers`,
     :func:`publish`, :func:`before_declare`).
  10. The AMQP request format (``amqp.pack_context``,
      ``common.serialize_msg``) for dead letters (:func:`request_body`).
  11. The metrics (and, from 18.3.0, tracing) option lists upstream
      registers on the global ``cfg.CONF`` only (:func:`register_opts`).
  12. ``MessageHandlingServer._work_executor`` (built by ``start()``): its
      worker threads are started with the server, not on the listener
      thread during the first burst of requests (:func:`work_executor`);
      the number of threads it has started is futurist's
      ``ThreadPoolExecutor.num_workers`` from futurist 3.2.0, its private
      ``_workers`` list before (2025.1 ships 3.1.0) (:func:`worker_count`).
      A request a receipt hook raised for is answered on it too.
Assumption with a guard
  13. Upstream publishes on the caller's thread: the per-message TTL
      reaches ``_publish``, and our client's stamp the driver's
      ``send()``, through a thread-local (``drivers/scope.py``).
Batched heartbeats (module _batches)
  14. Caller side, ``AMQPDriverBase._get_reply_q()`` builds ``_waiter``
      once (only ``cleanup()`` drops it, so the driver installs the
      splitter on the first call only), a ``ReplyWaiter`` whose
      ``waiters`` (``ReplyWaiters``: ``put(msg_id, data)`` hands ``data``
      to ``_queues[msg_id].put()``, a batch's msg_id being None) receive
      every reply (``_queues`` replaced by a dict whose ``len()``, which
      ``add()`` compares with its leak-warning threshold, leaves the
      splitter out); server side,
      ``Connection.direct_send(queue, body)`` with
      ``common.serialize_msg`` sends one reply message, on a connection
      of its own that ``ConnectionPool.create(purpose)`` builds outside
      the pool's slots (:func:`split_batched_replies`, :func:`send_reply`,
      :func:`own_send_connection`).
Server lifecycle
  15. ``MessageHandlingServer.wait()`` calls ``listener.cleanup()`` once
      its work executor shut down (every request done): wrapped to end
      the heartbeat threads with the server (:func:`after_cleanup`).
Client errors
  16. ``common.deserialize_remote_exception`` rebuilds an allowed remote
      exception as a subclass of its class whose ``__module__`` ends with
      ``_REMOTE_POSTFIX`` (``_Remote``): a server's ``MessagingTimeout``
      is told from the caller's own (:func:`is_remote_exception`).
Broker TTL, decided by the consuming server
  17. ``Consumer.callback``: ``Consumer._callback`` hands it each
      delivery as a ``RabbitMessage`` (the decoded body, a dict): wrapped,
      for the queues that do not expire messages, to remove the sender's
      ``broker_ttl`` mark first (:func:`filter_deliveries`); and the
      broker's version, read from ``Connection.connection`` (kombu's, its
      transport connection's ``server_properties``) when a consumer is
      declared (:func:`broker_version`).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any

from oslo_messaging._drivers import impl_fake
from oslo_messaging._drivers import impl_rabbit
from oslo_messaging.rpc import dispatcher as rpc_dispatcher
from oslo_messaging.rpc import server as rpc_server

LOG = logging.getLogger(__name__)

RPCServer = rpc_server.RPCServer
RabbitDriver = impl_rabbit.RabbitDriver
RabbitConnection = impl_rabbit.Connection
FakeDriver = impl_fake.FakeDriver


def use_connection_class(driver: Any, cls: type, **kwargs: Any) -> None:
    """Make ``driver`` build its connections with ``cls(**kwargs)``."""
    pool = driver._connection_pool
    pool.connection_cls = functools.partial(cls, **kwargs)


def before_declare(consumer: Any, hook: Callable[[Any, bool], None]) -> None:
    """Run ``hook(channel, quorum)`` before each declaration of ``consumer``.

    ``channel`` is the connection's current channel, ``quorum`` its
    ``rabbit_quorum_queue`` option.
    """
    declare = consumer.declare

    def declare_with_hook(conn: Any) -> None:
        hook(conn.channel, conn.rabbit_quorum_queue)
        declare(conn)

    consumer.declare = declare_with_hook


def filter_deliveries(consumer: Any, hook: Callable[[Any], None]) -> None:
    """Run ``hook(message)`` on each message ``consumer`` delivers.

    ``message`` is upstream's ``RabbitMessage`` (the decoded body), before
    the listener sees it. Wrapped once: the consumer keeps its callback
    across reconnections.
    """
    callback = consumer.callback

    def filtered(message: Any) -> Any:
        hook(message)
        return callback(message)

    consumer.callback = filtered


def broker_version(connection: Any) -> tuple[int, ...] | None:
    """The version the broker of ``connection`` announced, or None."""
    try:
        properties = connection.connection.connection.server_properties
        version = properties['version']
        if isinstance(version, bytes):
            version = version.decode()
        return tuple(int(part) for part in version.split('.')[:2])
    except Exception:  # kombu+memory, a broker that says nothing usable
        return None


def register_opts(conf: Any) -> None:
    """Register the options upstream reads but registers on global CONF only.

    ``transport_url`` & co. come from the public ``oslo_messaging.opts``;
    the metrics group (all supported versions) and the tracing group
    (18.3.0 and later) are registered on ``cfg.CONF`` only, so a private
    ``ConfigOpts`` fails on the first call without them.
    """
    import importlib

    from oslo_messaging import opts

    for group, group_opts in opts.list_opts():
        if group is None:
            conf.register_opts(group_opts)
    for module, attr in (
        ('oslo_messaging._metrics.client', 'oslo_messaging_metrics'),
        ('oslo_messaging._tracing.client', 'oslo_messaging_tracing'),
    ):
        try:
            group_opts = getattr(importlib.import_module(module), attr)
        except ImportError:
            continue  # tracing: oslo.messaging < 18.3.0 has none to read
        conf.register_opts(group_opts, group=attr)


def reply_queue(incoming: Any) -> str | None:
    """The reply queue a rabbit caller waits on (None for a cast)."""
    if not getattr(incoming, 'orig_msg_id', None):
        return None
    return getattr(incoming, 'reply_q', None)


def queue_has_consumers(pooled: Any, queue: str) -> bool:
    """Ask the broker whether ``queue`` exists and has a consumer.

    :param pooled: what :func:`send_connection` yields; its
        ``connection`` is the rabbit ``Connection``, whose own
        ``connection`` is the kombu one.

    Uses a channel of its own (a passive declare of a missing queue closes
    the channel), under the ``_connection_lock`` that keeps upstream's
    AMQP-heartbeat thread from reading the socket meanwhile.
    """
    rabbit = pooled.connection
    with rabbit._connection_lock:
        channel = rabbit.connection.channel()
        try:
            _, _, consumers = channel.queue_declare(queue=queue, passive=True)
            return consumers > 0
        except rabbit.connection.channel_errors:
            return False
        finally:
            try:
                channel.close()
            except Exception:  # noqa: S110 (already closed by the broker)
                pass


def is_call(incoming: Any) -> bool:
    """Say whether the caller of ``incoming`` waits for a reply.

    Upstream gives casts a random ``msg_id`` too; the AMQP driver keeps
    the real one in ``orig_msg_id``, the fake driver a reply queue.
    """
    if hasattr(incoming, 'orig_msg_id'):
        return bool(incoming.orig_msg_id)
    if hasattr(incoming, '_reply_q'):
        return fake_reply_queue(incoming) is not None
    return bool(getattr(incoming, 'client_timeout', None))


def stop_upstream_watchdog(incoming: Any) -> None:
    """Keep upstream's dispatcher from heartbeating ``incoming`` itself.

    Its watchdog starts when dispatch starts and only if the message's
    ``client_timeout`` is set; we heartbeat from receipt instead.
    """
    incoming.client_timeout = None


_WATCHED_DISPATCH = rpc_dispatcher.RPCDispatcher.dispatch


def dispatch(dispatcher: Any, incoming: Any) -> Any:
    """``RPCDispatcher.dispatch(incoming)`` without its idle watchdog.

    Upstream builds a watchdog ``Thread`` and an ``Event`` for every
    message (about twenty Python-level calls, and the thread's entry in
    ``threading``'s weak set) and starts the thread only when the
    message's ``client_timeout`` is set, which this server clears on every
    call it heartbeats itself. Such a message goes through upstream's own
    method; for the others this is its endpoint lookup, the same steps
    and errors, without the two objects. The guard test pins upstream's
    source, so a change there is seen and copied here.
    """
    if incoming.client_timeout:
        return _WATCHED_DISPATCH(dispatcher, incoming)
    message = incoming.message
    method = message.get('method')
    args = message.get('args', {})
    namespace = message.get('namespace')
    version = message.get('version', '1.0')
    found_compatible = False
    for endpoint in dispatcher.endpoints:
        target = getattr(endpoint, 'target', None)
        if not target:
            target = dispatcher._default_target
        if not (
            dispatcher._is_namespace(target, namespace)
            and dispatcher._is_compatible(target, version)
        ):
            continue
        if hasattr(endpoint, method):
            if dispatcher.access_policy.is_allowed(endpoint, method):
                return dispatcher._do_dispatch(
                    endpoint, method, incoming.ctxt, args
                )
        found_compatible = True
    if found_compatible:
        raise rpc_dispatcher.NoSuchMethod(method)
    raise rpc_dispatcher.UnsupportedVersion(version, method=method)


def wrap_listener_poll(adapter: Any, convert: Callable[[Any], None]) -> None:
    """Run ``convert(message)`` on each message ``adapter`` polls.

    ``PollStyleListenerAdapter`` keeps the driver's listener in
    ``_poll_style_listener`` and calls its ``poll()`` for each batch.
    """
    listener = adapter._poll_style_listener
    poll = listener.poll

    def converting_poll(*args: Any, **kwargs: Any) -> Any:
        messages = poll(*args, **kwargs)
        for message in messages:
            convert(message)
        return messages

    listener.poll = converting_poll


def fake_reply_queue(incoming: Any) -> Any:
    """The queue a fake-driver caller waits on (None for a cast)."""
    return incoming._reply_q


def fake_deliver(
    driver: Any, target: Any, ctxt: dict, message: dict, reply_q: Any
) -> None:
    """Deliver a request on the fake driver with our own reply queue.

    Upstream's ``FakeDriver._send`` makes a plain ``queue.Queue`` for the
    reply; a monitored call needs one that also takes heartbeats. The
    server side puts ``(reply, failure)`` on it.
    """
    driver._check_serialize(message)
    exchange = driver._exchange_manager.get_exchange(target.exchange)
    exchange.deliver_message(
        target.topic,
        ctxt,
        message,
        server=target.server,
        fanout=target.fanout,
        reply_q=reply_q,
    )


def transport_driver(transport: Any) -> Any:
    """The driver object behind an oslo.messaging ``Transport``."""
    return transport._driver


def request_body(ctxt: dict, message: dict) -> Any:
    """Build a request body as the AMQP driver sends it (context packed)."""
    from oslo_messaging._drivers import amqp
    from oslo_messaging._drivers import common

    body = dict(message)
    amqp.pack_context(body, ctxt)
    return common.serialize_msg(body)


def publish(conn: Any, exchange: Any, body: Any, routing_key: str) -> None:
    """Publish on a rabbit ``Connection`` with its usual retries."""
    conn._ensure_publishing(
        conn._publish, exchange, body, routing_key=routing_key
    )


def send_connection(driver: Any) -> Any:
    """A pooled connection of an AMQP driver, as a context manager."""
    from oslo_messaging._drivers import common

    return driver._get_connection(common.PURPOSE_SEND)


def work_executor(server: Any) -> Any:
    """The executor a started ``MessageHandlingServer`` dispatches with."""
    return server._work_executor


def worker_count(executor: Any) -> int:
    """How many worker threads a futurist ``ThreadPoolExecutor`` started."""
    try:
        return executor.num_workers
    except AttributeError:  # futurist < 3.2.0 (OpenStack 2025.1: 3.1.0)
        return len(executor._workers)


_SPLIT_LOCK = threading.Lock()


class _BatchSplitter:
    """Hands each call named in a batched heartbeat its own heartbeat.

    Kept in ``ReplyWaiters._queues`` under the key None, the ``msg_id`` of
    a reply message without ``_msg_id`` (a batch): upstream's ``put()``
    hands it the message as it would to a waiting call's queue. Replies
    to calls keep upstream's path untouched, with no extra call per reply
    (a subclass overriding ``put()`` cost two).
    """

    def __init__(self, queues: dict, split: Callable[[Any], Any]) -> None:
        self._queues = queues
        self._split = split

    def put(self, message_data: Any) -> None:
        batch = self._split(message_data)
        if batch is None:
            # What upstream says of a reply nobody waits for.
            LOG.info('No calling threads waiting for msg_id : None')
            return
        for call_id, heartbeat in batch:
            waiting = self._queues.get(call_id)
            # A call no longer waited for (it ended): nothing to do.
            if waiting is not None:
                waiting.put(heartbeat)


class _CallQueues(dict):
    """``ReplyWaiters._queues`` whose length leaves the splitter out.

    Upstream warns when ``len(_queues)`` passes its threshold ("Number of
    call queues is N ... There could be a leak"): it counts waiting calls,
    and the splitter is none. Only ``len()`` is Python-level here (once
    per call, in ``add()``); lookups, stores and deletes stay dict's.
    """

    __slots__ = ()

    def __len__(self) -> int:
        length = dict.__len__(self)
        return length - 1 if None in self else length


def split_batched_replies(driver: Any, split: Callable[[Any], Any]) -> None:
    """Make ``driver``'s reply waiter split batched heartbeats.

    Call after ``driver._get_reply_q()`` and before any call waits on it
    (the driver does so before its ``_get_reply_q()`` returns: the table
    of waiting calls is replaced, and nothing can be added to the old one
    meanwhile); ``split(message)`` returns ``[(msg_id, heartbeat
    message), ...]`` for a batch, None otherwise.
    """
    waiters = driver._waiter.waiters
    if None in waiters._queues:
        return
    with _SPLIT_LOCK:
        queues = waiters._queues
        if None in queues:
            return
        if type(queues) is dict:
            queues = _CallQueues(queues)
            waiters._queues = queues
        queues[None] = _BatchSplitter(queues, split)


def own_send_connection(driver: Any) -> Any:
    """A new sending connection of ``driver``, outside its pool's slots.

    Built as the pool builds its connections (``connection_cls``, its own
    AMQP heartbeat thread); the caller closes it.
    """
    from oslo_messaging._drivers import common

    return driver._connection_pool.create(common.PURPOSE_SEND)


def send_reply(connection: Any, reply_q: str, body: dict) -> None:
    """Send ``body`` to reply queue ``reply_q`` as upstream sends replies.

    Raises when the queue is gone (as a heartbeat to it would).
    """
    from oslo_messaging._drivers import common

    connection.direct_send(reply_q, common.serialize_msg(body))


def after_cleanup(listener: Any, hook: Callable[[], None]) -> None:
    """Run ``hook()`` after ``listener.cleanup()``.

    Upstream's ``wait()`` calls it once every request is done.
    """
    cleanup = listener.cleanup

    def cleanup_then_hook() -> None:
        try:
            cleanup()
        finally:
            hook()

    listener.cleanup = cleanup_then_hook


def is_remote_exception(exc: BaseException) -> bool:
    """Say whether ``exc`` is a server's, rebuilt from its reply."""
    return type(exc).__module__.endswith('_Remote')
