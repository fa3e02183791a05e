"""nova's compute and scheduler RPC APIs (nova from PyPI) on our client.

nova prepares its long calls with ``call_monitor_timeout=
rpc_response_timeout, timeout=long_rpc_timeout``
(``ComputeAPI.check_can_live_migrate_destination``,
``SchedulerAPI.select_destinations``) and negotiates versions with
``can_send_version()`` against ``[upgrade_levels]`` caps. Its own
``nova.rpc.get_client``/``get_server`` build the client and server (with
nova's context and object serializers); with a heartbeat policy on those
methods, every outcome must be the stock one.
"""

from __future__ import annotations

import threading
import time
import uuid

import nova.conf  # noqa: F401  (registers nova's options)
import nova.context
import nova.objects
import nova.rpc
import oslo_messaging
import pytest
from nova.compute import rpcapi as compute_rpcapi
from nova.objects import base as objects_base
from nova.scheduler import rpcapi as scheduler_rpcapi

from oslo_extras import messaging
from tests.realworld.messaging.conftest import ExtrasMessaging
from tests.realworld.messaging.conftest import rpc_transport

#: What nova's services would declare for their long calls.
POLICIES = {
    'check_can_live_migrate_destination': dict(heartbeat=0.5, ttl=30),
    'select_destinations': dict(heartbeat=0.5, ttl=30),
}
#: Scaled-down rpc_response_timeout / long_rpc_timeout (60 s / 1800 s).
RESPONSE_TIMEOUT = 2
LONG_TIMEOUT = 8


@pytest.fixture
def nova_rpc(kind, conf, transport_url, monkeypatch):
    """nova.rpc set up as ``nova.rpc.init`` would, on a stock or extras
    transport; the kind is returned."""
    nova.objects.register_all()
    transport = rpc_transport(
        kind, conf, transport_url, nova.rpc.get_allowed_exmods()
    )
    if kind == 'extras':
        monkeypatch.setattr(nova.rpc, 'messaging', ExtrasMessaging(POLICIES))
    monkeypatch.setattr(nova.rpc, 'TRANSPORT', transport)
    # ComputeAPI's client router is a module-wide singleton.
    monkeypatch.setattr(compute_rpcapi, '_ROUTER', None)
    monkeypatch.setattr(compute_rpcapi, 'LAST_VERSION', None)
    conf.set_override('rpc_response_timeout', RESPONSE_TIMEOUT)
    conf.set_override('long_rpc_timeout', LONG_TIMEOUT)
    try:
        yield kind
    finally:
        transport.cleanup()


class _Recorder:
    def __init__(self, seconds: float = 0) -> None:
        self.seconds = seconds
        self.seen: list[tuple[str, object, dict]] = []

    def _record(self, name, ctxt, kwargs):
        self.seen.append((name, ctxt, kwargs))
        time.sleep(self.seconds)


class ComputeV6(_Recorder):
    target = oslo_messaging.Target(version='6.4')

    def check_can_live_migrate_destination(self, ctxt, **kwargs):
        self._record('6', ctxt, kwargs)
        return {'dest': 'checked'}


class ComputeV5(_Recorder):
    # nova's compute manager serves 5.x with a proxy of its own.
    target = oslo_messaging.Target(version='5.13')

    def check_can_live_migrate_destination(self, ctxt, **kwargs):
        self._record('5', ctxt, kwargs)
        return {'dest': 'checked (5.x)'}


class Scheduler(_Recorder):
    target = oslo_messaging.Target(version='4.5')

    def select_destinations(self, ctxt, **kwargs):
        self._record('4', ctxt, kwargs)
        return [['host-a']]


def _serving(topic, host, endpoints):
    """A server built by nova's own ``nova.rpc.get_server``."""
    target = oslo_messaging.Target(topic=topic, server=host)
    server = nova.rpc.get_server(
        target, endpoints, serializer=objects_base.NovaObjectSerializer()
    )
    server.start()
    return server


def _stop(server):
    server.stop()
    server.wait()


def _context():
    return nova.context.RequestContext(
        user_id='u-1', project_id='p-1', request_id='req-' + uuid.uuid4().hex
    )


def _instance():
    return nova.objects.Instance(uuid=str(uuid.uuid4()), host='src-host')


def _check_destination(ctxt, instance, host):
    return compute_rpcapi.ComputeAPI().check_can_live_migrate_destination(
        ctxt,
        instance,
        host,
        block_migration=False,
        disk_over_commit=False,
        migration=None,
        limits=None,
    )


def test_live_migration_check_outlives_rpc_response_timeout(nova_rpc):
    # Longer than rpc_response_timeout, shorter than long_rpc_timeout: the
    # stock call succeeds; with a heartbeat policy it used to be cut at
    # rpc_response_timeout (CallTimeExceeded).
    host = 'dest-' + uuid.uuid4().hex[:8]
    compute = ComputeV6(seconds=RESPONSE_TIMEOUT + 1.5)
    server = _serving(compute_rpcapi.RPC_TOPIC, host, [compute])
    ctxt, instance = _context(), _instance()
    try:
        assert _check_destination(ctxt, instance, host) == {'dest': 'checked'}
    finally:
        _stop(server)
    [(version, seen_ctxt, kwargs)] = compute.seen
    assert version == '6'
    # nova's serializers rebuilt its context and objects, no stamp leaked.
    assert isinstance(seen_ctxt, nova.context.RequestContext)
    assert seen_ctxt.to_dict() == ctxt.to_dict()
    assert isinstance(kwargs['instance'], nova.objects.Instance)
    assert kwargs['instance'].uuid == instance.uuid
    assert sorted(kwargs) == [
        'block_migration',
        'disk_over_commit',
        'instance',
        'limits',
        'migration',
    ]


