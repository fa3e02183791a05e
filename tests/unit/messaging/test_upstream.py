"""Fail loudly when oslo.messaging changes what _upstream relies on.

The numbers in the test names are those of the entries in ``_upstream``'s
docstring (and the spec's list, which must name the same things).
"""

import inspect
import threading
from unittest import mock

import hypothesis
import pytest
from hypothesis import strategies as st
from oslo_config import cfg
from oslo_messaging import server as msg_server
from oslo_messaging._drivers import amqpdriver
from oslo_messaging._drivers import impl_fake
from oslo_messaging._drivers import impl_rabbit
from oslo_messaging._drivers import pool
from oslo_messaging.rpc import server as rpc_server

from oslo_extras.messaging import _upstream


def params(func):
    return list(inspect.signature(func).parameters)


def test_1_server_hooks_exist_with_their_signatures():
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
    # The notification listener inherits the same hooks.
    from oslo_messaging.notify import listener

    for name in ('_on_incoming', '_process_incoming', '_create_listener'):
        assert hasattr(listener.NotificationServer, name)


def test_2_rabbit_connection_hooks():
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
    assert (consumer.type, consumer.queue_name) == ('topic', 'q')
    assert params(consumer.declare) == ['conn']
    for name in ('topic_send', 'fanout_send', 'notify_send'):
        assert 'self._publish' in inspect.getsource(
            getattr(impl_rabbit.Connection, name)
        )


def test_2_driver_send_only_calls_send():
    # Our send() calls _send() itself, with these arguments.
    assert params(amqpdriver.AMQPDriverBase._send) == [
        'self',
        'target',
        'ctxt',
        'message',
        'wait_for_reply',
        'timeout',
        'call_monitor_timeout',
        'envelope',
        'notify',
        'retry',
        'transport_options',
    ]
    assert impl_rabbit.RabbitDriver.send is amqpdriver.AMQPDriverBase.send
    body = inspect.getsource(amqpdriver.AMQPDriverBase.send).split('):', 1)
    assert ' '.join(body[1].split()) == (
        'return self._send(target, ctxt, message, wait_for_reply, timeout, '
        'call_monitor_timeout, retry=retry, '
        'transport_options=transport_options)'
    )


def test_2_ensure_calls_publish_once_per_attempt_and_a_return_ends_them():
    """A cast's TTL is applied (or its publish skipped) per attempt."""
    import amqp
    import kombu

    from oslo_extras import messaging
    from tests.unit.messaging.helpers import make_conf

    transport = messaging.get_rpc_transport(
        make_conf(kombu_reconnect_delay=0), 'kombu+memory:////'
    )
    attempts = []

    def attempt(exchange, msg, routing_key, timeout, transport_options):
        attempts.append((msg, routing_key, timeout))
        if len(attempts) == 1:
            raise amqp.exceptions.ConnectionError('broker gone')

    try:
        driver = _upstream.transport_driver(transport)
        with _upstream.send_connection(driver) as conn:
            conn._ensure_publishing(
                attempt, kombu.Exchange('x'), 'm', 'k', timeout=5, retry=None
            )
    finally:
        transport.cleanup()
    assert attempts == [('m', 'k', 5), ('m', 'k', 5)]
    source = inspect.getsource(impl_rabbit.Connection._ensure_publishing)
    assert 'self.ensure(method' in source


def test_4_pool_builds_connections_with_connection_cls():
    assert params(pool.ConnectionPool.__init__)[-1] == 'connection_cls'
    assert 'self.connection_cls(' in inspect.getsource(
        pool.ConnectionPool.create
    )
    assert '_connection_pool' in inspect.getsource(
        amqpdriver.AMQPDriverBase.__init__
    )


def test_7_incoming_messages_tell_calls_from_casts():
    assert 'self.orig_msg_id = msg_id' in inspect.getsource(
        amqpdriver.AMQPIncomingMessage.__init__
    )
    assert 'self._reply_q = reply_q' in inspect.getsource(
        impl_fake.FakeIncomingMessage.__init__
    )
    fake_cast = impl_fake.FakeIncomingMessage({}, {}, None, None)
    assert _upstream.is_call(fake_cast) is False


