"""What the processes of ``messaging_heartbeats.py`` run.

``run_heartbeats`` starts, per variant, one process with
:data:`SERVER_CHILD` and CLIENTS processes with :data:`CLIENT_CHILD`
(``python -c``); they import ``messaging_heartbeats`` for the variant's
transport, server and client. Each prints ``ready``, waits for its go on
stdin, and prints its figures as one JSON line.
"""

SERVER_CHILD = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[5])
from benchmarks import messaging_heartbeats as bench
variant, url, topic, calls = (
    sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
class Endpoint:
    def work(self, ctxt, seconds):
        time.sleep(seconds)
        return 'done'
transport = bench.hb_transport(variant, url)
server = bench.hb_server(variant, transport, topic, Endpoint())
server.start(override_pool_size=calls)
print('ready', flush=True)
before = resource.getrusage(resource.RUSAGE_SELF)
sys.stdin.read()  # until the benchmark closes it
after = resource.getrusage(resource.RUSAGE_SELF)
cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
ours = variant == 'extras'  # a stock server measures no lateness
lateness = sorted(server.heartbeat_lateness()) if ours else None
heartbeats = server.stats.snapshot()['heartbeats'] if ours else None
server.stop(); server.wait()
print(json.dumps({'heartbeats': heartbeats, 'lateness': lateness,
                  'cpu': cpu}))
"""


CLIENT_CHILD = """
import json, sys, threading, time
sys.path.insert(0, sys.argv[6])
from benchmarks import messaging_heartbeats as bench
variant, url, topic, calls, work = (
    sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]),
    float(sys.argv[5]))
# What the caller sees: upstream restarts a call's call-monitor timer on
# each heartbeat; the longest time between its start (the request sent)
# and a restart, or two restarts, is the call's longest silence. The marks
# hang on the timer itself: keyed by id(), a timer started after a call
# ended (another call's, the reply waiter's per poll) could take the ended
# call's id and wipe its marks (981 silences of 1,000 calls once).
from oslo_messaging._drivers import common as rpc_common
marks = []
started_timer, restarted_timer = (
    rpc_common.DecayingTimer.start, rpc_common.DecayingTimer.restart)
def mark(timer, fresh):
    if fresh or not hasattr(timer, 'bench_marks'):
        timer.bench_marks = []
        marks.append(timer.bench_marks)
    timer.bench_marks.append(time.monotonic())
def start_timer(timer):
    mark(timer, True)
    return started_timer(timer)
def restart_timer(timer):
    mark(timer, False)
    return restarted_timer(timer)
rpc_common.DecayingTimer.start = start_timer
rpc_common.DecayingTimer.restart = restart_timer
client = bench.hb_client(variant, bench.hb_transport(variant, url), topic)
outcomes, failed_at = [], []
gate = threading.Event()
def one_call():
    gate.wait()
    try:
        client.call({}, 'work', seconds=work)
        outcomes.append('ok')
    except Exception as exc:
        outcomes.append(type(exc).__name__)
        failed_at.append(time.monotonic() - started)
threads = [threading.Thread(target=one_call) for _ in range(calls)]
for thread in threads:
    thread.start()
print('ready', flush=True)
sys.stdin.readline()
started = time.monotonic()
gate.set()
for thread in threads:
    thread.join(bench.HB_TOTAL + 60)
silences = [max(b - a for a, b in zip(times, times[1:]))
            for times in marks if len(times) > 1]
print(json.dumps({'outcomes': outcomes, 'failed_at': failed_at,
                  'silences': silences}))
"""
