"""Transports without a broker: ``kombu+memory://`` and ``fake://``."""

from __future__ import annotations

import pytest

from oslo_extras import messaging
from tests.unit.messaging.helpers import make_conf


@pytest.fixture(params=['kombu+memory:////', 'fake://'])
def any_transport(request):
    transport = messaging.get_rpc_transport(make_conf(), request.param)
    try:
        yield transport
    finally:
        transport.cleanup()


@pytest.fixture
def memory_transport():
    transport = messaging.get_rpc_transport(make_conf(), 'kombu+memory:////')
    try:
        yield transport
    finally:
        transport.cleanup()


@pytest.fixture
def fake_transport():
    transport = messaging.get_rpc_transport(make_conf(), 'fake://')
    try:
        yield transport
    finally:
        transport.cleanup()