def test_11_options_registered_on_global_conf_only():
    import importlib.util

    from oslo_config import cfg

    conf = cfg.ConfigOpts()
    _upstream.register_opts(conf)
    conf([])
    # 18.3.0 and later read the tracing group; 16.1.2 (our floor) to 18.2.0
    # have none.
    if importlib.util.find_spec('oslo_messaging._tracing') is not None:
        assert conf.oslo_messaging_tracing.tracing_enabled is False
    assert conf.oslo_messaging_metrics.metrics_enabled is False
    assert conf.control_exchange == 'openstack'


def test_6_fake_listener_adapter_and_reply_queue():
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


def test_10_dead_letter_helpers():
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


def test_11_register_opts_works_without_tracing_module(monkeypatch):
    # oslo.messaging before 18.3.0 (16.1.2, our floor) has no _tracing.
    import sys

    from oslo_config import cfg

    monkeypatch.setitem(sys.modules, 'oslo_messaging._tracing', None)
    monkeypatch.setitem(sys.modules, 'oslo_messaging._tracing.client', None)
    conf = cfg.ConfigOpts()
    _upstream.register_opts(conf)
    conf([])
    assert conf.oslo_messaging_metrics.metrics_enabled is False
    assert conf.rpc_response_timeout == 60


def test_13_upstream_publishes_on_the_callers_thread():
    # The per-message TTL of fanouts and notifications reaches the
    # driver's Connection through a thread-local set around upstream's
    # send(), and our client's whole stamp, with the TTL of casts and
    # calls, reaches the driver's send() so
    # (scope.LOCAL.outgoing, read by the driver's send()): if upstream
    # ever sent or published from another thread (a publisher thread, an
    # executor), every TTL would vanish silently. This must fail loudly
    # instead.
    import threading
    from unittest import mock

    from oslo_extras import messaging
    from tests.unit.messaging.helpers import Endpoint
    from tests.unit.messaging.helpers import make_conf
    from tests.unit.messaging.helpers import new_target
    from tests.unit.messaging.helpers import running

    seen = []
    original = _upstream.RabbitConnection._publish

    def spy(self, exchange, msg, routing_key=None, timeout=None, opts=None):
        # timeout: the AMQP expiration, our Connection's (what is left of
        # the thread's TTL for casts and notifications, or a call's TTL)
        # or our driver's send()'s (a call's timeout).
        seen.append((exchange.name, threading.get_ident(), timeout))
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
    assert [ident for _, ident, _ in requests] == [me, me, me]
    # Casts and notifications: what was left of their TTL (counted from
    # the driver's send()); the call: its timeout.
    (cast, fanout, call) = [ttl for _, _, ttl in requests]
    assert 6 < cast <= 7 and 6 < fanout <= 7 and call == 5
    assert seen[-1][1] == me
    assert 8 < seen[-1][2] <= 9


def test_9_connection_lock_guards_the_socket():
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


def test_3_fake_driver_delivers_with_our_reply_queue():
    import queue

    import oslo_messaging
    from oslo_config import cfg

    assert 'self._reply_q.put((reply, failure))' in inspect.getsource(
        impl_fake.FakeIncomingMessage.reply
    )
    conf = cfg.ConfigOpts()
    transport = oslo_messaging.get_rpc_transport(conf, 'fake:///')
    driver = _upstream.transport_driver(transport)
    assert isinstance(driver, _upstream.FakeDriver)
    target = oslo_messaging.Target(topic='guard-3', server='s')
    listener = driver.listen(target, 1, None)
    replies = queue.Queue()
    _upstream.fake_deliver(driver, target, {'u': 1}, {'m': 2}, replies)
    [incoming] = listener._poll_style_listener.poll(timeout=1)
    assert (incoming.ctxt, incoming.message) == ({'u': 1}, {'m': 2})
    assert _upstream.fake_reply_queue(incoming) is replies
    incoming.reply('ok')
    assert replies.get(timeout=1) == ('ok', None)
    transport.cleanup()


