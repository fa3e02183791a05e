"""The RPC client's per-call work (no server needed)."""

from __future__ import annotations

from oslo_extras import messaging
from tests.unit.messaging.helpers import new_target


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
    # prepare() keeps the value it read.
    prepared = client.prepare(timeout=2)
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
