import pytest

from oslo_extras.messaging._heartbeats import HeartbeatScheduler
from oslo_extras.messaging.interceptors import Outgoing
from oslo_extras.messaging.interceptors import Request
from oslo_extras.messaging.interceptors import load
from oslo_extras.messaging.interceptors.heartbeat import DEFAULT_MAX_CALL_TIME
from oslo_extras.messaging.interceptors.heartbeat import Heartbeat
from oslo_extras.messaging.interceptors.heartbeat import rounding_warning
from oslo_extras.messaging.policy import MessagePolicy
from oslo_extras.messaging.stamp import Stamp
from oslo_extras.messaging.stats import Stats


def outgoing(hb, timeout=None, call=True, max_call_time=None):
    message = Outgoing(
        'm',
        MessagePolicy(heartbeat=hb),
        call,
        timeout,
        max_call_time=max_call_time,
    )
    Heartbeat().outgoing(message)
    return message


def test_silence_window_defaults_to_two_heartbeats():
    message = outgoing(1.5)
    assert message.call_monitor_timeout == message.silence == 3.0
    # Finite, as upstream's total timeout: a hung endpoint is reported.
    assert message.timeout == DEFAULT_MAX_CALL_TIME
    assert message.fields == {'heartbeat': 1.5}


@pytest.mark.parametrize(
    'hb, timeout', [(0.5, None), (0.5, 1), (0.1, 0.25), (1, 1.5)]
)
def test_windows_under_two_seconds_are_raised_for_stock_servers(hb, timeout):
    # Stock servers refuse windows under 2 s (int(window)/2 < 1): the call
    # would die after one window although the server works on it.
    message = outgoing(hb, timeout=timeout)
    assert message.call_monitor_timeout == message.silence == 2.0
    # Extras servers still heartbeat at the interval asked for.
    assert message.fields == {'heartbeat': hb}
    assert 'refuse call-monitoring windows under 2s' in rounding_warning(
        hb, timeout
    )


def test_no_warning_for_windows_stock_servers_accept():
    assert rounding_warning(1, 2) is None
    assert rounding_warning(1.5, None) is None
    assert rounding_warning(5, 2) is None  # widened to 10 s


def test_timeout_is_the_silence_window_and_max_call_time_the_cap():
    message = outgoing(1, timeout=2, max_call_time=30)
    assert message.call_monitor_timeout == 2
    assert message.timeout == 30


def test_a_timeout_not_longer_than_the_heartbeat_is_widened():
    # e.g. a per-method heartbeat of 5 s on a client with timeout=2
    assert outgoing(5, timeout=2).silence == 10
    assert outgoing(2, timeout=3).silence == 3


def test_casts_get_no_heartbeat():
    message = outgoing(1, call=False)
    assert message.fields == {} and message.call_monitor_timeout is None


class FakeIncoming:
    def __init__(self, client_timeout=None, call=True):
        self.client_timeout = client_timeout
        self.msg_id = 'abc'
        self.orig_msg_id = 'abc' if call else None
        self.beats = 0

    def heartbeat(self):
        self.beats += 1


class FakeScheduler(HeartbeatScheduler):
    def __init__(self):
        super().__init__()
        self.started = []

    def start(self, send, interval, label='', first_after=None):
        self.started.append(interval)
        self.first_after = first_after
        return super().start(send, interval, label, first_after)


NO_STAMP = Stamp()
NO_POLICY = MessagePolicy()


def request(incoming, stamp=NO_STAMP, policy=NO_POLICY):
    services = {'heartbeats': FakeScheduler(), 'stats': Stats()}
    return Request(incoming, 'm', stamp, policy, services)


@pytest.mark.parametrize(
    'stamp, client_timeout, policy, expected',
    [
        (Stamp(heartbeat=0.3), 0.6, MessagePolicy(), 0.3),
        # A stock client: half its window, fraction kept (upstream: int).
        (Stamp(), 3, MessagePolicy(), 1.5),
        (Stamp(), 1, MessagePolicy(), 0.5),
        # The server may cap the interval per method.
        (Stamp(heartbeat=5), 10, MessagePolicy(heartbeat=2), 2),
    ],
)
def test_server_interval(stamp, client_timeout, policy, expected):
    incoming = FakeIncoming(client_timeout)
    req = request(incoming, stamp, policy)
    assert Heartbeat().received(req)
    assert req.services['heartbeats'].started == [expected]
    # Upstream's dispatcher watchdog is switched off for this request.
    assert incoming.client_timeout is None
    Heartbeat().finished(req)
    assert req.state['beat'].stopped