def test_3_upstreams_fake_driver_ignores_call_monitoring():
    # drivers.fake.ignores_call_monitoring(): a call on upstream's own fake
    # driver outlives its call_monitor_timeout without heartbeats.
    import oslo_messaging
    from oslo_config import cfg

    transport = oslo_messaging.get_rpc_transport(cfg.ConfigOpts(), 'fake:///')
    driver = _upstream.transport_driver(transport)
    target = oslo_messaging.Target(topic='guard-3-monitor', server='s')
    listener = driver.listen(target, 1, None)

    def serve():
        [incoming] = listener._poll_style_listener.poll(timeout=2)
        threading.Event().wait(0.6)
        incoming.reply('late')

    server = threading.Thread(target=serve)
    server.start()
    reply = driver.send(
        target,
        {},
        {'m': 1},
        wait_for_reply=True,
        timeout=3,
        call_monitor_timeout=0.2,
    )
    server.join()
    assert reply == 'late'
    transport.cleanup()


def test_5_consumers_are_declared_again_on_each_new_channel():
    assert 'consumer.declare(self)' in inspect.getsource(
        impl_rabbit.Connection._set_current_channel
    )
    assert 'consumer.declare(self)' in inspect.getsource(
        impl_rabbit.Connection.declare_consumer
    )
    assert 'self.channel = new_channel' in inspect.getsource(
        impl_rabbit.Connection._set_current_channel
    )
    assert 'self.rabbit_quorum_queue = ' in inspect.getsource(
        impl_rabbit.Connection.__init__
    )


def test_8_dispatcher_watchdog_starts_only_with_client_timeout():
    from oslo_messaging._drivers import base
    from oslo_messaging.rpc import dispatcher

    assert 'self.client_timeout = None' in inspect.getsource(
        base.RpcIncomingMessage.__init__
    )
    source = inspect.getsource(dispatcher.RPCDispatcher.dispatch)
    assert 'if incoming.client_timeout:' in source
    message = impl_fake.FakeIncomingMessage({}, {}, None, None)
    message.client_timeout = 4
    _upstream.stop_upstream_watchdog(message)
    assert message.client_timeout is None


#: sha256 of upstream's RPCDispatcher.dispatch source, whitespace
#: normalised: the same from 16.1.2 (the floor) to 18.3.1. Another hash
#: means upstream changed it: compare it with _upstream.dispatch(), copy
#: the change there, then add the hash.
DISPATCH_SOURCES = {
    '993d60c609089759719a9e1a22dd56e1ff1b86b0a357774a75330b704110b21c',
}


def _dispatch_source_hash() -> str:
    import hashlib

    from oslo_messaging.rpc import dispatcher

    source = inspect.getsource(dispatcher.RPCDispatcher.dispatch)
    return hashlib.sha256(' '.join(source.split()).encode()).hexdigest()


def test_8_dispatch_source_is_the_one_dispatch_copies():
    assert _dispatch_source_hash() in DISPATCH_SOURCES


class _Versioned:
    import oslo_messaging

    target = oslo_messaging.Target(namespace='ns', version='2.1')

    def hello(self, ctxt, name):
        return f'hello {name} {ctxt.get("user")}'

    def fails(self, ctxt):
        raise ValueError('endpoint error')

    def _private(self, ctxt):
        return 'private'


class _Plain:
    def ping(self, ctxt, n=1):
        return n + 1


@pytest.mark.parametrize(
    'message',
    [
        {'method': 'ping', 'args': {'n': 4}},
        {'method': 'ping'},
        {'method': 'hello', 'args': {'name': 'x'}, 'namespace': 'ns'},
        {
            'method': 'hello',
            'args': {'name': 'y'},
            'namespace': 'ns',
            'version': '2.0',
        },
        {'method': 'hello', 'args': {'name': 'z'}, 'version': '2.0'},
        {'method': 'hello', 'namespace': 'ns', 'version': '3.0'},
        {'method': 'nope', 'namespace': 'ns', 'version': '2.1'},
        {'method': 'nope'},
        {'method': 'ping', 'namespace': 'other'},
        {'method': '_private', 'namespace': 'ns', 'version': '2.0'},
        {'method': 'fails', 'namespace': 'ns', 'version': '2.0'},
        {'method': None},
        {'args': {}},
    ],
)
def test_8_dispatch_without_client_timeout_does_what_upstream_does(message):
    from oslo_messaging.rpc import dispatcher

    rpc = dispatcher.RPCDispatcher([_Versioned(), _Plain()], None)

    def outcome(run):
        incoming = impl_fake.FakeIncomingMessage(
            {'user': 'u'}, dict(message), None, None
        )
        try:
            return 'returned', run(rpc, incoming)
        except Exception as exc:
            return type(exc), str(exc), getattr(exc, 'method', None)

    threads = []
    real_thread = threading.Thread

    def counting_thread(*args, **kwargs):
        threads.append(args)
        return real_thread(*args, **kwargs)

    with mock.patch.object(threading, 'Thread', counting_thread):
        ours = outcome(_upstream.dispatch)
        assert threads == []  # no watchdog built
        theirs = outcome(dispatcher.RPCDispatcher.dispatch)
        assert len(threads) == 1  # upstream builds one for every message
    assert ours == theirs


