"""neutron's agent-side RPC (neutron and neutron-lib from PyPI) on our client.

neutron_lib's ``get_client`` builds upstream's client with
``client_cls=BackingOffClient``: a context prepared without a timeout
doubles a method's timeout each time a call of it times out.
neutron's ``PluginReportStateAPI`` calls ``has_alive_neutron_server`` so
and ``report_state`` with ``prepare(timeout=report_interval)``, a total
in upstream's sense. The same real classes drive a stock and an extras
client; the extras one declares a heartbeat on ``report_state``.
"""

from __future__ import annotations

import time
import uuid

import oslo_messaging
import pytest
from neutron.agent import rpc as agent_rpc
from neutron.conf import service as service_conf
from neutron.conf.agent import common as agent_conf
from neutron_lib import context as n_context
from neutron_lib import rpc as lib_rpc

from tests.realworld.messaging.conftest import ExtrasMessaging
from tests.realworld.messaging.conftest import rpc_transport

POLICIES = {'report_state': dict(heartbeat=0.5, ttl=30)}
RESPONSE_TIMEOUT = 1
REPORT_INTERVAL = 5


@pytest.fixture
def neutron_rpc(kind, conf, transport_url, monkeypatch):
    service_conf.register_service_opts(service_conf.RPC_EXTRA_OPTS, conf)
    agent_conf.register_agent_state_opts_helper(conf)
    conf.set_override('rpc_response_timeout', RESPONSE_TIMEOUT)
    conf.set_override('report_interval', REPORT_INTERVAL, group='AGENT')
    transport = rpc_transport(kind, conf, transport_url, lib_rpc._DFT_EXMODS)
    monkeypatch.setattr(lib_rpc, 'TRANSPORT', transport)
    if kind == 'extras':
        monkeypatch.setattr(
            lib_rpc, 'oslo_messaging', ExtrasMessaging(POLICIES)
        )
    lib_rpc._BackingOffContextWrapper.reset_timeouts()
    try:
        yield kind
    finally:
        lib_rpc._BackingOffContextWrapper.reset_timeouts()
        transport.cleanup()


class StateEndpoint:
    """The server side of neutron's state reports (AgentExtRpcCallback)."""

    target = oslo_messaging.Target(version='1.4')

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.reports: list[dict] = []

    def has_alive_neutron_server(self, context, **kwargs):
        time.sleep(self.seconds)
        return True

    def report_state(self, context, **kwargs):
        self.reports.append(kwargs)
        time.sleep(self.seconds)
        return 'ok'


def _serving(topic, endpoint):
    server = lib_rpc.get_server(
        oslo_messaging.Target(topic=topic, server='neutron-server'),
        [endpoint],
    )
    server.start()
    return server


def _stop(server):
    server.stop()
    server.wait()


def test_backing_off_client_doubles_a_timed_out_methods_timeout(
    neutron_rpc,
):
    topic = 'q-reports-' + uuid.uuid4().hex[:8]
    server = _serving(topic, StateEndpoint(seconds=RESPONSE_TIMEOUT + 0.5))
    api = agent_rpc.PluginReportStateAPI(topic)
    ctxt = n_context.get_admin_context_without_session()
    timeouts = lib_rpc._BackingOffContextWrapper._METHOD_TIMEOUTS
    try:
        with pytest.raises(oslo_messaging.MessagingTimeout):
            api.has_alive_neutron_server(ctxt)
        assert timeouts['has_alive_neutron_server'] == 2 * RESPONSE_TIMEOUT
        # Backed off: the next call waits long enough.
        assert api.has_alive_neutron_server(ctxt) is True
    finally:
        _stop(server)


def test_report_state_waits_its_prepared_total(neutron_rpc):
    # report_state prepares timeout=report_interval, longer than
    # rpc_response_timeout: with a heartbeat on the method the call used
    # to be cut at rpc_response_timeout.
    topic = 'q-reports-' + uuid.uuid4().hex[:8]
    endpoint = StateEndpoint(seconds=RESPONSE_TIMEOUT + 1.5)
    server = _serving(topic, endpoint)
    api = agent_rpc.PluginReportStateAPI(topic)
    ctxt = n_context.get_admin_context_without_session()
    state = {'binary': 'neutron-openvswitch-agent', 'host': 'net-1'}
    try:
        assert api.report_state(ctxt, state, use_call=True) == 'ok'
        # An explicit timeout is not backed off, with either client.
        assert 'report_state' not in (
            lib_rpc._BackingOffContextWrapper._METHOD_TIMEOUTS
        )
    finally:
        _stop(server)
    [report] = endpoint.reports
    assert report['agent_state']['agent_state']['host'] == 'net-1'


def test_report_state_cast_reaches_the_server(neutron_rpc):
    topic = 'q-reports-' + uuid.uuid4().hex[:8]
    endpoint = StateEndpoint(seconds=0)
    server = _serving(topic, endpoint)
    api = agent_rpc.PluginReportStateAPI(topic)
    ctxt = n_context.get_admin_context_without_session()
    try:
        api.report_state(ctxt, {'host': 'net-2'})
        deadline = time.monotonic() + 5
        while not endpoint.reports and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        _stop(server)
    [report] = endpoint.reports
    assert report['agent_state']['agent_state']['host'] == 'net-2'
