"""Start a server's worker threads before the first request needs one.

Upstream's threading executor (futurist's ``ThreadPoolExecutor``) starts a
worker thread inside ``submit()``, on the listener thread, for each request
until the pool is full, and ``Thread.start()`` waits until the new thread
runs. Measured on a fresh server taking a burst of 1,000 heartbeating
calls on 2 busy cores, these starts took 3.1 s of the listener's 5.8 s: the
requests behind them waited in the broker, where nothing heartbeats them,
and their callers timed out before their first heartbeat. Starting the
threads with the server moves that cost out of the request path (a
futurist pool's threads, once started, live as long as the pool).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from oslo_extras.messaging import _upstream

LOG = logging.getLogger(__name__)

#: Seconds the warm-up may take, at most.
WARM_UP_TIMEOUT = 10.0


def start_workers(executor: Any, timeout: float = WARM_UP_TIMEOUT) -> int:
    """Make ``executor`` start all its worker threads now.

    Submits tasks that block until the pool stops growing (so it must run
    them at once whatever its policy: futurist starts a thread per submit,
    a dynamic pool when all are busy), then releases them.

    :param executor: a futurist ``ThreadPoolExecutor``
    :returns: the number of worker threads afterwards
    """
    release = threading.Event()
    deadline = time.monotonic() + timeout
    futures = []
    try:
        while time.monotonic() < deadline:
            before = _upstream.worker_count(executor)
            futures.append(executor.submit(release.wait, timeout))
            if _upstream.worker_count(executor) == before:
                break  # full: this task waits for a free worker
    finally:
        release.set()
        for future in futures:
            future.result(timeout)
    started = _upstream.worker_count(executor)
    LOG.debug('Started %d worker threads', started)
    return started
