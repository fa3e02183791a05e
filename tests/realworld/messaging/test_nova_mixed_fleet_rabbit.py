"""nova's compute RPC API across a mixed fleet on a real RabbitMQ.

During an upgrade some services run stock oslo.messaging and some run
ours: a conductor on our client (with nova's long calls under a heartbeat
policy) calls a stock compute, and a stock conductor calls a compute on
our server. nova's own ``nova.rpc.get_client``/``get_server`` build both
sides; each outcome must be the one a stock fleet sees: a long call
outlives ``rpc_response_timeout`` (the call monitoring window), a hung
endpoint is reported as a ``MessagingTimeout`` after ``long_rpc_timeout``,
and nova's exceptions come back with their type.
"""

from __future__ import annotations

import time
import uuid

import nova.exception
import nova.rpc
import oslo_messaging
import pytest

from oslo_extras import messaging
from tests.functional.servers.rabbitmq import rabbitmq  # noqa: F401
from tests.realworld.messaging import test_nova_rpcapi as nova_api
from tests.realworld.messaging.conftest import ExtrasMessaging
from tests.realworld.messaging.conftest import rpc_transport

RESPONSE_TIMEOUT = nova_api.RESPONSE_TIMEOUT
#: long_rpc_timeout, scaled down further than nova_api's for the hung case.
LONG_TIMEOUT = 5


@pytest.fixture(params=['extras-client', 'extras-server'])
def fleet(request, conf, rabbitmq, monkeypatch):  # noqa: F811
    """``(client kind, server kind)``; nova.rpc set up for the client."""
    client_kind = 'extras' if request.param == 'extras-client' else 'stock'
    server_kind = 'stock' if client_kind == 'extras' else 'extras'
    nova.objects.register_all()
    exmods = nova.rpc.get_allowed_exmods()
    transports = {
        kind: rpc_transport(kind, conf, rabbitmq.url, exmods)
        for kind in ('stock', 'extras')
    }
    modules = {
        'stock': oslo_messaging,
        'extras': ExtrasMessaging(nova_api.POLICIES),
    }
    monkeypatch.setattr(nova.rpc, 'TRANSPORT', transports[client_kind])
    monkeypatch.setattr(nova.rpc, 'messaging', modules[client_kind])
    monkeypatch.setattr(nova_api.compute_rpcapi, '_ROUTER', None)
    monkeypatch.setattr(nova_api.compute_rpcapi, 'LAST_VERSION', None)
    conf.set_override('rpc_response_timeout', RESPONSE_TIMEOUT)
    conf.set_override('long_rpc_timeout', LONG_TIMEOUT)

    def serving(endpoint):
        # nova.rpc.get_server of the other kind, on its own transport.
        with monkeypatch.context() as server_side:
            server_side.setattr(nova.rpc, 'TRANSPORT', transports[server_kind])
            server_side.setattr(nova.rpc, 'messaging', modules[server_kind])
            host = 'dest-' + uuid.uuid4().hex[:8]
            server = nova_api._serving(
                nova_api.compute_rpcapi.RPC_TOPIC, host, [endpoint]
            )
        return host, server

    try:
        yield client_kind, serving
    finally:
        for transport in transports.values():
            transport.cleanup()


def _check(host):
    return nova_api._check_destination(
        nova_api._context(), nova_api._instance(), host
    )


def test_a_long_check_outlives_the_window(fleet):
    _, serving = fleet
    compute = nova_api.ComputeV6(seconds=RESPONSE_TIMEOUT + 1.5)
    host, server = serving(compute)
    try:
        assert _check(host) == {'dest': 'checked'}
    finally:
        nova_api._stop(server)
    assert len(compute.seen) == 1


def test_a_hung_compute_is_reported_after_long_rpc_timeout(fleet):
    client_kind, serving = fleet
    compute = nova_api.ComputeV6(seconds=LONG_TIMEOUT + 1.5)
    host, server = serving(compute)
    try:
        started = time.monotonic()
        with pytest.raises(oslo_messaging.MessagingTimeout) as err:
            _check(host)
        elapsed = time.monotonic() - started
    finally:
        nova_api._stop(server)
    # The server heartbeated all along: not cut at the window.
    assert LONG_TIMEOUT <= elapsed < LONG_TIMEOUT + 1.5
    if client_kind == 'extras':
        assert isinstance(err.value, messaging.CallTimeExceeded)


class Refusing(nova_api.ComputeV6):
    def check_can_live_migrate_destination(self, ctxt, **kwargs):
        self._record('6', ctxt, kwargs)
        raise nova.exception.MigrationPreCheckError(reason='no room')


def test_novas_exception_comes_back_with_its_type(fleet):
    _, serving = fleet
    compute = Refusing(seconds=RESPONSE_TIMEOUT + 0.5)
    host, server = serving(compute)
    try:
        with pytest.raises(nova.exception.MigrationPreCheckError) as err:
            _check(host)
    finally:
        nova_api._stop(server)
    assert type(err.value).__name__ == 'MigrationPreCheckError_Remote'
    assert 'no room' in str(err.value)
