"""Send plans: what the messages of one method and kind send, worked out
once per client family (see ``client.RPCClient``)."""

from __future__ import annotations

from typing import Any

from oslo_extras.messaging import interceptors as interceptors_mod
from oslo_extras.messaging import stamp as stamp_mod

#: Call timeouts whose plans a client and its prepare()d copies share.
MAX_PLANNED_TIMEOUTS = 32


class Plan:
    """What every message of one method and kind sends, worked out once.

    :param message: the outgoing message after every interceptor's hook
    :param fresh_sent: write the send time afresh on each message (a
        plan reused for many)
    """

    __slots__ = ('stamp', 'wire', 'fresh_sent', 'timeout', 'silence', 'key')

    def __init__(
        self, message: interceptors_mod.Outgoing, fresh_sent: bool
    ) -> None:
        self.stamp = message.stamp()
        #: the stamp as an extras driver takes it (see RPCClient._direct)
        self.wire = stamp_mod.WirePlan(self.stamp)
        self.fresh_sent = fresh_sent and self.stamp.sent is not None
        self.timeout = message.timeout
        self.silence = message.silence
        #: the upstream call context's key in ``RPCClient._calls``
        self.key = (message.timeout, message.call_monitor_timeout)


class Plans:
    """The send plans of a client and its prepare()d copies.

    A call's plan depends on the upstream client's ``timeout`` and
    ``call_monitor_timeout`` (which prepare() may change): calls are
    planned per pair, casts once.

    :param reusable: every interceptor sets ``outgoing_per_method``;
        otherwise nothing is kept and each message is planned
    """

    def __init__(self, reusable: bool) -> None:
        self.reusable = reusable
        self.casts: dict[str, Plan] = {}
        self._calls: dict[Any, dict[str, Plan]] = {}

    def calls(self, timeouts: Any) -> dict[str, Plan]:
        """The call plans of clients whose upstream ``(timeout,
        call_monitor_timeout)`` is ``timeouts``."""
        plans = self._calls.get(timeouts)
        if plans is None:
            plans = {}
            if len(self._calls) < MAX_PLANNED_TIMEOUTS:
                plans = self._calls.setdefault(timeouts, plans)
        return plans
