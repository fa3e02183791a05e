"""Client and server together on ``kombu+memory://`` and ``fake://``."""

from __future__ import annotations

import logging
import threading
import time

import oslo_messaging
import pytest

from oslo_extras import messaging
from oslo_extras.messaging import stamp
from tests.unit.messaging.helpers import Endpoint
from tests.unit.messaging.helpers import clock_behind
from tests.unit.messaging.helpers import new_target
from tests.unit.messaging.helpers import running
from tests.unit.messaging.helpers import wait_for


def test_call_and_cast_work_and_hide_the_stamp(any_transport):
    target = new_target()
    endpoint = Endpoint()
    server = messaging.get_rpc_server(any_transport, target, [endpoint])
    client = messaging.get_rpc_client(any_transport, target, ttl=30, timeout=5)
    with running(server):
        assert client.call({'user': 'u1'}, 'work', seconds=0) == 'worked 0s'
        client.cast({'user': 'u2'}, 'work', seconds=0, tag='cast')
        wait_for(lambda: len(endpoint.done) >= 2)
    assert endpoint.done == [0, 'cast']
    assert [c['user'] for c in endpoint.contexts] == ['u1', 'u2']
    assert not [
        k for c in endpoint.contexts for k in c if k.startswith(stamp.PREFIX)
    ]


def test_expired_cast_is_dropped_logged_and_counted(any_transport, caplog):
    target = new_target()
    endpoint = Endpoint()
    server = messaging.get_rpc_server(any_transport, target, [endpoint])
    client = messaging.get_rpc_client(any_transport, target)
    caplog.set_level(logging.WARNING, 'oslo_extras.messaging')
    with running(server, pool_size=1):
        client.cast({}, 'work', seconds=0.6, tag='busy')
        assert endpoint.started.wait(5)
        messaging.get_rpc_client(any_transport, target, ttl=0.2).cast(
            {}, 'work', seconds=0, tag='stale'
        )
        client.cast({}, 'work', seconds=0, tag='fresh')
        wait_for(lambda: len(endpoint.done) >= 2)
    assert endpoint.done == ['busy', 'fresh']
    assert server.stats['expired'] == 1
    assert 'Dropped expired cast' in caplog.text


def test_message_older_than_its_ttl_is_dropped_on_receipt(any_transport):
    target = new_target()
    endpoint = Endpoint()
    server = messaging.get_rpc_server(any_transport, target, [endpoint])
    # 2 s: a loaded machine must not expire the fresh one.
    client = messaging.get_rpc_client(any_transport, target, ttl=2)
    with running(server):
        # A caller whose clock is 10 s behind ours: its message is old.
        with clock_behind(10):
            client.cast({}, 'work', seconds=0, tag='old')
        client.cast({}, 'work', seconds=0, tag='new')
        wait_for(lambda: endpoint.done)
        time.sleep(0.1)
    assert endpoint.done == ['new']
    assert server.stats['expired'] == 1


def test_server_clock_skew_allowance(any_transport):
    target = new_target()
    endpoint = Endpoint()
    server = messaging.get_rpc_server(
        any_transport, target, [endpoint], clock_skew=20
    )
    client = messaging.get_rpc_client(any_transport, target, ttl=2)
    with running(server):
        with clock_behind(10):
            client.cast({}, 'work', seconds=0, tag='skewed')
        wait_for(lambda: endpoint.done)
    assert endpoint.done == ['skewed']


@pytest.mark.parametrize(
    'skew, error, text',
    [
        ('5', TypeError, 'got a str'),
        (True, TypeError, 'got a bool'),
        (None, TypeError, 'got a NoneType'),
        (-1, ValueError, 'got -1'),
        (float('nan'), ValueError, 'got nan'),
        (float('inf'), ValueError, 'got inf'),
    ],
)
def test_a_bad_clock_skew_is_refused_when_built(
    fake_transport, skew, error, text
):
    # It used to be taken as given: a string failed, and a negative one
    # dropped, every message checked against its sender's clock.
    target = new_target()
    with pytest.raises(error, match='clock_skew') as err:
        messaging.get_rpc_server(
            fake_transport, target, [Endpoint()], clock_skew=skew
        )
    assert text in str(err.value)
    with pytest.raises(error, match='clock_skew'):
        messaging.get_notification_listener(
            fake_transport, [target], [Endpoint()], clock_skew=skew
        )


