"""The only place oslo_extras.messaging touches oslo.messaging internals.

``tests/unit/messaging/test_upstream.py`` fails loudly when one of these
changes upstream.

- ``MessageHandlingServer._on_incoming(incoming)`` runs on the listener
  thread as soon as a request arrives; ``_process_incoming(incoming)``
  runs on a worker; ``_create_listener()`` declares the queues.
- ``ConnectionPool.connection_cls`` builds every connection of a driver
  (``AMQPDriverBase._connection_pool``, ``_get_connection()``).
- ``impl_rabbit.Connection._publish(exchange, msg, routing_key, timeout,
  transport_options)`` turns ``timeout`` into AMQP ``expiration``;
  ``_ensure_publishing()`` publishes with retries;
  ``declare_consumer(consumer)`` declares a ``Consumer`` whose ``declare(
  conn)`` runs again after every reconnection, using its
  ``queue_arguments``.
- The AMQP driver's request format (``amqp.pack_context``,
  ``common.serialize_msg``) and ``AMQPIncomingMessage.orig_msg_id``.
- The fake driver's ``FakeIncomingMessage._reply_q`` and the listener that
  ``PollStyleListenerAdapter._poll_style_listener`` polls.
- ``Transport._driver``, and the tracing/metrics option lists that upstream
  registers on the global ``cfg.CONF`` only.
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

    ``transport_url`` & co. are registered on first use by upstream; the
    tracing and metrics groups only ever on ``cfg.CONF``, so a private
    ``ConfigOpts`` fails on the first call without them.
    """
    from oslo_messaging import transport
    from oslo_messaging._metrics import client as metrics
    from oslo_messaging._tracing import client as tracing

    conf.register_opts(transport._transport_opts)
    conf.register_opts(
        tracing.oslo_messaging_tracing, group='oslo_messaging_tracing'
    )
    conf.register_opts(
        metrics.oslo_messaging_metrics, group='oslo_messaging_metrics'
    )


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
