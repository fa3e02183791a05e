"""Transports without a broker: ``kombu+memory://`` and ``fake://``."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid

import oslo_messaging
import pytest
from oslo_config import cfg
from oslo_messaging import opts as messaging_opts

from oslo_extras import messaging


def make_conf() -> cfg.ConfigOpts:
    conf = cfg.ConfigOpts()
    for group, opts in messaging_opts.list_opts():
        conf.register_opts(opts, group=group)
    conf([], project='oslo-extras-test')
    return conf


class Endpoint:
    def __init__(self) -> None:
        self.done: list[object] = []
        self.contexts: list[dict] = []
        self.started = threading.Event()

    def work(self, ctxt, seconds, tag=None):
        self.contexts.append(dict(ctxt))
        self.started.set()
        time.sleep(seconds)
        self.done.append(tag if tag is not None else seconds)
        return f'worked {seconds}s'


@contextlib.contextmanager
def running(server, pool_size=None):
    server.start(override_pool_size=pool_size)
    try:
        yield server
    finally:
        server.stop()
        server.wait()


def new_target(**kwargs) -> oslo_messaging.Target:
    return oslo_messaging.Target(
        topic='t-' + uuid.uuid4().hex[:8], server='s1', **kwargs
    )


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
