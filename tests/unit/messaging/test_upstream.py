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
    from oslo_config import cfg

    conf = cfg.ConfigOpts()
    _upstream.register_opts(conf)
    conf([])
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