def test_8_dispatch_with_client_timeout_runs_upstreams_watchdog():
    from oslo_messaging.rpc import dispatcher

    rpc = dispatcher.RPCDispatcher([_Plain()], None)
    incoming = impl_fake.FakeIncomingMessage(
        {}, {'method': 'ping', 'args': {'n': 1}}, None, None
    )
    incoming.client_timeout = 60
    started = []
    real_start = threading.Thread.start

    def start(thread):
        started.append(thread)
        return real_start(thread)

    with mock.patch.object(threading.Thread, 'start', start):
        assert _upstream.dispatch(rpc, incoming) == 2
    assert len(started) == 1


def test_9_transport_keeps_its_driver():
    import oslo_messaging
    from oslo_config import cfg

    transport = oslo_messaging.get_rpc_transport(cfg.ConfigOpts(), 'fake:///')
    assert isinstance(
        _upstream.transport_driver(transport), impl_fake.FakeDriver
    )
    transport.cleanup()


def _entries(text: str) -> dict[int, set[str]]:
    """``{number: names in double backquotes}`` of a numbered list."""
    import re

    entries: dict[int, str] = {}
    current = None
    for line in text.splitlines():
        match = re.match(r'\s*(\d+)\. ', line)
        if match:
            current = int(match.group(1))
            entries[current] = ''
        elif current is not None and not line.strip():
            current = None
        if current is not None:
            entries[current] += line + ' '
    return {
        number: {
            ' '.join(name.split()) for name in re.findall(r'``([^`]+)``', body)
        }
        for number, body in entries.items()
    }


def test_spec_lists_exactly_what_upstream_module_relies_on():
    import pathlib
    import re

    spec = pathlib.Path(__file__).parents[3] / 'specs'
    text = (spec / 'messaging-heartbeat-ttl.rst').read_text()
    section = text.split('Upstream internals\n------------------\n')[1]
    section = section.split('\n\n\n')[0].split('\nAlternatives\n')[0]
    code = _entries(_upstream.__doc__)
    assert sorted(code) == list(range(1, 18))
    assert _entries(section) == code
    # Every helper of the module is named by an entry.
    helpers = {
        name
        for name, value in vars(_upstream).items()
        if inspect.isfunction(value)
        and value.__module__ == _upstream.__name__
        and not name.startswith('_')
    }
    named = set(re.findall(r':func:`(\w+)`', _upstream.__doc__))
    assert helpers == named


def test_12_start_builds_the_work_executor_it_dispatches_with():
    source = inspect.getsource(msg_server.MessageHandlingServer.start)
    built = source.index('self._work_executor = self._executor_cls(')
    # Our _create_listener warms the pool up before it consumes.
    assert built < source.index('self._create_listener()')


def test_12_worker_count_counts_the_threads_futurist_started():
    # num_workers from futurist 3.2.0, the _workers list before (3.1.0 in
    # OpenStack 2025.1): either way, the threads the pool really started.
    import futurist

    def worker_threads():
        return [
            t
            for t in threading.enumerate()
            if type(t).__name__ == 'ThreadWorker'
        ]

    before = len(worker_threads())
    executor = futurist.ThreadPoolExecutor(max_workers=2)
    release = threading.Event()
    futures = []
    try:
        assert _upstream.worker_count(executor) == 0
        futures = [executor.submit(release.wait, 5) for _ in range(2)]
        assert _upstream.worker_count(executor) == 2
        assert len(worker_threads()) - before == 2
    finally:
        release.set()
        for future in futures:
            future.result(5)
        executor.shutdown()


