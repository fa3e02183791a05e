"""Transport drivers that add broker-side TTL and dead-lettering.

``rabbit-extras`` is upstream's RabbitMQ driver (also serving
``kombu+memory://``) with two hooks: messages carry AMQP ``expiration``
from the TTL the client stamped (casts, fanouts and notifications too), and
the queues a server declares can get ``x-message-ttl`` and a dead-letter
exchange. :func:`oslo_extras.messaging.get_rpc_transport` selects it for
``rabbit://`` and ``kombu+...://`` URLs; ``rabbit-extras://`` in a
``transport_url`` selects it too.
"""
