"""Helpers shared by the messaging unit and functional tests."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable

import oslo_messaging
import pytest
from oslo_config import cfg
from oslo_messaging import opts as messaging_opts

from oslo_extras.messaging import stamp


def make_conf(**rabbit_overrides) -> cfg.ConfigOpts:
    """A private ConfigOpts with oslo.messaging's options registered."""
    conf = cfg.ConfigOpts()
    for group, opts in messaging_opts.list_opts():
        conf.register_opts(opts, group=group)
    conf([], project='oslo-extras-test')
    for name, value in rabbit_overrides.items():
        conf.set_override(name, value, 'oslo_messaging_rabbit')
    return conf


class Endpoint:
    """Records what ran, in order, and the contexts it saw."""

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

    def record(self, ctxt, tag):
        self.done.append(tag)


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


def wait_for(done: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll ``done()`` until it is true or ``timeout`` passed."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def sender_clock_behind(
    monkeypatch: pytest.MonkeyPatch, seconds: float
) -> None:
    """Stamp what this thread sends as a sender whose clock is ``seconds``
    behind; other threads (the server's) keep the real clock."""
    real_now, sender = stamp.now, threading.get_ident()
    monkeypatch.setattr(
        stamp,
        'now',
        lambda: (
            real_now() - (seconds if threading.get_ident() == sender else 0)
        ),
    )


@contextlib.contextmanager
def clock_behind(seconds: float):
    """:func:`sender_clock_behind` for the ``with`` block only."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        sender_clock_behind(monkeypatch, seconds)
        yield


class TTLLeft:
    """Equal to an AMQP ``expiration`` (a string of milliseconds) that is
    what was left of ``ttl`` seconds when a cast or notification was
    published: its TTL counts from the driver's send(), so a little less
    (up to a second less, or to nothing for a shorter TTL: a loaded
    machine), never more."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, str):
            return NotImplemented
        return max(0, self.ttl - 1) * 1000 < int(other) <= self.ttl * 1000

    def __repr__(self) -> str:
        return f'<expiration: what was left of {self.ttl:g}s>'


@contextlib.contextmanager
def memory_notifier(topics, ttl, conf=None, **kwargs):
    """Our notifier on ``kombu+memory://`` (the rabbit-extras driver) with
    a TTL; its transport is cleaned up after the block."""
    from oslo_extras import messaging

    transport = messaging.get_notification_transport(
        conf if conf is not None else make_conf(), 'kombu+memory:////'
    )
    try:
        yield messaging.get_notifier(
            transport,
            'demo.host',
            driver='messaging',
            topics=list(topics),
            ttl=ttl,
            **kwargs,
        )
    finally:
        transport.cleanup()
