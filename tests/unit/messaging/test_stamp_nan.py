"""A NaN stamp field reads as unset: it must not switch a TTL off.

NaN compares false with everything: a stamped ``ttl`` of NaN made the
server's own TTL (``policy_ttl < ttl``) and every age check false, so a
message of any age ran. JSON decoders accept ``NaN``; a third-party or
broken client can send it in the body stamp or the context keys.
"""

from __future__ import annotations

import pytest

from oslo_extras.messaging import stamp as stamp_mod
from oslo_extras.messaging.interceptors import Request
from oslo_extras.messaging.interceptors.ttl import TimeToLive
from oslo_extras.messaging.interceptors.ttl import expired
from oslo_extras.messaging.policy import MessagePolicy
from oslo_extras.messaging.stamp import Stamp

NAN = float('nan')


@pytest.mark.parametrize(
    'ctxt, body',
    [
        ({}, {'ttl': NAN, 'sent': 1.0, 'heartbeat': NAN}),
        ({}, {'ttl': 'NaN', 'sent': 1.0, 'heartbeat': 'nan'}),
        ({stamp_mod.TTL: NAN, stamp_mod.HEARTBEAT: 'NaN', 'user': 'u'}, None),
    ],
)
def test_nan_fields_read_as_unset(ctxt, body):
    message = {'method': 'm'}
    if body is not None:
        message[stamp_mod.BODY_KEY] = body
    taken = Stamp.take(dict(ctxt), message)
    assert taken.ttl is None
    assert taken.heartbeat is None


def test_nan_ttl_leaves_the_servers_ttl_in_force():
    message = {
        'method': 'm',
        stamp_mod.BODY_KEY: {'ttl': NAN, 'sent': stamp_mod.now() - 10},
    }
    request = Request(
        None,
        'm',
        Stamp.take({}, message),
        MessagePolicy(ttl=1),
        {'clock_skew': 0.5},
    )
    assert 'sender clock' in expired(request)
    assert TimeToLive()._receive(request) is None


def test_nan_on_the_wire_is_dropped_by_the_sender():
    ctxt = {stamp_mod.TTL: NAN, stamp_mod.SENT: 1.0}
    _, message, ttl = stamp_mod.to_wire(ctxt, {'method': 'm'})
    assert ttl is None
    assert 'ttl' not in message[stamp_mod.BODY_KEY]
