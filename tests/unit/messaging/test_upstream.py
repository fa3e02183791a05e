"""Fail loudly when oslo.messaging changes what _upstream relies on."""

import inspect

from oslo_messaging import server as msg_server
from oslo_messaging._drivers import amqpdriver
from oslo_messaging._drivers import impl_fake
from oslo_messaging._drivers import impl_rabbit
from oslo_messaging._drivers import pool
from oslo_messaging.rpc import server as rpc_server

from oslo_extras.messaging import _upstream


def params(func):
    return list(inspect.signature(func).parameters)


def test_server_hooks_exist_with_their_signatures():
    assert params(msg_server.MessageHandlingServer._on_incoming) == [
        'self',
        'incoming',
    ]
    assert params(rpc_server.RPCServer._process_incoming) == [
        'self',
        'incoming',
    ]
    assert params(rpc_server.RPCServer._create_listener) == ['self']
    # _on_incoming hands the batch to the executor: our receipt hook.
    source = inspect.getsource(msg_server.MessageHandlingServer._on_incoming)
    assert '_work_executor.submit(self._process_incoming' in source


def test_rabbit_connection_hooks():
    assert params(impl_rabbit.Connection._publish) == [
        'self',
        'exchange',
        'msg',
        'routing_key',
        'timeout',
        'transport_options',
    ]
    assert 'expiration=timeout' in inspect.getsource(
        impl_rabbit.Connection._publish
    )
    assert params(impl_rabbit.Connection.declare_consumer) == [
        'self',
        'consumer',
    ]
    consumer = impl_rabbit.Consumer(
        'ex', 'q', 'q', 'topic', False, False, False, None
    )
    assert consumer.queue_arguments == {}
    assert params(consumer.declare) == ['conn']
    for name in ('topic_send', 'fanout_send', 'notify_send'):
        assert 'self._publish' in inspect.getsource(
            getattr(impl_rabbit.Connection, name)
        )


def test_pool_builds_connections_with_connection_cls():
    assert params(pool.ConnectionPool.__init__)[-1] == 'connection_cls'
    assert 'self.connection_cls(' in inspect.getsource(
        pool.ConnectionPool.create
    )
    assert '_connection_pool' in inspect.getsource(
        amqpdriver.AMQPDriverBase.__init__
    )


def test_incoming_messages_tell_calls_from_casts():
    assert 'self.orig_msg_id = msg_id' in inspect.getsource(
        amqpdriver.AMQPIncomingMessage.__init__
    )
    assert 'self._reply_q = reply_q' in inspect.getsource(
        impl_fake.FakeIncomingMessage.__init__
    )
    fake_cast = impl_fake.FakeIncomingMessage({}, {}, None, None)
    assert _upstream.is_call(fake_cast) is False


def test_options_registered_on_global_conf_only():
    import importlib.util

    from oslo_config import cfg

    conf = cfg.ConfigOpts()
    _upstream.register_opts(conf)
    conf([])
    # 18.3.0 and later read the tracing group; 18.2.0 has none.
    if importlib.util.find_spec('oslo_messaging._tracing') is not None:
        assert conf.oslo_messaging_tracing.tracing_enabled is False
    assert conf.oslo_messaging_metrics.metrics_enabled is False
    assert conf.control_exchange == 'openstack'


def test_fake_listener_adapter_and_reply_queue():
    from oslo_messaging._drivers import base

    assert '_poll_style_listener.poll(' in inspect.getsource(
        base.PollStyleListenerAdapter
    )
    assert 'self._poll_style_listener = ' in inspect.getsource(
        base.PollStyleListenerAdapter.__init__
    )
    message = impl_fake.FakeIncomingMessage({}, {}, 'replies', None)
    assert _upstream.fake_reply_queue(message) == 'replies'
    assert 'reply_q.get(timeout=timeout)' in inspect.getsource(
        impl_fake.FakeDriver._send
    )