def test_a_zero_clock_skew_and_a_decimal_one_are_taken(fake_transport):
    import decimal

    for skew in (0, decimal.Decimal('0.5')):
        server = messaging.get_rpc_server(
            fake_transport, new_target(), [Endpoint()], clock_skew=skew
        )
        assert server._services['clock_skew'] == float(skew)


def test_long_call_is_kept_alive_by_fractional_heartbeats(any_transport):
    target = new_target()
    server = messaging.get_rpc_server(any_transport, target, [Endpoint()])
    client = messaging.get_rpc_client(
        any_transport, target, heartbeat=0.1, timeout=0.25
    )
    with running(server):
        assert client.call({}, 'work', seconds=1.2) == 'worked 1.2s'
    # ~12 at 0.1 s, fewer on a loaded machine; at most one more, before
    # the reply, when the call ended over half an interval after the last.
    assert 6 <= server.stats['heartbeats'] <= 13


def test_per_method_heartbeat(any_transport):
    target = new_target()
    server = messaging.get_rpc_server(any_transport, target, [Endpoint()])
    client = messaging.get_rpc_client(
        any_transport,
        target,
        timeout=0.3,
        methods={'work': dict(heartbeat=0.1, ttl=10)},
    )
    with running(server):
        assert client.call({}, 'work', seconds=0.8) == 'worked 0.8s'


def test_silent_server_fails_fast_with_a_clear_timeout(any_transport):
    target = new_target()
    # Nothing answers (a stock server would heartbeat a 2 s window).
    client = messaging.get_rpc_client(
        any_transport, target, heartbeat=1, timeout=2
    )
    started = time.monotonic()
    with pytest.raises(messaging.HeartbeatTimeout) as err:
        client.call({}, 'work', seconds=3)
    elapsed = time.monotonic() - started
    assert 2 <= elapsed < 2.5
    assert "server 's1'" in str(err.value) and "'work'" in str(err.value)
    assert err.value.silence == 2


def test_max_call_time_caps_a_heartbeating_call(any_transport):
    target = new_target()
    server = messaging.get_rpc_server(any_transport, target, [Endpoint()])
    client = messaging.get_rpc_client(
        any_transport, target, heartbeat=0.1, max_call_time=0.5
    )
    with running(server):
        with pytest.raises(oslo_messaging.MessagingTimeout) as err:
            client.call({}, 'work', seconds=1.5)
    assert not isinstance(err.value, messaging.HeartbeatTimeout)


@pytest.mark.parametrize(
    'method, version, error',
    [
        ('no_such_method', None, 'NoSuchMethod'),
        ('work', '2.0', 'UnsupportedVersion'),
    ],
)
def test_queued_call_keeps_alive_and_errors_stop_beats(
    any_transport, method, version, error
):
    target = new_target()
    endpoint = Endpoint()
    server = messaging.get_rpc_server(any_transport, target, [endpoint])
    client = messaging.get_rpc_client(
        any_transport, target, heartbeat=0.1, timeout=0.25
    )
    with running(server, pool_size=1):
        client.cast({}, 'work', seconds=0.8, tag='busy')
        assert endpoint.started.wait(5)
        caller = client.prepare(version=version) if version else client
        # fake:// raises the server's exception itself, AMQP a RemoteError.
        with pytest.raises(
            (oslo_messaging.RemoteError, oslo_messaging.RPCDispatcherError)
        ) as err:
            caller.call({}, method, seconds=0)
        kind = getattr(err.value, 'exc_type', type(err.value).__name__)
        assert kind == error
        sent = server.stats['heartbeats']
        assert sent >= 4  # while the request waited for the worker
        time.sleep(0.4)
        assert server.stats['heartbeats'] == sent


def test_stock_client_gets_heartbeats_with_fractional_window(
    any_transport,
):
    target = new_target()
    server = messaging.get_rpc_server(any_transport, target, [Endpoint()])
    # Upstream refuses a 0.5 s interval (int(1)/2 < 1); we heartbeat.
    stock = oslo_messaging.get_rpc_client(
        any_transport, target, timeout=5, call_monitor_timeout=1
    )
    with running(server):
        assert stock.call({}, 'work', seconds=1.5) == 'worked 1.5s'
    assert server.stats['heartbeats'] >= 2


