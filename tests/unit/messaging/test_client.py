"""The RPC client's per-call work (no server needed)."""

from __future__ import annotations

import threading

import oslo_messaging

from oslo_extras import messaging
from oslo_extras.messaging import _plans as plans_mod
from oslo_extras.messaging import client as client_mod
from oslo_extras.messaging import interceptors as interceptors_mod
from oslo_extras.messaging import server as server_mod
from oslo_extras.messaging import stamp
from oslo_extras.messaging._serializer import StampingSerializer
from oslo_extras.messaging.interceptors import heartbeat
from oslo_extras.messaging.interceptors import ttl
from oslo_extras.messaging.policy import MessagePolicy
from oslo_extras.messaging.policy import PolicyMap
from tests.unit.messaging.helpers import Endpoint
from tests.unit.messaging.helpers import new_target
from tests.unit.messaging.helpers import running
from tests.unit.messaging.helpers import wait_for


class _CountingConf:
    """Stands for upstream's ConfigOptsProxy and counts the reads."""

    def __init__(self, value: float) -> None:
        self.value = value
        self.reads = 0

    @property
    def rpc_response_timeout(self) -> float:
        self.reads += 1
        return self.value


def test_rpc_response_timeout_is_read_once_per_client(fake_transport):
    # Heartbeating calls are capped by rpc_response_timeout; reading it
    # through upstream's proxy on every call cost each call a few Python
    # calls, and the option is not mutable.
    client = messaging.get_rpc_client(
        fake_transport, new_target(), heartbeat=1, timeout=2
    )
    conf = _CountingConf(7.0)
    client._client.conf = conf
    for _ in range(3):
        message = client._outgoing('work', call=True)
        assert message.timeout == 7.0 and message.silence == 2
    # prepare() keeps the value it read (timeout=None: upstream's total,
    # the option).
    prepared = client.prepare(timeout=None)
    assert prepared._outgoing('work', call=True).timeout == 7.0
    assert conf.reads == 1


def test_max_call_time_wins_without_reading_the_option(fake_transport):
    client = messaging.get_rpc_client(
        fake_transport, new_target(), heartbeat=1, max_call_time=4
    )
    conf = _CountingConf(7.0)
    client._client.conf = conf
    assert client._outgoing('work', call=True).timeout == 4
    assert conf.reads == 0


class Counting(interceptors_mod.Interceptor):
    """Counts its outgoing hooks; stamps a TTL that grows each time."""

    name = 'counting'

    def __init__(self, per_method: bool) -> None:
        self.outgoing_per_method = per_method
        self.seen: list[tuple[str, bool]] = []

    def outgoing(self, message):
        self.seen.append((message.method, message.call))
        message.fields['ttl'] = float(10 + len(self.seen))


class SentSeen(interceptors_mod.Interceptor):
    """Server side: records the stamp of each request it receives."""

    name = 'sent-seen'

    def __init__(self) -> None:
        self.stamps: list[stamp.Stamp] = []
        self.methods: list[str] = []

    def received(self, request):
        self.stamps.append(request.stamp)
        self.methods.append(request.method)
        return True


def client_with(transport, target, plugins, **policy):
    return client_mod.RPCClient(
        oslo_messaging.get_rpc_client(
            transport,
            target,
            serializer=StampingSerializer(None),
            timeout=policy.pop('timeout', None),
        ),
        PolicyMap(MessagePolicy(**policy)),
        plugins,
    )


def server_seeing(transport, target, seen, **kwargs):
    return server_mod.RPCServer(
        transport,
        target,
        [Endpoint()],
        policies=PolicyMap(MessagePolicy()),
        interceptors=[heartbeat.Heartbeat(), ttl.TimeToLive(), seen],
        **kwargs,
    )


