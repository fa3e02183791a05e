import threading
import time

from oslo_extras.messaging import _heartbeats
from oslo_extras.messaging._heartbeats import HeartbeatScheduler
from tests.unit.messaging.helpers import wait_for


def test_beats_at_fractional_intervals_until_stopped():
    scheduler = HeartbeatScheduler()
    sent = []
    beat = scheduler.start(lambda: sent.append(time.monotonic()), 0.1, 'c')
    time.sleep(0.55)
    beat.stop()
    count = len(sent)
    time.sleep(0.3)
    scheduler.close()
    assert 4 <= count <= 6
    assert len(sent) == count  # nothing after stop()
    assert beat.sent == count


def test_a_failed_heartbeat_is_tried_again_and_others_go_on():
    # A reply queue missing for a moment (its caller reconnecting declares
    # it again): heartbeats go on, sooner once, and recover.
    scheduler = HeartbeatScheduler()
    good = []
    tries = []

    def missing_twice():
        tries.append(time.monotonic())
        if len(tries) <= 2:
            raise RuntimeError('reply queue missing')

    bad = scheduler.start(missing_twice, 0.2, 'bad')
    ok = scheduler.start(lambda: good.append(1), 0.05, 'ok')
    time.sleep(1.0)
    ok.stop()
    bad.stop()
    scheduler.close()
    assert bad.failures == 2 and bad.failed is None
    assert bad.sent >= 2 and not len(tries) > 7
    # The first retry left a quarter interval after the failure.
    assert tries[1] - tries[0] < 0.15
    assert len(good) >= 10


def test_stop_waits_for_a_heartbeat_in_flight():
    scheduler = HeartbeatScheduler()
    sending = threading.Event()
    finished = []

    def slow():
        sending.set()
        time.sleep(0.2)
        finished.append(1)

    beat = scheduler.start(slow, 0.01, 'slow')
    assert sending.wait(1)
    beat.stop()
    # stop() returned: the heartbeat that was leaving has left.
    count = len(finished)
    assert count >= 1
    time.sleep(0.3)
    assert len(finished) == count
    scheduler.close()


def test_idle_thread_ends_and_comes_back(monkeypatch):
    from oslo_extras.messaging import _heartbeats

    monkeypatch.setattr(_heartbeats, 'IDLE_EXIT', 0.1)
    scheduler = HeartbeatScheduler()
    sent = []
    scheduler.start(lambda: sent.append(1), 0.05, 'a').stop()
    time.sleep(0.4)
    assert scheduler._thread is None
    beat = scheduler.start(lambda: sent.append(2), 0.05, 'b')
    time.sleep(0.2)
    beat.stop()
    scheduler.close()
    assert 2 in sent


def test_slow_sends_do_not_make_every_call_late():
    # Each heartbeat waits 20 ms for the broker's confirm. 40 calls at a
    # 0.2 s interval need 0.8 s of sending per round: one thread sending
    # them one by one falls further behind every round.
    scheduler = HeartbeatScheduler(senders=8)
    beats = [
        scheduler.start(lambda: time.sleep(0.02), 0.2, f'c{i}')
        for i in range(40)
    ]
    time.sleep(1.5)
    for beat in beats:
        beat.stop()
    scheduler.close()
    lateness = sorted(scheduler.lateness)
    assert len(lateness) >= 40 * 4
    p99 = lateness[int(len(lateness) * 0.99) - 1]
    # Half an interval, plus the 20 ms confirm wait the lateness includes
    # and some slack for a loaded machine; one by one it would be seconds.
    assert p99 <= 0.2, f'heartbeat lateness p99 {p99:.3f}s'
    assert min(beat.sent for beat in beats) >= 4


def test_first_heartbeat_can_come_sooner_than_an_interval():
    scheduler = HeartbeatScheduler()
    sent = []
    started = time.monotonic()
    beat = scheduler.start(
        lambda: sent.append(time.monotonic() - started), 1.0, 'c', 0.1
    )
    time.sleep(0.4)
    beat.stop()
    scheduler.close()
    assert len(sent) == 1 and sent[0] < 0.35


def test_finish_sends_a_last_heartbeat_only_after_a_long_silence():
    scheduler = HeartbeatScheduler()
    sent = []
    # The first heartbeat leaves at once, the next one in 10 s.
    beat = scheduler.start(lambda: sent.append(1), 10.0, 'c', first_after=0)
    assert _wait(lambda: beat.sent == 1)
    beat.finish()  # 1 heartbeat, just now: no more
    assert sent == [1] and beat.stopped

    # Next regular one 1.5 s after the first (a quarter interval early).
    old = scheduler.start(lambda: sent.append(2), 2.0, 'c', first_after=0)
    assert _wait(lambda: old.sent == 1)
    time.sleep(1.1)  # more than half the interval since the last one
    old.finish()
    assert sent == [1, 2, 2] and old.sent == 2
    time.sleep(0.5)
    assert sent == [1, 2, 2]  # and none after finish()

    short = scheduler.start(lambda: sent.append(3), 0.1, 'c')
    short.finish()  # ended before its first heartbeat: pays nothing
    time.sleep(0.2)
    scheduler.close()
    assert 3 not in sent


def test_finish_survives_a_failing_last_heartbeat():
    scheduler = HeartbeatScheduler()
    calls = []

    def send():
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError('reply queue gone')

    beat = scheduler.start(send, 2.0, 'c', first_after=0)
    assert _wait(lambda: beat.sent == 1)
    time.sleep(1.1)
    beat.finish()
    scheduler.close()
    assert len(calls) == 2 and beat.stopped and beat.sent == 1
    assert beat.failed is None  # the reply reports what went wrong


def _wait(done, timeout=2.0):
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def test_a_heartbeat_sent_while_the_scheduler_thread_idles_out_goes_on(
    monkeypatch,
):
    # A send outlasting IDLE_EXIT (a broker blocking publishes): the
    # scheduler thread found an empty heap and ended; the entry pushed
    # after the send must still be served.
    monkeypatch.setattr(_heartbeats, 'IDLE_EXIT', 0.2)
    scheduler = _heartbeats.HeartbeatScheduler('test')
    sent: list[float] = []

    def send():
        sent.append(time.monotonic())
        if len(sent) == 1:
            time.sleep(0.6)

    beat = scheduler.start(send, 0.1)
    try:
        assert wait_for(lambda: beat.sent >= 3, timeout=3)
    finally:
        beat.stop()
        scheduler.close()