def test_prepare_keeps_the_policies(any_transport):
    target = new_target()
    server = messaging.get_rpc_server(any_transport, target, [Endpoint()])
    client = messaging.get_rpc_client(
        any_transport,
        oslo_messaging.Target(topic=target.topic),
        heartbeat=0.1,
        timeout=0.25,
    ).prepare(server='s1')
    assert client.target.server == 's1'
    with running(server):
        assert client.call({}, 'work', seconds=0.6) == 'worked 0.6s'


def test_skewed_caller_clock_does_not_drop_healthy_calls(any_transport):
    # A caller 3 s behind with heartbeat=1 (README's own example): its
    # 1 s call TTL looks 3 s old here; the default skew allowance covers
    # it (on RabbitMQ the broker's relative TTL makes clocks irrelevant).
    target = new_target()
    endpoint = Endpoint()
    server = messaging.get_rpc_server(any_transport, target, [endpoint])
    client = messaging.get_rpc_client(
        any_transport, target, heartbeat=1, timeout=2
    )
    with running(server):
        with clock_behind(3):
            assert client.call({}, 'work', seconds=0.1) == 'worked 0.1s'
    assert server.stats['expired'] == 0


def test_dead_callers_queued_call_never_runs(fake_transport):
    # The caller gives up (max_call_time) while its call waits for the
    # only worker; heartbeats kept it from expiring, yet nobody waits.
    target = new_target()
    endpoint = Endpoint()
    server = messaging.get_rpc_server(fake_transport, target, [endpoint])
    client = messaging.get_rpc_client(
        fake_transport, target, heartbeat=0.2, timeout=2, max_call_time=0.5
    )
    with running(server, pool_size=1):
        messaging.get_rpc_client(fake_transport, target).cast(
            {}, 'work', seconds=1.5, tag='busy'
        )
        assert endpoint.started.wait(5)
        with pytest.raises(messaging.CallTimeExceeded):
            client.call({}, 'work', seconds=0, tag='orphan')
        assert wait_for(lambda: server.stats['expired'] == 1, 5)
        time.sleep(0.2)
    assert endpoint.done == ['busy']


def test_hung_endpoint_is_reported_by_default(any_transport):
    # No max_call_time: the cap is rpc_response_timeout, as upstream's
    # total timeout, although the server keeps heartbeating.
    any_transport.conf.set_override('rpc_response_timeout', 3)
    target = new_target()
    server = messaging.get_rpc_server(any_transport, target, [Endpoint()])
    client = messaging.get_rpc_client(
        any_transport, target, heartbeat=0.5, timeout=2
    )
    with running(server):
        started = time.monotonic()
        with pytest.raises(messaging.CallTimeExceeded) as err:
            client.call({}, 'work', seconds=4.5)
        elapsed = time.monotonic() - started
    assert 3 <= elapsed < 4
    assert 'may hang' in str(err.value) and err.value.limit == 3
    assert isinstance(err.value, oslo_messaging.MessagingTimeout)


def test_sub_second_heartbeat_client_calling_a_stock_server(
    any_transport, caplog
):
    target = new_target()
    stock = oslo_messaging.get_rpc_server(
        any_transport, target, [Endpoint()], executor='threading'
    )
    caplog.set_level(logging.WARNING, 'oslo_extras.messaging')
    client = messaging.get_rpc_client(any_transport, target, heartbeat=0.5)
    assert 'refuse call-monitoring windows under 2s' in caplog.text
    with running(stock):
        # Stock: int(2)/2 = 1 s heartbeats; a 1 s window died after 1 s.
        assert client.call({}, 'work', seconds=3) == 'worked 3s'


def test_stock_server_endpoints_never_see_the_stamp(any_transport):
    # No context serializer: upstream hands the raw context dict over.
    target = new_target()
    endpoint = Endpoint()
    stock = oslo_messaging.get_rpc_server(
        any_transport, target, [endpoint], executor='threading'
    )
    client = messaging.get_rpc_client(
        any_transport, target, heartbeat=1, ttl=30
    )
    with running(stock):
        client.call({'user': 'u1'}, 'work', seconds=0)
        client.cast({'user': 'u2'}, 'work', seconds=0, tag='cast')
        wait_for(lambda: len(endpoint.done) >= 2)
    assert [c.get('user') for c in endpoint.contexts] == ['u1', 'u2']
    leaked = [k for c in endpoint.contexts for k in c if 'oslo_extras' in k]
    assert leaked == []


