"""Carries the stamp from the client wrapper to the wire.

Upstream serializes the request context itself; the client hands it a
:class:`Stamped` context and this serializer writes the stamp into the
serialized dict, then lets the application's serializer do the rest. On
an extras driver the client hands the driver the stamp instead
(``scope.LOCAL.outgoing``) and the context passes as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import oslo_messaging

from oslo_extras.messaging.drivers import scope
from oslo_extras.messaging.stamp import HEARTBEAT
from oslo_extras.messaging.stamp import SENT
from oslo_extras.messaging.stamp import TTL
from oslo_extras.messaging.stamp import Stamp


class Stamped:
    """An application context plus the stamp for one message.

    :param sent: the send time, written instead of the stamp's own: a
        client reuses one stamp for every message of a method
    """

    __slots__ = ('ctxt', 'stamp', 'sent')

    def __init__(
        self, ctxt: Any, stamp: Stamp, sent: float | None = None
    ) -> None:
        self.ctxt = ctxt
        self.stamp = stamp
        self.sent = sent

    def redacted_copy(self) -> Stamped:
        """What the notifier sends: the context redacted, the stamp kept.

        Upstream's notifier drops dict contexts and sends
        ``redacted_copy()`` of the others; do the same inside.
        """
        try:
            inner = self.ctxt.redacted_copy()
        except AttributeError:
            inner = {}
        return Stamped(inner, self.stamp, self.sent)


class StampingSerializer(oslo_messaging.Serializer):
    """Wraps the application's serializer and adds the stamp."""

    def __init__(self, inner: oslo_messaging.Serializer | None) -> None:
        self.inner = inner or oslo_messaging.NoOpSerializer()
        # No application serializer: entities and contexts pass unchanged,
        # without a call into NoOpSerializer for each argument and result.
        self._no_op = inner is None

    # Stamped unwrapped inline: these run once per argument or result.

    def serialize_entity(self, ctxt, entity):
        if self._no_op:
            return entity
        if type(ctxt) is Stamped:
            ctxt = ctxt.ctxt
        # Upstream serializes the arguments before the driver sends: a
        # message the application's serializer sends meanwhile must not
        # take the stamp our client handed the driver for its own.
        local = scope.LOCAL
        outgoing = local.outgoing
        if outgoing is None:
            return self.inner.serialize_entity(ctxt, entity)
        local.outgoing = None
        try:
            return self.inner.serialize_entity(ctxt, entity)
        finally:
            local.outgoing = outgoing

    def deserialize_entity(self, ctxt, entity):
        if self._no_op:
            return entity
        if type(ctxt) is Stamped:
            ctxt = ctxt.ctxt
        return self.inner.deserialize_entity(ctxt, entity)

    def serialize_context(self, ctxt):
        stamped = type(ctxt) is Stamped
        if stamped:
            ctxt, stamp, sent = ctxt.ctxt, ctxt.stamp, ctxt.sent
        if not self._no_op:
            # As in serialize_entity: the stamp is not for its messages.
            local = scope.LOCAL
            outgoing = local.outgoing
            local.outgoing = None
            try:
                ctxt = self.inner.serialize_context(ctxt)
            finally:
                local.outgoing = outgoing
        if type(ctxt) is dict:
            serialized = dict(ctxt)
        else:
            serialized = _as_dict(ctxt)
        if stamped:
            # Stamp.write() inline, with the send time of this message.
            if stamp.ttl is not None:
                serialized[TTL] = stamp.ttl
            if sent is not None or stamp.sent is not None:
                serialized[SENT] = stamp.sent if sent is None else sent
            if stamp.heartbeat is not None:
                serialized[HEARTBEAT] = stamp.heartbeat
        return serialized

    def deserialize_context(self, ctxt):
        return self.inner.deserialize_context(ctxt)


def _as_dict(ctxt: Any) -> dict:
    """A copy of a context that is not a dict, as upstream's AMQP driver
    packs it: a mapping's items, else its ``to_dict()`` (an
    ``oslo_context.RequestContext`` sent without a context serializer).
    """
    if not ctxt:
        return {}
    if isinstance(ctxt, Mapping):
        return dict(ctxt)
    return dict(ctxt.to_dict())
