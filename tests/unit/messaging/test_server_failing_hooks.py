"""A hook that raises, or a request the server cannot read, gets an answer.

As upstream answers an endpoint that raises: the message is acknowledged
once, a caller gets the error as its reply (a cast is dropped), the
heartbeats of that call end, the server keeps no trace of the request and
serves the next message, and one log line names the interceptor and hook.
"""

from __future__ import annotations

import logging
import time

import oslo_messaging
import pytest
from oslo_messaging._drivers import amqpdriver
from oslo_messaging._drivers import base as driver_base

from oslo_extras import messaging
from oslo_extras.messaging import interceptors as interceptors_mod
from oslo_extras.messaging import server as server_mod
from oslo_extras.messaging.interceptors import heartbeat
from oslo_extras.messaging.interceptors import ttl
from oslo_extras.messaging.policy import MessagePolicy
from oslo_extras.messaging.policy import PolicyMap
from tests.unit.messaging.helpers import Endpoint
from tests.unit.messaging.helpers import new_target
from tests.unit.messaging.helpers import running
from tests.unit.messaging.helpers import wait_for

HOOKS = ['received', 'watches', 'dispatching']


class HookError(Exception):
    """A plugin's own exception class (not one a client can rebuild)."""


class Failing(interceptors_mod.Interceptor):
    """A third-party plugin whose hook ``where`` raises for ``record``."""

    name = 'failing'

    def __init__(self, where: str) -> None:
        self.where = where
        self.finished_for: list[str | None] = []
        self.beats: list[object] = []

    def _fail(self, where, request):
        if self.where == where and request.method == 'record':
            raise HookError(f'{where} hook failed')

    def received(self, request):
        self._fail('received', request)
        return True

    def watches(self, request):
        self._fail('watches', request)
        return True

    def dispatching(self, request):
        self._fail('dispatching', request)
        return True

    def finished(self, request):
        self.finished_for.append(request.method)
        self.beats.append(request.state.get('beat'))
        self._fail('finished', request)


@pytest.fixture
def acks(monkeypatch):
    """The method of every message the server acknowledged, in order."""
    acked: list[object] = []
    for cls in (driver_base.IncomingMessage, amqpdriver.AMQPIncomingMessage):
        real = cls.acknowledge

        def acknowledge(self, real=real):
            acked.append(self.message.get('method'))
            return real(self)

        monkeypatch.setattr(cls, 'acknowledge', acknowledge)
    return acked


def error_name(exc: BaseException) -> str:
    """The class name a caller sees (fake:// re-raises the object)."""
    return getattr(exc, 'exc_type', None) or type(exc).__name__


def failing_server(transport, target, endpoint, failing, methods=None):
    return server_mod.RPCServer(
        transport,
        target,
        [endpoint],
        policies=PolicyMap(MessagePolicy(heartbeat=0.2), methods),
        interceptors=[heartbeat.Heartbeat(), ttl.TimeToLive(), failing],
    )