@pytest.mark.parametrize('executor', [None, 'threading'])
def test_executor_is_passed_to_upstream(fake_transport, executor):
    target = new_target()
    server = messaging.get_rpc_server(
        fake_transport, target, [Endpoint()], executor=executor
    )
    client = messaging.get_rpc_client(fake_transport, target, timeout=5)
    with running(server):
        assert client.call({}, 'work', seconds=0) == 'worked 0s'


def test_eventlet_executor_is_accepted_as_upstream_does(fake_transport):
    # Upstream accepts it (deprecated); it serves only in a monkey-patched
    # process, which this test process is not: build, start and stop.
    server = messaging.get_rpc_server(
        fake_transport, new_target(), [Endpoint()], executor='eventlet'
    )
    assert server.executor_type == 'eventlet'
    with running(server):
        pass


def test_unknown_executor_fails_as_upstream_does(fake_transport):
    with pytest.raises(oslo_messaging.ExecutorLoadFailure, match='bogus'):
        messaging.get_rpc_server(
            fake_transport, new_target(), [Endpoint()], executor='bogus'
        )


def test_stats_snapshot_reports_zero_counters(fake_transport):
    server = messaging.get_rpc_server(fake_transport, new_target(), [])
    snap = server.stats.snapshot()
    assert snap['expired'] == 0 and snap['heartbeats'] == 0


def _executor_threads():
    return [
        thread
        for thread in threading.enumerate()
        if type(thread).__name__ == 'ThreadWorker'
    ]


def test_start_starts_every_worker_thread(fake_transport):
    """No thread start on the listener thread when a burst arrives."""
    from oslo_extras.messaging import _upstream

    target = new_target()
    endpoint = Endpoint()
    server = messaging.get_rpc_server(fake_transport, target, [endpoint])
    before = len(_executor_threads())
    with running(server, pool_size=8):
        workers = _upstream.work_executor(server)
        assert len(_executor_threads()) - before == 8
        client = messaging.get_rpc_client(fake_transport, target, timeout=5)
        results = []
        callers = [
            threading.Thread(
                target=lambda: results.append(
                    client.call({}, 'work', seconds=0.2)
                )
            )
            for _ in range(8)
        ]
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join(10)
        assert results == ['worked 0.2s'] * 8
        # The burst was served by the threads start() started.
        assert len(_executor_threads()) - before == 8
        assert _upstream.work_executor(server) is workers


def test_start_workers_fills_the_pool_and_frees_it():
    import futurist

    from oslo_extras.messaging import _upstream
    from oslo_extras.messaging import _workers

    executor = futurist.ThreadPoolExecutor(max_workers=3)
    try:
        assert _workers.start_workers(executor) == 3
        assert executor.submit(lambda: 'free').result(1) == 'free'
        assert _upstream.worker_count(executor) == 3
    finally:
        executor.shutdown()


def _heartbeat_threads(topic: str) -> list[threading.Thread]:
    return [
        t
        for t in threading.enumerate()
        if t.name.startswith(f'heartbeats-{topic}') and t.is_alive()
    ]


def test_wait_ends_the_heartbeat_threads_and_a_restart_beats_again(
    any_transport,
):
    # Upstream: once wait() returns, the server's resources are released.
    # Our scheduler and sender threads outlived it by 30 s (idle exit).
    target = new_target()
    server = messaging.get_rpc_server(any_transport, target, [Endpoint()])
    client = messaging.get_rpc_client(
        any_transport, target, heartbeat=0.1, timeout=0.25
    )
    with running(server):
        assert client.call({}, 'work', seconds=0.5) == 'worked 0.5s'
        assert _heartbeat_threads(target.topic)
    assert wait_for(lambda: not _heartbeat_threads(target.topic), 2)
    beats = server.stats['heartbeats']
    # Started again (upstream allows it): heartbeats go on.
    with running(server):
        assert client.call({}, 'work', seconds=0.5) == 'worked 0.5s'
    assert server.stats['heartbeats'] >= beats + 2
    assert wait_for(lambda: not _heartbeat_threads(target.topic), 2)
