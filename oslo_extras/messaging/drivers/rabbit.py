"""``rabbit-extras``: upstream's RabbitMQ driver with TTL on every message.

Registered under ``oslo.messaging.drivers``. The URL it receives names it
(``rabbit-extras://host`` or ``rabbit-extras+kombu+memory:////``); it hands
upstream the URL without its own prefix, so everything else (hosts,
options, ``kombu+memory``) works as with ``rabbit://``.
"""

from __future__ import annotations

import logging
import threading
from time import monotonic
from typing import Any

import kombu

from oslo_extras.messaging import _batches
from oslo_extras.messaging import _upstream
from oslo_extras.messaging import drivers
from oslo_extras.messaging import errors
from oslo_extras.messaging import stamp
from oslo_extras.messaging.drivers import scope

LOG = logging.getLogger(__name__)

SCHEME = 'rabbit-extras'
#: Exchange that receives every expired message; bound queue per topic.
DEAD_LETTER_EXCHANGE = 'oslo_extras_dlx'
#: Connections batched heartbeats go out on, at most (opened on demand). A
#: batch message waits for the broker's confirm (about a millisecond): on
#: one connection a server could send about 800 a second, and a server
#: whose callers each wait on a reply queue of their own (a conductor and
#: its compute nodes) sends one message per call.
HEARTBEAT_CONNECTIONS = 4


def dead_letter_queue(topic: str) -> str:
    """Name of the queue that keeps the expired messages of ``topic``."""
    return f'{topic}.dead'


def queue_arguments(
    options: scope.QueueOptions, queue: str | None = None
) -> dict[str, Any]:
    """Return the AMQP queue arguments ``options`` ask for.

    :param queue: the queue's name; dead letters of a server without a
        topic of its own (a notification listener) go to ``<queue>.dead``
    """
    args: dict[str, Any] = {}
    if options.ttl:
        args['x-message-ttl'] = int(options.ttl * 1000)
    if options.dead_letter:
        args['x-dead-letter-exchange'] = DEAD_LETTER_EXCHANGE
        args['x-dead-letter-routing-key'] = options.topic or queue
    return args


#: The first RabbitMQ whose quorum queues expire messages after their
#: AMQP ``expiration`` (earlier ones keep them).
QUORUM_EXPIRATION_SINCE = (3, 10)


def honours_expiration(
    queue_type: str | None, broker_version: tuple[int, ...] | None
) -> bool:
    """Say whether a queue expires each message after its ``expiration``.

    Classic queues do; quorum queues from RabbitMQ 3.10 on; streams keep
    every message whatever it says. Unsure (a queue type this code does
    not know, a quorum queue on a broker that did not say its version):
    no, so that the server checks the TTL itself.

    :param queue_type: the queue's ``x-queue-type`` argument, if any
    :param broker_version: the broker's version, if it said it
    """
    if queue_type is None or queue_type == 'classic':
        return True
    if queue_type == 'quorum':
        return (
            broker_version is not None
            and broker_version >= QUORUM_EXPIRATION_SINCE
        )
    return False


def drop_broker_ttl_claim(message: Any) -> None:
    """Remove the sender's ``broker_ttl`` mark from a received message.

    For messages consumed from a queue that does not expire them: the
    sender marks what it believes its broker expires, and a sender
    configured otherwise (an upgrade in progress) believes wrongly.
    """
    body = message.get(stamp.BODY_KEY)
    if type(body) is dict:
        body.pop(stamp.BROKER_TTL, None)