def errors(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize('where', HOOKS)
def test_a_call_whose_hook_raises_gets_the_error(
    any_transport, acks, caplog, where
):
    target = new_target()
    endpoint = Endpoint()
    failing = Failing(where)
    server = failing_server(any_transport, target, endpoint, failing)
    client = messaging.get_rpc_client(
        any_transport, target, heartbeat=0.2, max_call_time=8
    )
    with running(server):
        started = time.monotonic()
        with pytest.raises(Exception) as err:
            client.call({}, 'record', tag='never')
        # The reply, not the caller's 2 s silence window.
        assert time.monotonic() - started < 1.5
        assert error_name(err.value) == 'HookError'
        assert f'{where} hook failed' in str(err.value)
        sent = server.stats['heartbeats']
        time.sleep(0.5)  # two intervals: no heartbeat for it any more
        assert server.stats['heartbeats'] == sent
        # The server still serves.
        assert client.call({}, 'work', seconds=0) == 'worked 0s'
    assert endpoint.done == [0]
    assert acks.count('record') == 1
    assert failing.finished_for.count('record') == 1
    assert all(beat.stopped for beat in failing.beats if beat is not None)
    assert not server._requests and not server._finishing
    [logged] = errors(caplog)
    assert f"'failing' interceptor's {where} hook failed" in logged.message
    assert "call 'record'" in logged.message


@pytest.mark.parametrize('where', HOOKS)
def test_a_cast_whose_hook_raises_is_acknowledged_and_dropped(
    any_transport, acks, caplog, where
):
    target = new_target()
    endpoint = Endpoint()
    failing = Failing(where)
    server = failing_server(any_transport, target, endpoint, failing)
    client = messaging.get_rpc_client(any_transport, target)
    with running(server, pool_size=1):
        client.cast({}, 'record', tag='never')
        client.cast({}, 'record', tag='never again')
        client.cast({}, 'work', seconds=0, tag='next')
        assert wait_for(lambda: endpoint.done == ['next'])
    assert acks.count('record') == 2
    assert failing.finished_for.count('record') == 2
    assert not server._requests and not server._finishing
    logged = errors(caplog)
    assert len(logged) == 2
    assert all("cast 'record'" in r.message for r in logged)


def test_a_raising_finished_hook_keeps_the_reply(any_transport, acks, caplog):
    target = new_target()
    endpoint = Endpoint()
    failing = Failing('finished')
    server = failing_server(any_transport, target, endpoint, failing)
    client = messaging.get_rpc_client(
        any_transport, target, heartbeat=0.2, max_call_time=8
    )
    with running(server):
        assert client.call({}, 'record', tag='ran') is None
        assert client.call({}, 'work', seconds=0) == 'worked 0s'
    assert endpoint.done == ['ran', 0]
    assert acks.count('record') == 1
    assert failing.finished_for.count('record') == 1
    assert all(beat.stopped for beat in failing.beats if beat is not None)
    assert not server._requests and not server._finishing
    [logged] = errors(caplog)
    assert logged.message == 'failing failed to finish'


@pytest.mark.parametrize('method', [['work'], {'work': 1}])
def test_an_unhashable_method_is_answered_as_stock_answers_it(
    any_transport, acks, method
):
    raw = {'method': method, 'args': {}}

    def answer(server, target):
        with running(server):
            with pytest.raises(Exception) as err:
                any_transport._send(
                    target, {}, dict(raw), wait_for_reply=True, timeout=5
                )
            client = messaging.get_rpc_client(any_transport, target)
            assert client.call({}, 'work', seconds=0) == 'worked 0s'
        return error_name(err.value)

    stock_target = new_target()
    stock = oslo_messaging.get_rpc_server(
        any_transport, stock_target, [Endpoint()]
    )
    expected = answer(stock, stock_target)
    target = new_target()
    server = messaging.get_rpc_server(
        any_transport,
        target,
        [Endpoint()],
        methods={'work': dict(ttl=30), 'record': dict(heartbeat=1)},
    )
    assert answer(server, target) == expected
    assert acks.count(method) == 2  # once by each server
    assert not server._requests and not server._finishing


BAD_STAMPS = [
    # Past a float: float() raises OverflowError, not ValueError.
    {'ttl': 10**400},
    {'heartbeat': 10**400, 'sent': 10**400},
    # No interval a scheduler can wait for.
    {'heartbeat': float('inf')},
    {'heartbeat': 1e300},
    {'heartbeat': 0.5, 'sent': float('inf')},
    {'heartbeat': 0.5, 'sent': float('-inf')},
    {'heartbeat': 0.5, 'sent': -1e300},
    {'ttl': 'soon', 'sent': [1], 'heartbeat': {'a': 1}},
    'not a mapping',
]


@pytest.mark.parametrize(
    'body_stamp', BAD_STAMPS, ids=lambda stamp: repr(stamp)[:40]
)
def test_a_call_with_a_bad_stamp_is_answered_and_the_server_serves_on(
    any_transport, acks, body_stamp
):
    target = new_target()
    server = messaging.get_rpc_server(any_transport, target, [Endpoint()])
    raw = {
        'method': 'work',
        'args': {'seconds': 0.3},
        'oslo_extras': body_stamp,
    }
    client = messaging.get_rpc_client(
        any_transport, target, heartbeat=0.2, timeout=2
    )
    with running(server):
        # Served as if unstamped, or dropped as expired; never unanswered
        # (a dropped call's caller gave up: it gets no reply).
        try:
            any_transport._send(
                target,
                {},
                raw,
                wait_for_reply=True,
                timeout=3,
                call_monitor_timeout=2,
            )
        except oslo_messaging.MessagingTimeout:
            assert server.stats['expired'] == 1
        assert acks.count('work') == 1
        # Not one heartbeat after another (an infinite interval did that).
        assert server.stats['heartbeats'] <= 2
        # Heartbeated calls still get their heartbeats: about five in a
        # 1 s call (two is what a loaded CI machine surely sends).
        before = server.stats['heartbeats']
        assert client.call({}, 'work', seconds=1) == 'worked 1s'
        assert server.stats['heartbeats'] - before >= 2
    assert not server._requests and not server._finishing
