"""Real services' RPC code from PyPI, on stock and on extras messaging.

Each test runs a service's own RPC API module twice: once as the service
ships it (stock oslo.messaging), once with its ``oslo_messaging`` module
seen through :class:`ExtrasMessaging`, so that the service's own
``get_client()``/``get_server()`` build our client and server with a
heartbeat policy. Both must behave the same.
"""

from __future__ import annotations

import functools
import types
from typing import Any

import oslo_messaging
import pytest
from oslo_config import cfg
from oslo_config import fixture as config_fixture
from oslo_messaging import opts as messaging_opts
from oslo_policy import _checks as policy_checks

from oslo_extras import messaging

# Importing nova's and neutron's RPC modules registers their oslo.policy
# checks process-wide (nova.policy's is_admin, neutron.policy's project_id,
# tenant_id and field). These tests enforce no policy: undo that, after
# each module of this directory is imported (at collection, before any
# test of the session runs) and after each test, so that the policy tests
# keep oslo.policy's own checks.
_POLICY_CHECKS = dict(policy_checks.registered_checks)


def _restore_policy_checks() -> None:
    policy_checks.registered_checks.clear()
    policy_checks.registered_checks.update(_POLICY_CHECKS)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    _restore_policy_checks()


@pytest.fixture(autouse=True)
def _policy_checks_kept():
    yield
    _restore_policy_checks()


class ExtrasMessaging(types.ModuleType):
    """``oslo_messaging`` as a service module sees it, with our client and
    server (and the method policies the service would declare)."""

    def __init__(self, methods: dict[str, dict[str, float]]) -> None:
        super().__init__('oslo_messaging')
        self.get_rpc_client = functools.partial(
            messaging.get_rpc_client, methods=methods
        )
        self.get_rpc_server = messaging.get_rpc_server

    def __getattr__(self, name: str) -> Any:
        return getattr(oslo_messaging, name)


def rpc_transport(kind: str, conf: cfg.ConfigOpts, url: str, exmods):
    """A stock or an extras RPC transport for ``url``."""
    get = (
        messaging.get_rpc_transport
        if kind == 'extras'
        else oslo_messaging.get_rpc_transport
    )
    return get(conf, url, allowed_remote_exmods=exmods)


@pytest.fixture
def conf():
    """The global CONF the services read, overrides undone afterwards."""
    # rpc_response_timeout and friends, as a service's first RPC client
    # registers them.
    for group, opts in messaging_opts.list_opts():
        if group in (None, 'DEFAULT'):
            cfg.CONF.register_opts(opts)
    # Parsed with no file, as a service with defaults only; cleared after.
    cfg.CONF(
        [],
        project='oslo-extras-realworld',
        default_config_files=[],
        default_config_dirs=[],
    )
    fixture = config_fixture.Config(cfg.CONF)
    fixture.setUp()
    try:
        yield cfg.CONF
    finally:
        fixture.cleanUp()
        cfg.CONF.clear()


@pytest.fixture
def transport_url():
    """The in-process driver; test_*_rabbit.py modules use RabbitMQ."""
    return 'fake://'


@pytest.fixture(params=['stock', 'extras'])
def kind(request):
    return request.param