class Connection(_upstream.RabbitConnection):
    """Publishes with the caller's TTL; declares queues with its options."""

    def _publish(
        self,
        exchange,
        msg,
        routing_key=None,
        timeout=None,
        transport_options=None,
    ):
        # Every publish comes here (replies and heartbeats too), once per
        # attempt: upstream's ensure() retries it until the broker takes it.
        local = scope.LOCAL
        since = local.since
        if since is not None:
            # A cast or notification: its TTL counts from when its send
            # began, so each attempt gets what is left of it.
            spent = monotonic() - since[0]
            timeout = since[1] - spent
            if timeout <= 0:
                # Not published: the driver's send() raises once upstream
                # returns (an exception here would reach upstream's
                # ensure(), which logs it as a broken connection, drops
                # the channel and raises its own error in its place).
                since[2] = spent
                return None
            # Counted before it is tried: one that fails may have reached
            # the broker all the same (see errors.ExpiredBeforeSent).
            since[3] += 1
        else:
            ttl = local.ttl
            if ttl is not None:
                # A call already expires after its timeout.
                timeout = ttl if timeout is None else min(ttl, timeout)
        # Upstream's, looked up on its class, not through super(): every
        # publish comes here.
        return _upstream.RabbitConnection._publish(
            self, exchange, msg, routing_key, timeout, transport_options
        )

    def declare_consumer(self, consumer):
        queue_type = (consumer.queue_arguments or {}).get('x-queue-type')
        if not honours_expiration(
            queue_type,
            _upstream.broker_version(self) if queue_type == 'quorum' else None,
        ):
            # Decided once per queue, from the queue this server declared:
            # the messages of the other queues pass untouched.
            _upstream.filter_deliveries(consumer, drop_broker_ttl_claim)
        options = scope.current_queue_options()
        if options is not None and consumer.type in ('topic', 'fanout'):
            if options.arguments and (
                consumer.queue_arguments.get('x-queue-type') != 'stream'
            ):
                consumer.queue_arguments.update(
                    queue_arguments(options, consumer.queue_name)
                )
            if options.dead_letter:
                routing_key = options.topic or consumer.queue_name
                _upstream.before_declare(
                    consumer,
                    lambda channel, quorum: declare_dead_letter(
                        channel, routing_key, quorum
                    ),
                )
        return super().declare_consumer(consumer)

    def dead_letter_send(self, topic: str, body: Any) -> None:
        """Publish ``body`` to the dead-letter queue of ``topic``."""
        _upstream.publish(self, _dead_letter_exchange(), body, topic)


def _dead_letter_exchange() -> kombu.Exchange:
    return kombu.Exchange(DEAD_LETTER_EXCHANGE, type='direct', durable=True)


def declare_dead_letter(
    channel: Any, routing_key: str, quorum: bool = False
) -> None:
    """Declare the dead-letter exchange and the dead queue of a topic.

    :param quorum: make the dead queue a quorum queue, as the topic queues
        are with ``rabbit_quorum_queue``: a classic queue lives on one node,
        and while that node is down every redeclaration fails (NOT_FOUND),
        so the server could not consume its topic again
    """
    exchange = _dead_letter_exchange()
    exchange(channel).declare()
    kombu.Queue(
        dead_letter_queue(routing_key),
        exchange=exchange,
        routing_key=routing_key,
        durable=True,
        auto_delete=False,
        queue_arguments={'x-queue-type': 'quorum'} if quorum else None,
        channel=channel,
    ).declare()


