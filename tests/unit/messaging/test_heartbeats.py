import threading
import time

from oslo_extras.messaging._heartbeats import HeartbeatScheduler


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


def test_a_failed_heartbeat_stops_that_call_only():
    scheduler = HeartbeatScheduler()
    good = []

    def broken():
        raise RuntimeError('reply queue gone')

    bad = scheduler.start(broken, 0.05, 'bad')
    ok = scheduler.start(lambda: good.append(1), 0.05, 'ok')
    time.sleep(0.3)
    ok.stop()
    scheduler.close()
    assert isinstance(bad.failed, RuntimeError) and bad.stopped
    assert len(good) >= 3


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
