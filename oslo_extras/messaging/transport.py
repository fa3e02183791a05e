"""Transports that use the ``rabbit-extras`` driver where it applies."""

from __future__ import annotations

from typing import Any

import oslo_messaging

from oslo_extras.messaging import _upstream
from oslo_extras.messaging.drivers import rabbit


def _url(conf: Any, url: Any) -> Any:
    _upstream.register_opts(conf)
    return rabbit.extras_url(conf, url)


def get_rpc_transport(conf: Any, url: Any = None, **kwargs: Any) -> Any:
    """Like ``oslo_messaging.get_rpc_transport``, with broker-side TTL.

    ``rabbit://`` and ``kombu+...://`` URLs get the ``rabbit-extras``
    driver (AMQP expiration on every message, queue TTL and dead
    letters); other URLs (``fake://``) get their usual driver, where the
    in-process heartbeats and TTL checks still work.

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