def test_14_reply_waiter_routes_every_reply_through_its_waiters():
    # _get_reply_q builds the waiter the reply queue's consumer calls.
    source = inspect.getsource(amqpdriver.AMQPDriverBase._get_reply_q)
    assert 'self._waiter = ReplyWaiter(' in source
    # Each reply reaches waiters.put(msg_id, message), _msg_id popped.
    call = inspect.getsource(amqpdriver.ReplyWaiter.__call__)
    assert "message.pop('_msg_id', None)" in call
    assert 'self.waiters.put(' in call
    assert 'self.waiters = ReplyWaiters()' in inspect.getsource(
        amqpdriver.ReplyWaiter.__init__
    )
    waiters = amqpdriver.ReplyWaiters()
    assert params(waiters.put) == ['msg_id', 'message_data']
    waiters.add('m')
    assert list(waiters._queues) == ['m']
    # put() hands the data to _queues[msg_id].put(data), msg_id None (a
    # batch, no _msg_id) included: the batch splitter sits there.
    taken = []
    waiters._queues[None] = mock.Mock(put=taken.append)
    waiters.put(None, {'batch': 1})
    waiters.put('m', {'reply': 1})
    assert taken == [{'batch': 1}]
    assert waiters._queues['m'].get_nowait() == {'reply': 1}
    # add() warns of a leak from len(_queues), a dict built in __init__:
    # the table we replace leaves the splitter out of that length.
    assert 'self._queues = {}' in inspect.getsource(
        amqpdriver.ReplyWaiters.__init__
    )
    assert 'queues_length = len(self._queues)' in inspect.getsource(
        amqpdriver.ReplyWaiters.add
    )
    assert len(_upstream._CallQueues({None: 1, 'm': 2})) == 1
    # A reply without result or failure and not ending is a heartbeat.
    wait = inspect.getsource(amqpdriver.ReplyWaiter.wait)
    assert 'call_monitor_timer.restart()' in wait
    assert "data['failure']" in inspect.getsource(
        amqpdriver.ReplyWaiter._process_reply
    )


def test_14_direct_send_publishes_a_reply():
    assert params(impl_rabbit.Connection.direct_send) == [
        'self',
        'msg_id',
        'msg',
    ]
    from oslo_messaging._drivers import common

    assert common.deserialize_msg(common.serialize_msg({'a': 1})) == {'a': 1}
    # A connection of its own: built like the pool's, outside its slots.
    assert params(pool.ConnectionPool.create) == ['self', 'purpose', 'retry']
    built = []
    connections = pool.ConnectionPool(
        cfg.ConfigOpts(), 1, 1, 60, 'url', lambda *a, **k: built.append(a)
    )
    connections.create(common.PURPOSE_SEND)
    assert built and built[0][2] == common.PURPOSE_SEND
    assert connections._current_size == 0  # the pool's slots stay free


def test_15_wait_cleans_the_listener_up_after_the_work_is_done():
    source = inspect.getsource(msg_server.MessageHandlingServer.wait)
    shutdown = source.index('self._work_executor.shutdown(wait=True)')
    assert source.index('self.listener.cleanup()') > shutdown


def test_14_only_cleanup_drops_the_reply_queue_and_its_waiter():
    # rabbit-extras installs the batch splitter on the first call only:
    # a waiter built again elsewhere would not split batched heartbeats.
    assigning = sorted(
        name
        for cls in (amqpdriver.AMQPDriverBase, impl_rabbit.RabbitDriver)
        for name, member in vars(cls).items()
        if inspect.isfunction(member)
        and (
            'self._waiter = ' in inspect.getsource(member)
            or 'self._reply_q = ' in inspect.getsource(member)
        )
    )
    assert assigning == ['__init__', '_get_reply_q', 'cleanup']
    assert 'self._waiter = None' in inspect.getsource(
        amqpdriver.AMQPDriverBase.cleanup
    )


