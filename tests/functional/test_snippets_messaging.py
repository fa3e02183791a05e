"""The messaging snippets of README.rst and the spec, run on RabbitMQ.

The unit-level ``tests/unit/docs/test_snippets.py`` runs every other
snippet; these need a broker.
"""

from __future__ import annotations

import re
import uuid as uuid_module
from unittest import mock

import oslo_messaging
import pytest

from oslo_extras.messaging import errors as messaging_errors
from oslo_extras.messaging.drivers import rabbit as rabbit_driver
from tests.functional.servers.rabbitmq import rabbitmq  # noqa: F401
from tests.unit.docs import snippets
from tests.unit.messaging import helpers


class Compute:
    def __init__(self) -> None:
        self.resized: list[str] = []

    def resize(self, ctxt, instance):
        self.resized.append(instance)
        return 'resized'

    def refresh(self, ctxt):
        pass


def _snippet(first_line: str) -> snippets.Snippet:
    (found,) = [
        s
        for s in snippets.all_snippets()
        if s.first_line.startswith(first_line)
    ]
    return found


def _namespace(rabbitmq):  # noqa: F811
    conf = helpers.make_conf(rabbit_retry_interval=1, rabbit_retry_backoff=0)
    conf.set_override('transport_url', rabbitmq.url)
    topic = 'compute-' + uuid_module.uuid4().hex[:8]
    return {
        'conf': conf,
        'ctxt': {},
        'uuid': str(uuid_module.uuid4()),
        'endpoints': [Compute()],
        'target': oslo_messaging.Target(topic=topic, server='host-1'),
        'targets': [oslo_messaging.Target(topic='notifications-' + topic)],
        '_started': set(),
    }


def _cleanup(ns, started=('server',)):
    # oslo.messaging's stop() waits for a start() that never came: stop
    # only what the snippet or the test started.
    for name in started:
        server = ns.get(name)
        if server is not None and name in ns.get('_started', ()):
            server.stop()
            server.wait()
    for name in ('transport', 'notif_transport'):
        if ns.get(name) is not None:
            ns[name].cleanup()


def test_readme_messaging_snippet_runs_as_written(rabbitmq):  # noqa: F811
    snippet = _snippet('import oslo_messaging')
    ns = _namespace(rabbitmq)
    try:
        exec(compile(snippet.text, snippet.id, 'exec'), ns)
        ns['_started'].add('server')  # the README snippet starts it
        assert ns['endpoints'][0].resized == [ns['uuid']]
        # "may run for an hour": its total cap (max_call_time) allows it;
        # the default, rpc_response_timeout, ended it after 60 s.
        assert ns['client']._plan('resize', call=True).timeout >= 3600
        assert isinstance(ns['server'].stats.snapshot(), dict)
        # The next README block: expired messages wait in <topic>.dead.
        listing = rabbitmq.ctl('list_queues', 'name', 'messages')
        dead = [
            line for line in listing.splitlines() if re.search(r'\.dead', line)
        ]
        assert any(
            line.split()[0]
            == rabbit_driver.dead_letter_queue(ns['target'].topic)
            for line in dead
        ), listing
        # The block after it: a cast whose TTL ran out unsent. The broker
        # is up here: the cast is sent and nothing is logged.
        ns['LOG'] = LOG = mock.Mock()
        refused = _snippet(
            '# The client above, its broker unreachable for longer than'
        )
        exec(compile(refused.text, refused.id, 'exec'), ns)
        LOG.warning.assert_not_called()
        # Its send taking 31 s by the driver's clock (start, then the
        # publish attempt): refused, not sent, and logged as the block says.
        clock = iter([0.0, 31.0]).__next__
        with mock.patch.object(rabbit_driver, 'monotonic', clock):
            exec(compile(refused.text, refused.id, 'exec'), ns)
        ((text, exc), _) = LOG.warning.call_args
        assert text == 'not sent: %s'
        assert isinstance(exc, messaging_errors.ExpiredBeforeSent)
        assert "cast 'refresh'" in str(exc) and 'TTL of 30s' in str(exc)
    finally:
        _cleanup(ns)


def test_spec_messaging_snippet_runs_as_written(rabbitmq):  # noqa: F811
    from oslo_extras import messaging

    snippet = _snippet('transport = messaging.get_rpc_transport(conf)')
    ns = _namespace(rabbitmq)
    ns['messaging'] = messaging
    ns['notif_transport'] = messaging.get_notification_transport(ns['conf'])
    try:
        exec(compile(snippet.text, snippet.id, 'exec'), ns)
        ns['server'].start()
        ns['_started'].add('server')
        ns['listener'].start()
        ns['_started'].add('listener')
        client = ns['client']
        assert client.call({}, 'resize', instance='i-1') == 'resized'
        ns['notifier'].info({}, 'compute.metrics', {'cpu': 1})
    finally:
        _cleanup(ns, started=('server', 'listener'))


@pytest.mark.parametrize(
    'first_line',
    ["rabbitmqctl list_queues name messages | grep '\\.dead'"],
)
def test_every_functional_snippet_is_covered(first_line):
    assert _snippet(first_line)
