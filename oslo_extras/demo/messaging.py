"""Demo: a long call kept alive by heartbeats, a stale cast never run.

Runs on ``kombu+memory://`` (upstream's real AMQP driver code, in-process):
no broker needed.
"""

from __future__ import annotations

import logging
import threading
import time

import oslo_messaging
from oslo_config import cfg

from oslo_extras import messaging

TITLE = 'Messaging heartbeats and message TTL, chosen by the application'


class Worker:
    def __init__(self) -> None:
        self.ran: list[str] = []
        self.busy = threading.Event()

    def resize(self, ctxt, seconds):
        self.busy.set()
        time.sleep(seconds)
        self.ran.append('resize')
        return f'resized in {seconds}s'

    def refresh(self, ctxt, name):
        self.ran.append(name)


class _Show(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        print('  server log: ' + record.getMessage())


def run(workdir: str) -> bool:
    # kombu+memory has no broker: silence its "no hostname" chatter.
    for name in ('kombu', 'oslo.messaging', 'oslo_messaging'):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    shown = _Show(logging.WARNING)
    logging.getLogger('oslo_extras.messaging').addHandler(shown)
    conf = cfg.ConfigOpts()
    conf([])
    transport = messaging.get_rpc_transport(conf, 'kombu+memory:////')
    target = oslo_messaging.Target(topic='demo-compute', server='host-1')
    worker = Worker()
    server = messaging.get_rpc_server(transport, target, [worker])
    server.start(override_pool_size=1)  # one worker: a busy server
    ok = True
    try:
        client = messaging.get_rpc_client(
            transport, target, heartbeat=0.5, timeout=2
        )
        print('call resize (takes 3s) with heartbeat=0.5s, timeout=2s')
        started = time.monotonic()
        result = client.call({}, 'resize', seconds=3)
        print(
            f'  -> {result!r} after {time.monotonic() - started:.1f}s, '
            f'{server.stats["heartbeats"]} heartbeats kept it alive'
        )
        ok &= result == 'resized in 3s'

        print('cast refresh with ttl=0.3s while the only worker is busy 1s')
        worker.busy.clear()
        client.cast({}, 'resize', seconds=1)
        worker.busy.wait(5)
        stale = messaging.get_rpc_client(transport, target, ttl=0.3)
        stale.cast({}, 'refresh', name='stale-refresh')
        client.cast({}, 'refresh', name='fresh-refresh')
        deadline = time.monotonic() + 5
        while 'fresh-refresh' not in worker.ran:
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        print(
            f'  -> ran: {worker.ran}; expired and dropped: '
            f'{server.stats["expired"]}'
        )
        ok &= 'stale-refresh' not in worker.ran
        ok &= 'fresh-refresh' in worker.ran
        ok &= server.stats['expired'] == 1
    finally:
        server.stop()
        server.wait()
        transport.cleanup()
        logging.getLogger('oslo_extras.messaging').removeHandler(shown)
    print('behaved as expected' if ok else 'DID NOT BEHAVE')
    return ok
