"""Our server answers and runs endpoints exactly as stock's does.

The same requests from a stock client, to a stock ``get_rpc_server`` and
to ours, on the same kind of transport: the replies (values, or error
class and text) and the endpoint calls (method, context, arguments after
the serializer) must be identical, through namespaces, versions, access
policies, serializers, expected exceptions and upstream's ping endpoint.
Our dispatcher looks the endpoint up itself (``_upstream.dispatch``) for
every message without ``client_timeout``: this is what checks it end to
end.
"""

from __future__ import annotations

import uuid

import oslo_messaging
import pytest
from oslo_config import cfg
from oslo_messaging.rpc import dispatcher as rpc_dispatcher

from oslo_extras import messaging
from oslo_extras.messaging import _upstream
from tests.unit.messaging.helpers import make_conf
from tests.unit.messaging.helpers import running
from tests.unit.messaging.helpers import wait_for


class _Serializer(oslo_messaging.Serializer):
    """Leaves a mark on everything it touches."""

    def serialize_entity(self, ctxt, entity):
        return {'out': entity, 'by': ctxt.get('user')}

    def deserialize_entity(self, ctxt, entity):
        return ('in', entity)

    def serialize_context(self, ctxt):
        return dict(ctxt)

    def deserialize_context(self, ctxt):
        return {**ctxt, 'seen': True}


def _endpoints(log):
    def recorded(name):
        def method(self, ctxt, **kwargs):
            log.append(
                (type(self).__name__, name, sorted(ctxt.items()), kwargs)
            )
            if 'boom' in kwargs:
                raise ValueError(f'{name} failed')
            if 'expected' in kwargs:
                raise KeyError(name)
            return [name, sorted(kwargs)]

        method.__name__ = name
        return method

    class V2:
        target = oslo_messaging.Target(namespace='ns', version='2.3')
        hello = recorded('hello')
        exposed = oslo_messaging.expose(recorded('exposed'))
        _private = recorded('_private')
        expected = oslo_messaging.expected_exceptions(KeyError)(
            recorded('expected')
        )

    class Plain:
        ping = recorded('ping')
        hello = recorded('hello_plain')

    class V1:
        target = oslo_messaging.Target(version='1.5')
        ping = recorded('ping_v1')
        only_v1 = recorded('only_v1')

    class Empty:
        target = None
        ping = recorded('ping_empty')

    return [V2(), Plain(), V1(), Empty()]


#: (prepare() arguments, method, arguments)
REQUESTS = [
    ({}, 'ping', {'n': 1}),
    ({'version': '1.4'}, 'ping', {}),
    ({'version': '1.6'}, 'ping', {}),
    ({'version': '1.6'}, 'only_v1', {}),
    ({'version': '2.0'}, 'only_v1', {}),
    ({}, 'only_v1', {'x': [1, 2]}),
    ({'namespace': 'ns'}, 'hello', {'name': 'a'}),
    ({'namespace': 'ns', 'version': '2.3'}, 'hello', {}),
    ({'namespace': 'ns', 'version': '2.4'}, 'hello', {}),
    ({'namespace': 'ns', 'version': '3.0'}, 'hello', {}),
    ({'namespace': 'other'}, 'hello', {}),
    ({}, 'hello', {}),
    ({'namespace': 'ns'}, 'exposed', {}),
    ({'namespace': 'ns'}, '_private', {}),
    ({'namespace': 'ns'}, 'nope', {}),
    ({}, 'nope_ignore_errors', {}),
    ({'namespace': 'ns'}, 'hello', {'boom': 1}),
    ({'namespace': 'ns'}, 'expected', {'expected': 1}),
    ({}, 'ping', {'expected': 1}),
    ({}, 'target', {}),
    ({}, '__class__', {}),
    ({}, 'oslo_rpc_server_ping', {}),
]


def _outcome(run, *args, **kwargs):
    try:
        return 'returned', run(*args, **kwargs)
    except Exception as exc:
        # Rebuilt remote errors are subclasses named <class>_Remote.
        name = type(exc).__name__.removesuffix('_Remote')
        # Their text ends with the server's traceback (file paths differ).
        text = exc.args[0] if exc.args else ''
        return 'raised', name, str(text).split('\n')[0]


def _exchange(url, build_server, access_policy, serializer, make_transport):
    conf = make_conf()
    # Upstream reads options it registers on the global CONF only.
    _upstream.register_opts(conf)
    transport = make_transport(conf, url)
    target = oslo_messaging.Target(
        topic='eq-' + uuid.uuid4().hex[:8], server='s1'
    )
    log: list = []
    server = build_server(
        transport,
        target,
        _endpoints(log),
        serializer=serializer,
        access_policy=access_policy,
    )
    client = oslo_messaging.get_rpc_client(
        transport, target, timeout=5, serializer=serializer
    )
    replies = []
    try:
        with running(server, pool_size=1):
            for prepared, method, kwargs in REQUESTS:
                prepared_client = client.prepare(**prepared)
                replies.append(
                    _outcome(
                        prepared_client.call, {'user': 'u'}, method, **kwargs
                    )
                )
                prepared_client.cast({'user': 'c'}, method, **kwargs)
            # One worker: the casts ran in order, this one last.
            client.prepare(namespace='ns', version='2.0').cast(
                {'user': 'c'}, 'exposed', last=1
            )
            assert wait_for(lambda: log and 'last' in log[-1][3], 5)
    finally:
        transport.cleanup()
    return replies, log


@pytest.mark.parametrize(
    ('url', 'serializer', 'access_policy'),
    [
        ('fake://', None, None),
        ('fake://', _Serializer(), rpc_dispatcher.ExplicitRPCAccessPolicy),
        ('fake://', None, rpc_dispatcher.LegacyRPCAccessPolicy),
        ('kombu+memory:////', _Serializer(), None),
        ('kombu+memory:////', None, rpc_dispatcher.DefaultRPCAccessPolicy),
        ('kombu+memory:////', None, rpc_dispatcher.ExplicitRPCAccessPolicy),
    ],
)
def test_replies_and_endpoint_calls_are_stocks(url, serializer, access_policy):
    ours = _exchange(
        url,
        messaging.get_rpc_server,
        access_policy,
        serializer,
        messaging.get_rpc_transport,
    )
    stock = _exchange(
        url,
        oslo_messaging.get_rpc_server,
        access_policy,
        serializer,
        oslo_messaging.get_rpc_transport,
    )
    assert ours[0] == stock[0]
    assert ours[1] == stock[1]


def test_upstreams_ping_endpoint_answers_as_stocks():
    cfg.CONF.register_opts(rpc_dispatcher._dispatcher_opts)
    cfg.CONF.set_override('rpc_ping_enabled', True)
    try:
        ours = _exchange(
            'fake://',
            messaging.get_rpc_server,
            None,
            None,
            messaging.get_rpc_transport,
        )
        stock = _exchange(
            'fake://',
            oslo_messaging.get_rpc_server,
            None,
            None,
            oslo_messaging.get_rpc_transport,
        )
    finally:
        cfg.CONF.clear_override('rpc_ping_enabled')
    assert ours == stock
    ping = REQUESTS.index(({}, 'oslo_rpc_server_ping', {}))
    assert ours[0][ping] == ('returned', 'pong')
