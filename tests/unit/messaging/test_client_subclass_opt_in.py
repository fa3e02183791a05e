"""A subclass of a built-in that overrides ``outgoing`` has not opted in.

``heartbeat`` and ``ttl`` set ``outgoing_per_method``: their ``outgoing``
sets the same values for every message of a method. A plugin subclassing
one of them with an ``outgoing`` of its own (say, a TTL per request) was
written when every message ran the hooks; it inherits the attribute, not
the promise, and must keep running for every message unless it sets the
attribute itself (as the server side treats a subclass's receipt hooks).
"""

from __future__ import annotations

import itertools

import oslo_messaging

from oslo_extras.messaging import client as client_mod
from oslo_extras.messaging._serializer import StampingSerializer
from oslo_extras.messaging.interceptors import heartbeat
from oslo_extras.messaging.interceptors import ttl
from oslo_extras.messaging.policy import MessagePolicy
from oslo_extras.messaging.policy import PolicyMap
from tests.unit.messaging.helpers import new_target


class GrowingTTL(ttl.TimeToLive):
    """A TTL that grows with each message sent."""

    counter = itertools.count(10)

    def outgoing(self, message):
        super().outgoing(message)
        message.fields['ttl'] = float(next(self.counter))


class OptedInGrowingTTL(GrowingTTL):
    outgoing_per_method = True


def _client(transport, plugin):
    sent = []

    def _send(target, ctxt, message, wait_for_reply=None, **kwargs):
        sent.append(ctxt.get('oslo_extras_ttl'))

    transport._send = _send
    client = client_mod.RPCClient(
        oslo_messaging.get_rpc_client(
            transport, new_target(), serializer=StampingSerializer(None)
        ),
        PolicyMap(MessagePolicy(ttl=5)),
        [heartbeat.Heartbeat(), plugin],
    )
    return client, sent


def test_subclass_overriding_outgoing_runs_for_every_message(fake_transport):
    client, sent = _client(fake_transport, GrowingTTL())
    for _ in range(3):
        client.cast({}, 'record')
    assert sent[1] == sent[0] + 1 and sent[2] == sent[1] + 1


def test_subclass_that_opts_in_itself_is_planned_once(fake_transport):
    client, sent = _client(fake_transport, OptedInGrowingTTL())
    for _ in range(3):
        client.cast({}, 'record')
    assert sent[0] == sent[1] == sent[2]


def test_outgoing_set_on_a_builtin_instance_runs_every_time(fake_transport):
    plugin = ttl.TimeToLive()
    counter = itertools.count(20)

    def outgoing(message):
        message.fields['ttl'] = float(next(counter))

    plugin.outgoing = outgoing
    client, sent = _client(fake_transport, plugin)
    for _ in range(2):
        client.cast({}, 'record')
    assert sent == [20.0, 21.0]