def test_hooks_run_once_per_method_and_kind(fake_transport):
    target = new_target()
    counting = Counting(per_method=True)
    client = client_with(fake_transport, target, [counting], timeout=5)
    seen = SentSeen()
    with running(server_seeing(fake_transport, target, seen)):
        for _ in range(3):
            client.call({}, 'work', seconds=0)
            client.cast({}, 'record', tag='c')
        client.cast({}, 'work', seconds=0)
        assert wait_for(lambda: len(seen.stamps) == 7)
    # A call and a cast of the same method are planned apart.
    assert counting.seen == [
        ('work', True),
        ('record', False),
        ('work', False),
    ]
    # Each message carries what the hook set for its method and kind.
    assert sorted(s.ttl for s in seen.stamps) == [11.0] * 3 + [12.0] * 3 + [
        13.0
    ]


def test_a_plugin_without_the_opt_in_runs_for_every_message(fake_transport):
    target = new_target()
    counting = Counting(per_method=False)
    plugins = [heartbeat.Heartbeat(), ttl.TimeToLive(), counting]
    client = client_with(fake_transport, target, plugins, timeout=5)
    seen = SentSeen()
    with running(server_seeing(fake_transport, target, seen)):
        for _ in range(3):
            client.call({}, 'work', seconds=0)
    assert counting.seen == [('work', True)] * 3
    # Its per-message values reach the wire, message by message.
    assert [s.ttl for s in seen.stamps] == [11.0, 12.0, 13.0]


def test_sent_is_fresh_on_every_message(fake_transport, monkeypatch):
    target = new_target()
    # The caller's clock moves 1000 s per reading; the server's is real.
    caller, real_now, readings = threading.get_ident(), stamp.now, []

    def now():
        if threading.get_ident() != caller:
            return real_now()
        readings.append(1000.0 * (len(readings) + 1))
        return readings[-1]

    monkeypatch.setattr(stamp, 'now', now)
    seen = SentSeen()
    # The fake clock is far behind the server's.
    server = server_seeing(fake_transport, target, seen, clock_skew=1e10)
    client = messaging.get_rpc_client(
        fake_transport, target, ttl=30, timeout=5
    )
    with running(server):
        for _ in range(3):
            assert client.call({}, 'work', seconds=0) == 'worked 0s'
    # One reading per message (the first one's plan read it too).
    sent = [s.sent for s in seen.stamps]
    assert sent == readings[-3:] and sent == sorted(set(sent))


def test_method_policies_are_planned_per_method(fake_transport):
    target = new_target()
    seen = SentSeen()
    client = messaging.get_rpc_client(
        fake_transport,
        target,
        ttl=30,
        timeout=5,
        methods={'work': dict(heartbeat=1)},
    )
    with running(server_seeing(fake_transport, target, seen)):
        assert client.call({}, 'work', seconds=0) == 'worked 0s'
        client.cast({}, 'record', tag='t')
        client.cast({}, 'work', seconds=0)
        assert wait_for(lambda: len(seen.stamps) == 3)
        assert client.call({}, 'work', seconds=0) == 'worked 0s'
    by_kind = [(s.ttl, s.heartbeat) for s in seen.stamps]
    # A heartbeating call: TTL its 5 s silence window less one interval.
    assert by_kind[0] == by_kind[3] == (4.0, 1.0)
    assert sorted(by_kind[1:3]) == [(30.0, None), (30.0, None)]
    plan = client._call_plans['work']
    assert (plan.silence, plan.key) == (5, (60, 5))


def test_prepare_with_another_timeout_plans_its_own(fake_transport):
    target = new_target()
    seen = SentSeen()
    client = messaging.get_rpc_client(
        fake_transport, target, ttl=30, timeout=5
    )
    shorter = client.prepare(timeout=2)
    same = client.prepare(version='1.0')
    with running(server_seeing(fake_transport, target, seen)):
        for each in (client, shorter, client, same, shorter):
            assert each.call({}, 'work', seconds=0) == 'worked 0s'
    # A call's TTL is what its caller waits.
    assert [s.ttl for s in seen.stamps] == [5.0, 2.0, 5.0, 5.0, 2.0]
    # Copies with the timeout they were prepared from share its plans.
    assert same._call_plans is client._call_plans
    assert shorter._call_plans is not client._call_plans
    assert shorter._cast_plans is client._cast_plans


