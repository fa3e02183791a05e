"""Transports that use the ``rabbit-extras`` driver where it applies."""

from __future__ import annotations

from typing import Any

import oslo_messaging
from oslo_messaging import transport as msg_transport

from oslo_extras.messaging import _upstream
from oslo_extras.messaging import drivers
from oslo_extras.messaging.drivers import fake
from oslo_extras.messaging.drivers import rabbit


def extras_url(conf: Any, url: Any) -> Any:
    """Return ``url`` with the scheme that selects our driver for it.

    ``rabbit://`` becomes ``rabbit-extras://``, ``kombu+memory://``
    ``rabbit-extras+kombu+memory://`` and ``fake://`` ``fake-extras://``;
    other URLs (``kafka://``) come back unchanged.
    """
    if not isinstance(url, msg_transport.TransportURL):
        url = msg_transport.TransportURL.parse(conf, url)
    transport = url.transport or 'rabbit'
    if transport == 'rabbit':
        transport = rabbit.SCHEME
    elif transport.startswith('kombu'):
        transport = f'{rabbit.SCHEME}+{transport}'
    elif transport == 'fake':
        transport = fake.SCHEME
    else:
        return url
    return drivers.with_scheme(conf, url, transport)


def _url(conf: Any, url: Any) -> Any:
    _upstream.register_opts(conf)
    return extras_url(conf, url)


def get_rpc_transport(conf: Any, url: Any = None, **kwargs: Any) -> Any:
    """Like ``oslo_messaging.get_rpc_transport``, with broker-side TTL.

    ``rabbit://`` and ``kombu+...://`` URLs get the ``rabbit-extras``
    driver (AMQP expiration on every message, queue TTL and dead
    letters), ``fake://`` the ``fake-extras`` driver (call monitoring);
    other URLs get their usual driver, where the in-process heartbeats and
    TTL checks still work.

    :param conf: the service's ``ConfigOpts``
    :param url: a transport URL; ``[DEFAULT] transport_url`` when None
    """
    return oslo_messaging.get_rpc_transport(conf, _url(conf, url), **kwargs)


def get_notification_transport(
    conf: Any, url: Any = None, **kwargs: Any
) -> Any:
    """Like ``oslo_messaging.get_notification_transport``, with TTL."""
    return oslo_messaging.get_notification_transport(
        conf, _url(conf, url), **kwargs
    )