def test_pinned_compute_version_negotiates_as_stock(nova_rpc, conf):
    # [upgrade_levels]compute pinned to 5.0: can_send_version('5.3') is
    # false, nova drops migration and limits and sends 5.0.
    conf.set_override('compute', '5.0', group='upgrade_levels')
    host = 'dest-' + uuid.uuid4().hex[:8]
    v6, v5 = ComputeV6(), ComputeV5()
    server = _serving(compute_rpcapi.RPC_TOPIC, host, [v6, v5])
    try:
        result = _check_destination(_context(), _instance(), host)
    finally:
        _stop(server)
    assert result == {'dest': 'checked (5.x)'}
    assert v6.seen == []
    [(_, _, kwargs)] = v5.seen
    assert sorted(kwargs) == [
        'block_migration',
        'disk_over_commit',
        'instance',
    ]


@pytest.mark.parametrize(
    'cap, sent',
    [
        (
            None,
            [
                'instance_uuids',
                'return_alternates',
                'return_objects',
                'spec_obj',
            ],
        ),
        ('4.3', ['spec_obj']),
    ],
)
def test_select_destinations_with_version_caps(nova_rpc, conf, cap, sent):
    if cap:
        conf.set_override('scheduler', cap, group='upgrade_levels')
    host = 'sched-' + uuid.uuid4().hex[:8]
    scheduler = Scheduler(seconds=RESPONSE_TIMEOUT + 1)
    server = _serving(scheduler_rpcapi.RPC_TOPIC, host, [scheduler])
    spec = nova.objects.RequestSpec(num_instances=1)
    try:
        result = scheduler_rpcapi.SchedulerAPI().select_destinations(
            _context(), spec, [str(uuid.uuid4())]
        )
    finally:
        _stop(server)
    assert result == [['host-a']]
    [(_, _, kwargs)] = scheduler.seen
    assert sorted(kwargs) == sent
    assert isinstance(kwargs['spec_obj'], nova.objects.RequestSpec)


def test_a_dead_compute_is_reported_after_rpc_response_timeout(
    nova_rpc, transport_url
):
    # Nobody serves the destination. Upstream gives up after the call
    # monitoring window (rpc_response_timeout), not long_rpc_timeout, on
    # a driver that monitors calls; fake:// does not, and stock waits for
    # long_rpc_timeout there.
    host = 'gone-' + uuid.uuid4().hex[:8]
    window = RESPONSE_TIMEOUT
    if nova_rpc == 'stock' and transport_url == 'fake://':
        window = LONG_TIMEOUT
    started = time.monotonic()
    with pytest.raises(oslo_messaging.MessagingTimeout) as err:
        _check_destination(_context(), _instance(), host)
    elapsed = time.monotonic() - started
    assert window <= elapsed < window + 1.5
    if nova_rpc == 'extras':
        assert isinstance(err.value, messaging.HeartbeatTimeout)


def test_nova_cast_and_call_threads_share_one_client(nova_rpc):
    # nova's API threads share ComputeAPI's router: several long calls at
    # once, each with the stock outcome.
    host = 'dest-' + uuid.uuid4().hex[:8]
    compute = ComputeV6(seconds=RESPONSE_TIMEOUT + 0.5)
    server = _serving(compute_rpcapi.RPC_TOPIC, host, [compute])
    results: list[object] = []

    def one():
        try:
            results.append(_check_destination(_context(), _instance(), host))
        except Exception as exc:  # reported below
            results.append(exc)

    threads = [threading.Thread(target=one) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(LONG_TIMEOUT + 5)
    finally:
        _stop(server)
    assert results == [{'dest': 'checked'}] * 4


def test_a_cell_targeted_long_check_goes_through_the_router(nova_rpc):
    # A context targeted at a cell (nova.context.target_cell sets its
    # mq_connection): ClientRouter builds a client per call with
    # get_rpc_client from the default client's version_cap, serializer and
    # call_monitor_timeout; the long call keeps its stock outcome.
    host = 'dest-' + uuid.uuid4().hex[:8]
    compute = ComputeV6(seconds=RESPONSE_TIMEOUT + 1.5)
    server = _serving(compute_rpcapi.RPC_TOPIC, host, [compute])
    ctxt = _context()
    ctxt.mq_connection = nova.rpc.TRANSPORT
    try:
        assert _check_destination(ctxt, _instance(), host) == {
            'dest': 'checked'
        }
        router = compute_rpcapi.ComputeAPI().router
        cell_client = router.client(ctxt)
        assert cell_client is not router.default_client
        if nova_rpc == 'extras':
            assert isinstance(cell_client, messaging.RPCClient)
    finally:
        _stop(server)
    [(_, seen_ctxt, kwargs)] = compute.seen
    assert isinstance(seen_ctxt, nova.context.RequestContext)
    assert isinstance(kwargs['instance'], nova.objects.Instance)
