"""The only place oslo_extras.messaging touches oslo.messaging internals.

``tests/unit/messaging/test_upstream.py`` fails loudly when one of these
changes upstream. Each is here because no public API does the job:

Overrides of upstream classes (subclass hooks)
  1. ``MessageHandlingServer._on_incoming(incoming)`` (listener thread, at
     receipt) and ``_process_incoming(incoming)`` (worker), and
     ``_create_listener()`` (declares the queues): receipt-time heartbeats
     and TTL checks, for the RPC server and the notification listener.
  2. ``impl_rabbit.Connection._publish(exchange, msg, routing_key,
     timeout, transport_options)`` turns ``timeout`` into AMQP
     ``expiration``; ``declare_consumer(consumer)`` sees each ``Consumer``
     (``queue_name``, ``queue_arguments``) before it is declared.
Runtime patches (no subclass hook exists)
  3. ``ConnectionPool.connection_cls`` (``AMQPDriverBase._connection_pool``)
     builds every connection of a driver: set to our ``Connection``.
  4. ``Consumer.declare(conn)`` runs again after every reconnection:
     wrapped to declare the dead-letter exchange and queue first.
  5. The fake driver's listener ``poll()``
     (``PollStyleListenerAdapter._poll_style_listener``): wrapped so that
     fake messages can heartbeat (``fake://`` only; tests and demo).
Attributes and helpers read
  6. ``AMQPIncomingMessage.orig_msg_id`` and ``reply_q``, and the fake
     driver's ``FakeIncomingMessage._reply_q``: call or cast, and whose
     reply queue.
  7. ``Transport._driver``; ``AMQPDriverBase._get_connection()`` and its
     ``ConnectionContext.connection``; ``Connection._connection_lock`` and
     ``_ensure_publishing()``: dead letters and the caller-liveness check.
  8. The AMQP request format (``amqp.pack_context``,
     ``common.serialize_msg``) for dead letters.
  9. The metrics (and, from 18.3.0, tracing) option lists upstream
     registers on the global ``cfg.CONF`` only.
  10. ``MessageHandlingServer._work_executor`` (built by ``start()``): its
      worker threads are started with the server, not on the listener
      thread during the first burst of requests.

Assumption with a guard: upstream publishes on the caller's thread (the
per-message TTL reaches ``_publish`` through a thread-local).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from oslo_messaging._drivers import impl_fake
from oslo_messaging._drivers import impl_rabbit
from oslo_messaging.rpc import server as rpc_server

RPCServer = rpc_server.RPCServer
RabbitDriver = impl_rabbit.RabbitDriver
RabbitConnection = impl_rabbit.Connection
FakeDriver = impl_fake.FakeDriver


def use_connection_class(driver: Any, cls: type, **kwargs: Any) -> None:
    """Make ``driver`` build its connections with ``cls(**kwargs)``."""
    pool = driver._connection_pool
    pool.connection_cls = functools.partial(cls, **kwargs)


def before_declare(consumer: Any, hook: Callable[[Any], None]) -> None:
    """Run ``hook(conn)`` before each (re)declaration of ``consumer``."""
    declare = consumer.declare

    def declare_with_hook(conn: Any) -> None:
        hook(conn)
        declare(conn)

    consumer.declare = declare_with_hook


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
        return incoming._reply_q is not None
    return bool(getattr(incoming, 'client_timeout', None))


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