class RabbitDriver(_upstream.RabbitDriver):
    """Upstream's rabbit driver; reads the TTL the client stamped."""

    #: Our client hands the stamp over in ``scope.LOCAL.outgoing``.
    takes_outgoing_stamp = True

    def __init__(self, conf, url, default_exchange=None, **kwargs):
        url = upstream_url(conf, url)
        super().__init__(conf, url, default_exchange, **kwargs)
        _upstream.use_connection_class(self, Connection)
        #: A real broker applies AMQP expiration (kombu+memory does not).
        self.broker_ttl = url.transport == 'rabbit'
        # Read once: a lookup through the driver's ConfigOptsProxy costs
        # about 8 us, on every message sent.
        self._stream_fanout = (
            self.conf.oslo_messaging_rabbit.rabbit_stream_fanout
        )
        # Batched heartbeats' own connections: idle ones, and how many.
        self._heartbeat_ready = threading.Condition()
        self._heartbeat_idle: list[Any] = []
        self._heartbeat_opened = 0
        self._heartbeat_closed = False
        # The reply queue, once its waiter splits batched heartbeats.
        self._split_reply_q: str | None = None

    def broker_expires(self, target: Any) -> bool:
        """Say whether the broker expires what is sent to ``target``.

        With ``rabbit_stream_fanout`` fanouts go to streams, which keep
        every message and ignore its ``expiration``: servers must then
        check the sender's clock, as without a broker TTL.
        """
        if not self.broker_ttl:
            return False
        return not (target.fanout and self._stream_fanout)

    def send(
        self,
        target,
        ctxt,
        message,
        wait_for_reply=None,
        timeout=None,
        call_monitor_timeout=None,
        retry=None,
        transport_options=None,
    ):
        # Our reply waiter splits batched heartbeats: say so (calls only;
        # to_wire adds it only when the call asks for heartbeats).
        # broker_expires() inline: every message sent comes here.
        broker_ttl = self.broker_ttl and not (
            target.fanout and self._stream_fanout
        )
        local = scope.LOCAL
        outgoing = local.outgoing
        if outgoing is None:
            # A stock client, or ours on another driver's path: the stamp
            # is in the context.
            ctxt, message, ttl = stamp.to_wire(
                ctxt, message, broker_ttl, heartbeat_batch=True
            )
        else:
            # Our client's stamp, for this message only (a message sent
            # while this one is serialized or waits is not stamped so).
            # stamp.outgoing_to_wire() inline: every message we send.
            local.outgoing = None
            wire, sent = outgoing
            ttl = wire.ttl
            if wire.fields or sent is not None:  # else nothing stamped
                fields = {**wire.fields}
                if sent is not None:
                    fields['sent'] = sent
                if wire.heartbeat:
                    fields[stamp.HEARTBEAT_BATCH] = True
                if broker_ttl and ttl is not None:
                    fields[stamp.BROKER_TTL] = True
                message = {**message, stamp.BODY_KEY: fields}
        # Upstream's send() only calls _send(): called directly, as it
        # would (one call fewer per message).
        if ttl is not None:
            if not wait_for_reply:
                # A cast (topic, server or fanout): its TTL counts from
                # now, before anything that can wait (a connection, a
                # broker that is down), not from when the broker takes it.
                return self._send_cast(
                    [monotonic(), ttl, None, 0],
                    target,
                    ctxt,
                    message,
                    retry,
                    transport_options,
                )
            if timeout is not None and ttl >= timeout:
                ttl = None  # the call's timeout is its expiration already
        # The thread's TTL swapped for this send: for a call whose TTL is
        # shorter than its wait, and for a message sent while another is
        # (from a log handler while upstream retries that one's publish):
        # it takes neither that one's TTL nor what is left of it.
        previous = local.ttl
        since = local.since
        swap = ttl is not None or previous is not None or since is not None
        if swap:
            local.ttl = ttl
            local.since = None
        try:
            return _upstream.RabbitDriver._send(
                self,
                target,
                ctxt,
                message,
                wait_for_reply,
                timeout,
                call_monitor_timeout,
                retry=retry,
                transport_options=transport_options,
            )
        finally:
            if swap:
                local.ttl = previous
                local.since = since

    def _send_cast(
        self, since, target, ctxt, message, retry, transport_options
    ):
        """Send a cast whose TTL counts from ``since`` (see ``_publish``).

        :raises errors.ExpiredBeforeSent: its TTL ran out before the
            broker took it; it was not published
        """
        local = scope.LOCAL
        previous = local.since
        local.since = since
        try:
            _upstream.RabbitDriver._send(
                self,
                target,
                ctxt,
                message,
                retry=retry,
                transport_options=transport_options,
            )
        finally:
            local.since = previous
        if since[2] is not None:
            topic = target.topic
            if target.fanout:
                kind = 'fanout cast'
            else:
                kind = 'cast'
                if target.server:
                    topic = f'{topic}.{target.server}'
            method = message.get('method')
            raise errors.ExpiredBeforeSent(
                kind,
                topic,
                method if type(method) is str else None,
                since[1],
                since[2],
                since[3],
            )
        return None

    def send_notification(self, target, ctxt, message, version, retry=None):
        ctxt, message, ttl = stamp.to_wire(ctxt, message, self.broker_ttl)
        local = scope.LOCAL
        previous = local.since
        previous_ttl = local.ttl
        if ttl is None:
            if previous is None and previous_ttl is None:
                return super().send_notification(
                    target, ctxt, message, version, retry=retry
                )
            # Sent while another message is (see send()): not with its TTL.
            local.since = local.ttl = None
            try:
                return super().send_notification(
                    target, ctxt, message, version, retry=retry
                )
            finally:
                local.since, local.ttl = previous, previous_ttl
        # Its TTL counts from now, as a cast's (see send()), or from when
        # our notifier began the notification: upstream's sends it to each
        # topic in turn, and a later one starts after an earlier one gave
        # up (the broker down all that time).
        started = previous_started = local.notify_started
        if started is None:
            started = monotonic()
        else:
            # For this notification's sends only, not for one sent while
            # it is (see send()).
            local.notify_started = None
        since = [started, ttl, None, 0]
        local.since = since
        try:
            super().send_notification(
                target, ctxt, message, version, retry=retry
            )
        finally:
            local.since = previous
            local.notify_started = previous_started
        if since[2] is not None:
            event_type = message.get('event_type')
            raise errors.ExpiredBeforeSent(
                'notification',
                target.topic,
                event_type if type(event_type) is str else None,
                ttl,
                since[2],
                since[3],
            )
        return None

    def _get_reply_q(self):
        # Every call asks. Upstream builds the queue and its waiter once
        # and drops them only in cleanup() (which resets this), so the
        # splitter is installed once, without upstream's lock after that.
        reply_q = self._split_reply_q
        if reply_q is None:
            reply_q = super()._get_reply_q()
            _upstream.split_batched_replies(self, _batches.split)
            self._split_reply_q = reply_q
        return reply_q

    def send_heartbeats(self, reply_q: str, msg_ids: list[str]) -> None:
        """Heartbeat every call in ``msg_ids`` with one message.

        Only for callers that stamped ``heartbeat_batch``. Sent on
        connections of their own (up to :data:`HEARTBEAT_CONNECTIONS`, one
        message at a time each): on the pool's, when a thousand calls
        ended together, a heartbeat waited behind their replies for a
        connection (1.4 s measured) and reached calls still running too
        late. More than one: a message per reply queue is one per call
        when each caller has one call running.
        """
        body = _batches.encode(msg_ids)
        connection = self._take_heartbeat_connection()
        try:
            _upstream.send_reply(connection, reply_q, body)
        finally:
            self._give_back_heartbeat_connection(connection)

    def _take_heartbeat_connection(self) -> Any:
        """An idle heartbeat connection; a new one while under the cap."""
        with self._heartbeat_ready:
            while not self._heartbeat_idle:
                if self._heartbeat_opened < HEARTBEAT_CONNECTIONS:
                    self._heartbeat_opened += 1
                    break
                self._heartbeat_ready.wait()
            else:
                return self._heartbeat_idle.pop()
        return self._new_heartbeat_connection()

    def _new_heartbeat_connection(self) -> Any:
        """A new heartbeat connection, its slot already counted."""
        try:
            return _upstream.own_send_connection(self)
        except BaseException:
            with self._heartbeat_ready:
                self._heartbeat_opened -= 1
                self._heartbeat_ready.notify()
            raise

    def _give_back_heartbeat_connection(self, connection: Any) -> None:
        with self._heartbeat_ready:
            self._heartbeat_ready.notify()
            if not self._heartbeat_closed:
                self._heartbeat_idle.append(connection)
                return
            # Cleaned up while it was sending: no one closes it later.
            self._heartbeat_opened -= 1
        connection.close()

    def open_heartbeat_connection(self) -> None:
        """Open a first connection for batched heartbeats, if none is.

        Called when a server starts: opened on the first batch, during a
        burst on a busy machine, it took about a second while every batch
        waited.
        """
        with self._heartbeat_ready:
            if self._heartbeat_opened or self._heartbeat_closed:
                return
            self._heartbeat_opened += 1
        self._give_back_heartbeat_connection(self._new_heartbeat_connection())

    def cleanup(self):
        self._split_reply_q = None
        with self._heartbeat_ready:
            self._heartbeat_closed = True
            idle, self._heartbeat_idle = self._heartbeat_idle, []
            self._heartbeat_opened -= len(idle)
        for connection in idle:
            connection.close()
        super().cleanup()

    def caller_waiting(self, incoming: Any) -> bool | None:
        """Say whether anyone still consumes the caller's reply queue.

        Reply queues outlive their caller (``rabbit_transient_queues_ttl``,
        30 minutes by default) and heartbeats to them succeed, so a dead
        caller is seen only as a reply queue without consumers.

        :returns: None when it cannot tell (``kombu+memory``, a cast)
        """
        reply_q = _upstream.reply_queue(incoming)
        if not self.broker_ttl or not reply_q:
            return None
        with _upstream.send_connection(self) as conn:
            return _upstream.queue_has_consumers(conn, reply_q)

    def dead_letter(self, topic: str, ctxt: dict, message: dict) -> None:
        """Keep a message a server dropped in the ``<topic>.dead`` queue.

        Upstream acknowledges requests on receipt, so a message the server
        drops later can no longer be rejected to the broker's dead-letter
        exchange: it is published there instead, in the request format.

        :param topic: the server's topic
        :param ctxt: the request context (as a dict)
        :param message: the request (method, args, ...)
        """
        ctxt, message = stamp.move_to_body(ctxt, message)
        body = _upstream.request_body(ctxt, message)
        with _upstream.send_connection(self) as conn:
            conn.dead_letter_send(topic, body)


def upstream_url(conf, url):
    """Return ``url`` without the ``rabbit-extras`` prefix of its scheme."""
    transport = url.transport or 'rabbit'
    if transport == SCHEME:
        transport = 'rabbit'
    elif transport.startswith(SCHEME + '+'):
        transport = transport[len(SCHEME) + 1 :]
    return drivers.with_scheme(conf, url, transport)