def test_no_heartbeat_unless_the_caller_asked():
    req = request(FakeIncoming(None))
    assert Heartbeat().received(req)
    assert req.services['heartbeats'].started == []
    assert request(FakeIncoming(2, call=False)).state == {}


def test_plugins_load_by_entry_point_in_order():
    assert [type(p).__name__ for p in load()] == ['Heartbeat', 'TimeToLive']
    with pytest.raises(ValueError, match='nope'):
        load(['heartbeat', 'nope'])


def test_first_heartbeat_counts_from_the_callers_send():
    # 0.8 s spent in queues: the first heartbeat must not wait a whole
    # interval more, or the caller's 2 s window runs out first.
    from oslo_extras.messaging import stamp as stamp_mod

    sent = stamp_mod.now() - 0.8
    req = request(FakeIncoming(2), Stamp(heartbeat=1, sent=sent))
    assert Heartbeat().received(req)
    assert 0.1 < req.services['heartbeats'].first_after < 0.25
    Heartbeat().finished(req)


class _Beat:
    def __init__(self, failed=None, sent=0):
        self.failed = failed
        self.failures = 1 if failed else 0
        self.sent = sent


@pytest.mark.parametrize(
    'failed, sent, waiting, runs',
    [
        # A failed heartbeat and a reply queue with a consumer again (its
        # caller reconnected and declared it anew): it runs.
        (RuntimeError('missing'), 0, True, True),
        (RuntimeError('missing'), 2, True, True),
        # No consumer, or a failure where no one can tell: dropped.
        (RuntimeError('missing'), 0, False, False),
        (RuntimeError('missing'), 0, None, False),
        (None, 2, False, False),
        (None, 2, None, True),
        # Never heartbeated: not asked.
        (None, 0, False, True),
    ],
)
def test_dispatch_after_failed_heartbeats_asks_whether_the_caller_waits(
    failed, sent, waiting, runs
):
    asked = []

    def caller_waiting(incoming):
        asked.append(incoming)
        return waiting

    request = Request(
        incoming=object(),
        method='m',
        stamp=Stamp(heartbeat=0.5),
        policy=MessagePolicy(),
        services={'caller_waiting': caller_waiting},
    )
    request.state['beat'] = _Beat(failed, sent)
    assert Heartbeat().dispatching(request) is runs
    assert (request.dropped is None) is runs
    assert bool(asked) is bool(failed or sent)
    # A stock caller (call_monitor_timeout, no stamp) did not ask for its
    # call to be dropped: it runs, as on a stock server, unasked.
    stock = Request(
        incoming=object(),
        method='m',
        stamp=Stamp(),
        policy=MessagePolicy(),
        services={'caller_waiting': caller_waiting},
    )
    stock.state['beat'] = _Beat(failed, sent)
    asked.clear()
    assert Heartbeat().dispatching(stock) is True
    assert stock.dropped is None and not asked


@pytest.mark.parametrize(
    'stamp, client_timeout, call',
    [
        (Stamp(), None, True),
        (Stamp(heartbeat=0.3), 0.6, True),
        (Stamp(heartbeat=0.3), None, False),
        (Stamp(), 3, True),
    ],
)
def test_receive_is_received_then_watches(stamp, client_timeout, call):
    # The server's fused hook says what the documented pair says.
    fused = request(FakeIncoming(client_timeout, call), stamp)
    pair = request(FakeIncoming(client_timeout, call), stamp)
    assert Heartbeat().received(pair)
    watching = Heartbeat()._receive(fused)
    assert watching is Heartbeat().watches(pair)
    assert fused.state.keys() == pair.state.keys()
    for req in (fused, pair):
        Heartbeat().finished(req)


@pytest.mark.parametrize(
    'client_timeout, expected',
    [(3, [1.5]), (3.0, [1.5]), ('3', [1.5]), (0, []), (-2.0, []), ('x', [])],
)
def test_stock_client_window_is_read_as_a_positive_number(
    client_timeout, expected
):
    req = request(FakeIncoming(client_timeout))
    assert Heartbeat().received(req)
    assert req.services['heartbeats'].started == expected
    Heartbeat().finished(req)
