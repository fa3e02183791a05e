"""Transport drivers that add broker-side TTL, dead letters and heartbeats.

``rabbit-extras`` is upstream's RabbitMQ driver (also serving
``kombu+memory://``) with two hooks: messages carry AMQP ``expiration``
from the TTL the client stamped (casts, fanouts and notifications too), and
the queues a server declares can get ``x-message-ttl`` and a dead-letter
exchange. ``fake-extras`` is upstream's fake driver honouring call
monitoring. :func:`oslo_extras.messaging.get_rpc_transport` selects them
for ``rabbit://``, ``kombu+...://`` and ``fake://`` URLs; writing
``rabbit-extras://`` in a ``transport_url`` selects it too.
"""

from __future__ import annotations

from typing import Any

from oslo_messaging import transport as msg_transport


def with_scheme(conf: Any, url: Any, transport: str) -> Any:
    """Return a copy of the ``TransportURL`` ``url`` with another scheme."""
    return msg_transport.TransportURL(
        conf,
        transport=transport,
        virtual_host=url.virtual_host,
        hosts=url.hosts,
        query=url.query,
    )
