"""Transports without a broker: ``kombu+memory://`` and ``fake://``."""

from __future__ import annotations

import oslo_messaging
import pytest

from oslo_extras import messaging
from oslo_extras.messaging import _upstream
from tests.unit.messaging.helpers import make_conf


def _transport(url):
    transport = messaging.get_rpc_transport(make_conf(), url)
    try:
        yield transport
    finally:
        transport.cleanup()


@pytest.fixture(params=['kombu+memory:////', 'fake://'])
def any_transport(request):
    yield from _transport(request.param)


@pytest.fixture
def memory_transport():
    yield from _transport('kombu+memory:////')


@pytest.fixture
def fake_transport():
    yield from _transport('fake://')


@pytest.fixture
def stock_fake_transport():
    """Upstream's own ``fake://`` driver (an application's test transport),
    which ignores call monitoring."""
    conf = make_conf()
    # Upstream registers its tracing options on the global CONF only.
    _upstream.register_opts(conf)
    transport = oslo_messaging.get_rpc_transport(conf, 'fake://')
    try:
        yield transport
    finally:
        transport.cleanup()