def test_16_remote_exceptions_are_rebuilt_in_a_remote_module():
    import json

    import oslo_messaging
    from oslo_messaging._drivers import common

    assert common._REMOTE_POSTFIX == '_Remote'
    failure = json.dumps(
        {
            'class': 'MessagingTimeout',
            'module': 'oslo_messaging.exceptions',
            'message': 'downstream',
            'tb': [],
            'args': ['downstream'],
        }
    )
    rebuilt = common.deserialize_remote_exception(
        failure, ['oslo_messaging.exceptions']
    )
    assert isinstance(rebuilt, oslo_messaging.MessagingTimeout)
    assert _upstream.is_remote_exception(rebuilt)
    assert not _upstream.is_remote_exception(
        oslo_messaging.MessagingTimeout('ours')
    )


def test_17_consumers_hand_each_delivery_to_their_callback():
    source = inspect.getsource(impl_rabbit.Consumer._callback)
    assert 'self.callback(RabbitMessage(message))' in source
    assert 'self.callback = callback' in inspect.getsource(
        impl_rabbit.Consumer.__init__
    )
    received = []
    consumer = impl_rabbit.Consumer(
        'ex', 'q', 'rk', 'topic', False, False, False, received.append
    )
    _upstream.filter_deliveries(
        consumer, lambda message: message['oslo_extras'].clear()
    )
    consumer.queue = mock.Mock(channel=object())  # no message_to_python
    raw = mock.Mock(payload={'method': 'm', 'oslo_extras': {'a': 1}})
    consumer._callback(raw)
    assert received == [{'method': 'm', 'oslo_extras': {}}]
    assert isinstance(received[0], impl_rabbit.RabbitMessage)


def test_17_broker_version_from_the_connections_server_properties():
    assert 'self.connection = kombu.connection.Connection(' in (
        inspect.getsource(impl_rabbit.Connection.__init__)
    )
    import amqp
    import kombu

    assert isinstance(kombu.Connection.connection, property)
    assert 'self.server_properties = ' in inspect.getsource(
        amqp.Connection._on_start
    )

    def connection(properties):
        return mock.Mock(
            connection=mock.Mock(
                connection=mock.Mock(server_properties=properties)
            )
        )

    assert _upstream.broker_version(connection({'version': b'3.10.8'})) == (
        3,
        10,
    )
    assert _upstream.broker_version(connection({'version': '4.0.2'})) == (4, 0)
    assert _upstream.broker_version(connection({})) is None
    assert _upstream.broker_version(connection({'version': 'x'})) is None
    assert _upstream.broker_version(object()) is None


_ABSENT = object()


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(
    method=st.sampled_from(
        [None, 'ping', 'hello', '_private', 'fails', 'nope', 'target', 3, '']
    ),
    namespace=st.sampled_from([_ABSENT, None, 'ns', 'other', 1]),
    version=st.sampled_from(
        [_ABSENT, None, '1.0', '2.0', '2.1', '2.2', '3', '1.0.1', '', 2.0]
    ),
    args=st.sampled_from([_ABSENT, {}, {'n': 3}, {'name': 'x'}, {'bad': 1}]),
    policy=st.sampled_from(
        [
            None,
            'DefaultRPCAccessPolicy',
            'ExplicitRPCAccessPolicy',
            'LegacyRPCAccessPolicy',
        ]
    ),
)
def test_8_dispatch_of_any_request_is_upstreams(
    method, namespace, version, args, policy
):
    from oslo_messaging.rpc import dispatcher

    message = {'method': method}
    for key, value in (
        ('namespace', namespace),
        ('version', version),
        ('args', args),
    ):
        if value is not _ABSENT:
            message[key] = value
    access = getattr(dispatcher, policy) if policy else None
    rpc = dispatcher.RPCDispatcher([_Versioned(), _Plain()], None, access)

    def outcome(run):
        incoming = impl_fake.FakeIncomingMessage(
            {'user': 'u'}, dict(message), None, None
        )
        try:
            return 'returned', run(rpc, incoming)
        except Exception as exc:
            return type(exc), str(exc), getattr(exc, 'method', None)

    assert outcome(_upstream.dispatch) == outcome(
        dispatcher.RPCDispatcher.dispatch
    )