def test_plans_are_bounded(fake_transport, monkeypatch):
    monkeypatch.setattr(client_mod, 'MAX_PLANS', 2)
    counting = Counting(per_method=True)
    client = client_with(fake_transport, new_target(), [counting])
    for method in ('a', 'b', 'c', 'c', 'a'):
        client.cast({}, method)
    assert sorted(client._cast_plans) == ['a', 'b']
    # Past the bound, a method is planned for each message.
    assert [m for m, _ in counting.seen] == ['a', 'b', 'c', 'c']


def test_timeouts_planned_apart_are_bounded(fake_transport, monkeypatch):
    monkeypatch.setattr(plans_mod, 'MAX_PLANNED_TIMEOUTS', 2)
    client = messaging.get_rpc_client(fake_transport, new_target(), timeout=1)
    copies = [client.prepare(timeout=t) for t in (2, 3, 3)]
    assert copies[0]._call_plans is not client._call_plans
    # The third timeout: plans of its own, shared with nobody.
    assert copies[1]._call_plans is not copies[2]._call_plans
    assert len(client._plans._calls) == 2


def test_casts_reuse_one_upstream_context(fake_transport, monkeypatch):
    # Upstream's RPCClient.cast() prepares a copy of itself per message.
    client = messaging.get_rpc_client(fake_transport, new_target(), ttl=5)
    prepared = []
    real_prepare = oslo_messaging.RPCClient.prepare

    def counting_prepare(self, *args, **kwargs):
        prepared.append(kwargs)
        return real_prepare(self, *args, **kwargs)

    monkeypatch.setattr(oslo_messaging.RPCClient, 'prepare', counting_prepare)
    for _ in range(3):
        client.cast({}, 'record', tag='t')
    assert len(prepared) == 1


def test_a_client_class_of_its_own_still_casts_itself(fake_transport):
    class Recording(oslo_messaging.RPCClient):
        casts: list[str] = []

        def cast(self, ctxt, method, **kwargs):
            self.casts.append(method)
            super().cast(ctxt, method, **kwargs)

    client = messaging.get_rpc_client(
        fake_transport, new_target(), ttl=5, client_cls=Recording
    )
    client.cast({}, 'record', tag='t')
    client.cast({}, 'record', tag='t')
    assert Recording.casts == ['record', 'record']


def _recording_sends(transport, monkeypatch) -> list[dict]:
    """Record the keyword arguments of every upstream ``_send``."""
    sends: list[dict] = []
    real_send = transport._send

    def recording_send(target, ctxt, message, **kwargs):
        sends.append(kwargs)
        return real_send(target, ctxt, message, **kwargs)

    monkeypatch.setattr(transport, '_send', recording_send)
    return sends


def test_prepare_keeps_call_monitor_timeout(fake_transport, monkeypatch):
    # Upstream's meaning: a call_monitor_timeout given to prepare() is the
    # call's silence window. Our calls used to re-prepare with the plan's
    # value (None without a heartbeat), dropping it.
    target = new_target()
    client = messaging.get_rpc_client(fake_transport, target, ttl=30)
    monitored = client.prepare(call_monitor_timeout=5)
    sends = _recording_sends(fake_transport, monkeypatch)
    with running(server_seeing(fake_transport, target, SentSeen())):
        for each in (monitored, client, monitored.prepare(timeout=9)):
            assert each.call({}, 'work', seconds=0) == 'worked 0s'
    assert [s['call_monitor_timeout'] for s in sends] == [5, None, 5]
    assert [s['timeout'] for s in sends][2] == 9
    # Plans are kept apart by the pair, not shared with the plain client.
    assert monitored._call_plans is not client._call_plans


def test_a_prepared_window_is_kept_with_a_heartbeat_policy(
    fake_transport, monkeypatch
):
    # Upstream's meaning wins over the policy's window (3 s): the caller
    # asked to give up after 7 s of silence.
    target = new_target()
    client = messaging.get_rpc_client(
        fake_transport, target, heartbeat=1, timeout=3
    )
    sends = _recording_sends(fake_transport, monkeypatch)
    with running(server_seeing(fake_transport, target, SentSeen())):
        prepared = client.prepare(call_monitor_timeout=7)
        assert prepared.call({}, 'work', seconds=0) == 'worked 0s'
    assert sends[0]['call_monitor_timeout'] == 7
