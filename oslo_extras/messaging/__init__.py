"""Messaging heartbeats and message TTL, chosen by the application.

The service declares them in code, per target or per method, when it
builds its RPC client, RPC server and notifier::

    from oslo_extras import messaging

    transport = messaging.get_rpc_transport(conf)
    client = messaging.get_rpc_client(
        transport, target, heartbeat=1, timeout=2, ttl=30,
        methods={'resize': dict(heartbeat=5, ttl=300)},
    )
    server = messaging.get_rpc_server(
        transport, target, endpoints, ttl=60, dead_letter=True
    )

No configuration option controls them.
"""

from oslo_extras.messaging.client import RPCClient
from oslo_extras.messaging.client import get_rpc_client
from oslo_extras.messaging.errors import CallTimeExceeded
from oslo_extras.messaging.errors import ExpiredBeforeSent
from oslo_extras.messaging.errors import HeartbeatTimeout
from oslo_extras.messaging.listener import NotificationListener
from oslo_extras.messaging.listener import get_notification_listener
from oslo_extras.messaging.notifier import Notifier
from oslo_extras.messaging.notifier import get_notifier
from oslo_extras.messaging.policy import MessagePolicy
from oslo_extras.messaging.server import RPCServer
from oslo_extras.messaging.server import get_rpc_server
from oslo_extras.messaging.transport import get_notification_transport
from oslo_extras.messaging.transport import get_rpc_transport

__all__ = [
    'CallTimeExceeded',
    'ExpiredBeforeSent',
    'HeartbeatTimeout',
    'MessagePolicy',
    'NotificationListener',
    'Notifier',
    'RPCClient',
    'RPCServer',
    'get_notification_listener',
    'get_notification_transport',
    'get_notifier',
    'get_rpc_client',
    'get_rpc_server',
    'get_rpc_transport',
]
