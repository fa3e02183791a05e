"""A stock caller's window too big for a float is served as stock serves it.

A stock client sends its ``call_monitor_timeout`` as ``_timeout``, any JSON
number. A stock server's watchdog fails on one too big for a float (its
thread dies) and the call is served without heartbeats; ours answered the
caller with an ``OverflowError`` from the heartbeat interceptor.
"""

from __future__ import annotations

import oslo_messaging
import pytest

from oslo_extras import messaging
from tests.unit.messaging.helpers import Endpoint
from tests.unit.messaging.helpers import new_target
from tests.unit.messaging.helpers import running


@pytest.mark.parametrize(
    'window', [10**400, 10**308 * 3], ids=['huge', 'over-float-max']
)
@pytest.mark.parametrize('kind', ['stock', 'extras'])
def test_a_huge_stock_window_is_served(fake_transport, kind, window):
    target = new_target()
    if kind == 'stock':
        server = oslo_messaging.get_rpc_server(
            fake_transport, target, [Endpoint()], executor='threading'
        )
    else:
        server = messaging.get_rpc_server(fake_transport, target, [Endpoint()])
    stock = oslo_messaging.get_rpc_client(
        fake_transport, target, timeout=5, call_monitor_timeout=window
    )
    with running(server):
        assert stock.call({}, 'work', seconds=0.1) == 'worked 0.1s'
