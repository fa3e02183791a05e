"""The fake-extras driver: call monitoring on ``fake://``."""

from __future__ import annotations

import time

import oslo_messaging
import pytest

from oslo_extras import messaging
from oslo_extras.messaging.drivers import fake
from tests.unit.messaging.helpers import Endpoint
from tests.unit.messaging.helpers import new_target
from tests.unit.messaging.helpers import running
from tests.unit.messaging.helpers import wait_for


def test_fake_url_gets_the_extras_driver(fake_transport):
    assert isinstance(fake_transport._driver, fake.FakeDriver)


def test_stock_server_heartbeats_a_stock_client(fake_transport):
    # Upstream's fake driver ignores call monitoring: this call would
    # fail after 2 s there. Here the stock watchdog's heartbeats arrive.
    target = new_target()
    server = oslo_messaging.get_rpc_server(
        fake_transport, target, [Endpoint()], executor='threading'
    )
    client = oslo_messaging.get_rpc_client(
        fake_transport, target, timeout=10, call_monitor_timeout=2
    )
    with running(server):
        assert client.call({}, 'work', seconds=2.5) == 'worked 2.5s'


def test_monitored_call_fails_when_nothing_comes(fake_transport):
    target = new_target()
    client = oslo_messaging.get_rpc_client(
        fake_transport, target, timeout=10, call_monitor_timeout=0.2
    )
    started = time.monotonic()
    with pytest.raises(oslo_messaging.MessagingTimeout):
        client.call({}, 'work', seconds=0)  # no server at all
    assert time.monotonic() - started < 1


def test_unmonitored_calls_and_casts_behave_as_upstream(fake_transport):
    target = new_target()
    endpoint = Endpoint()
    server = messaging.get_rpc_server(fake_transport, target, [endpoint])
    client = oslo_messaging.get_rpc_client(fake_transport, target, timeout=5)
    with running(server):
        assert client.call({}, 'work', seconds=0) == 'worked 0s'
        client.cast({}, 'work', seconds=0, tag='cast')
        wait_for(lambda: len(endpoint.done) >= 2)
    assert endpoint.done == [0, 'cast']


@pytest.mark.parametrize('server_kind', ['stock', 'extras'])
def test_a_queued_call_whose_caller_gave_up_still_runs(
    fake_transport, server_kind
):
    # A stock caller with call_monitor_timeout gave up while its call
    # waited for the only worker: a stock server runs the call, and so does
    # ours (it used to drop it, "its caller is gone", as it drops a call of
    # our client's that asked for heartbeats).
    target = new_target()
    endpoint = Endpoint()
    get = (
        messaging.get_rpc_server
        if server_kind == 'extras'
        else oslo_messaging.get_rpc_server
    )
    server = get(fake_transport, target, [endpoint], executor='threading')
    client = oslo_messaging.get_rpc_client(
        fake_transport, target, timeout=3, call_monitor_timeout=2
    )
    with running(server, pool_size=1):
        client.cast({}, 'work', seconds=4.5, tag='busy')
        assert endpoint.started.wait(2)
        with pytest.raises(oslo_messaging.MessagingTimeout):
            client.call({}, 'work', seconds=0, tag='queued')
        assert wait_for(lambda: 'queued' in endpoint.done, 4)
    assert endpoint.done == ['busy', 'queued']
