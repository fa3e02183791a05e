"""Services read upstream's client attributes: ours has them too.

nova's ``ClientRouter`` reads ``version_cap``, ``serializer`` and
``call_monitor_timeout`` of the client ``nova.rpc.get_client`` built, and
builds clients for other cells from them; neutron_lib's and nova's error
messages read ``version_cap``. Our client raised AttributeError.
"""

from __future__ import annotations

import time

import oslo_messaging
import pytest

from oslo_extras import messaging
from tests.unit.messaging.helpers import new_target
from tests.unit.messaging.helpers import running

ATTRIBUTES = [
    'version_cap',
    'serializer',
    'call_monitor_timeout',
    'timeout',
    'retry',
    'transport',
    'target',
]


class AppSerializer(oslo_messaging.NoOpSerializer):
    pass


@pytest.mark.parametrize('serializer', [None, AppSerializer()])
def test_attributes_read_as_upstreams(fake_transport, serializer):
    target = new_target()
    kwargs = dict(
        version_cap='5.0',
        serializer=serializer,
        call_monitor_timeout=60,
        timeout=1800,
        retry=3,
    )
    stock = oslo_messaging.get_rpc_client(fake_transport, target, **kwargs)
    ours = messaging.get_rpc_client(
        fake_transport, target, heartbeat=1, **kwargs
    )
    for each in (lambda c: c, lambda c: c.prepare(version='4.0', timeout=9)):
        for name in ATTRIBUTES:
            if name == 'serializer':
                assert type(getattr(each(ours), name)) is type(
                    getattr(each(stock), name)
                )
                if serializer is not None:
                    assert each(ours).serializer is serializer
            else:
                assert getattr(each(ours), name) == getattr(
                    each(stock), name
                ), name
    assert ours.can_send_version('5.0') and not ours.can_send_version('5.1')


def test_a_missing_attribute_is_still_an_attribute_error(fake_transport):
    client = messaging.get_rpc_client(fake_transport, new_target())
    with pytest.raises(AttributeError):
        client.no_such_attribute  # noqa: B018


class Echo:
    def echo(self, ctxt, value):
        return value


@pytest.mark.parametrize('heartbeat', [None, 1])
def test_attributes_set_as_on_upstreams(fake_transport, heartbeat):
    # neutron's common agent loop sets client.timeout on SIGTERM; upstream's
    # client then uses it for the calls that follow. Ours kept the value
    # in a shadowing attribute and its calls waited rpc_response_timeout.
    target = new_target(version='1.0')
    server = messaging.get_rpc_server(fake_transport, target, [Echo()])
    client = messaging.get_rpc_client(
        fake_transport, target, heartbeat=heartbeat, version_cap='1.9'
    )
    with running(server):
        assert client.call({}, 'echo', value=1) == 1  # plans made
        client.version_cap = '1.0'
        client.target = new_target(version='1.5')
        client.serializer = Doubling()
        client.timeout = 1
    assert client.version_cap == '1.0' and client.timeout == 1
    assert isinstance(client.serializer, Doubling)
    with pytest.raises(oslo_messaging.RPCVersionCapError):
        client.cast({}, 'echo', value=1)
    client.target = target
    with running(server):
        assert client.call({}, 'echo', value=2) == 8  # both ways
    # Nobody serves this topic: the call waits the timeout set.
    client.target = new_target(version='1.0')
    started = time.monotonic()
    with pytest.raises(oslo_messaging.MessagingTimeout):
        client.call({}, 'echo', value=3)
    assert time.monotonic() - started < 1.8


class Doubling(oslo_messaging.NoOpSerializer):
    def serialize_entity(self, ctxt, entity):
        return entity * 2

    def deserialize_entity(self, ctxt, entity):
        return entity * 2