def test_dead_letter_helpers():
    from oslo_messaging._drivers import common

    body = _upstream.request_body({'user': 'u'}, {'method': 'm'})
    assert common.deserialize_msg(body) == {
        'method': 'm',
        '_context_user': 'u',
    }
    assert params(impl_rabbit.Connection._ensure_publishing)[:5] == [
        'self',
        'method',
        'exchange',
        'msg',
        'routing_key',
    ]
    assert params(amqpdriver.AMQPDriverBase._get_connection)[:2] == [
        'self',
        'purpose',
    ]


def test_register_opts_works_without_tracing_module(monkeypatch):
    # oslo.messaging 18.2.0 (our floor) has no _tracing package.
    import sys

    from oslo_config import cfg

    monkeypatch.setitem(sys.modules, 'oslo_messaging._tracing', None)
    monkeypatch.setitem(sys.modules, 'oslo_messaging._tracing.client', None)
    conf = cfg.ConfigOpts()
    _upstream.register_opts(conf)
    conf([])
    assert conf.oslo_messaging_metrics.metrics_enabled is False
    assert conf.rpc_response_timeout == 60


def test_upstream_publishes_on_the_callers_thread():
    # The per-message TTL reaches the driver through a thread-local set
    # around upstream's send(): if upstream ever published from another
    # thread (a publisher thread, an executor), every TTL would vanish
    # silently. This must fail loudly instead.
    import threading
    from unittest import mock

    from oslo_extras import messaging
    from oslo_extras.messaging.drivers import scope
    from tests.unit.messaging.helpers import Endpoint
    from tests.unit.messaging.helpers import make_conf
    from tests.unit.messaging.helpers import new_target
    from tests.unit.messaging.helpers import running

    seen = []
    original = _upstream.RabbitConnection._publish

    def spy(self, exchange, msg, routing_key=None, timeout=None, opts=None):
        seen.append(
            (exchange.name, threading.get_ident(), scope.current_ttl())
        )
        return original(self, exchange, msg, routing_key, timeout, opts)

    conf = make_conf()
    rpc = messaging.get_rpc_transport(conf, 'kombu+memory:////')
    notifications = messaging.get_notification_transport(
        conf, 'kombu+memory:////'
    )
    target = new_target()
    try:
        with mock.patch.object(_upstream.RabbitConnection, '_publish', spy):
            with running(messaging.get_rpc_server(rpc, target, [Endpoint()])):
                seen.clear()
                client = messaging.get_rpc_client(rpc, target, ttl=7)
                client.cast({}, 'work', seconds=0)
                client.prepare(fanout=True, server=None).cast(
                    {}, 'work', seconds=0
                )
                client.prepare(timeout=5).call({}, 'work', seconds=0)
                requests = [s for s in seen if s[0] != '']
                messaging.get_notifier(
                    notifications,
                    'h',
                    driver='messagingv2',
                    topics=['n'],
                    ttl=9,
                ).info({}, 'e', {})
    finally:
        rpc.cleanup()
        notifications.cleanup()
    me = threading.get_ident()
    assert [(ident, ttl) for _, ident, ttl in requests] == [
        (me, 7),
        (me, 7),
        (me, 5),
    ]
    assert seen[-1][1:] == (me, 9)


def test_connection_lock_guards_the_socket():
    # queue_has_consumers() reads the socket under this lock, as upstream's
    # AMQP-heartbeat thread and publishers do.
    assert 'with self._connection_lock' in inspect.getsource(
        impl_rabbit.Connection._ensure_publishing
    )
    assert 'self._connection_lock.for_heartbeat()' in inspect.getsource(
        impl_rabbit.Connection._heartbeat_thread_job
    )
    assert 'self.reply_q = reply_q' in inspect.getsource(
        amqpdriver.AMQPIncomingMessage.__init__
    )


def test_start_builds_the_work_executor_it_dispatches_with():
    source = inspect.getsource(msg_server.MessageHandlingServer.start)
    built = source.index('self._work_executor = self._executor_cls(')
    # Our _create_listener warms the pool up before it consumes.
    assert built < source.index('self._create_listener()')
