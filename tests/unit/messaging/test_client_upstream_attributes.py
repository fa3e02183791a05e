"""Services read upstream's client attributes: ours has them too.

nova's ``ClientRouter`` reads ``version_cap``, ``serializer`` and
``call_monitor_timeout`` of the client ``nova.rpc.get_client`` built, and
builds clients for other cells from them; neutron_lib's and nova's error
messages read ``version_cap``. Our client raised AttributeError.
"""

from __future__ import annotations

import oslo_messaging
import pytest

from oslo_extras import messaging
from tests.unit.messaging.helpers import new_target

ATTRIBUTES = [
    'version_cap',
    'serializer',
    'call_monitor_timeout',
    'timeout',
    'retry',
    'transport',
    'target',
]


class AppSerializer(oslo_messaging.NoOpSerializer):
    pass


@pytest.mark.parametrize('serializer', [None, AppSerializer()])
def test_attributes_read_as_upstreams(fake_transport, serializer):
    target = new_target()
    kwargs = dict(
        version_cap='5.0',
        serializer=serializer,
        call_monitor_timeout=60,
        timeout=1800,
        retry=3,
    )
    stock = oslo_messaging.get_rpc_client(fake_transport, target, **kwargs)
    ours = messaging.get_rpc_client(
        fake_transport, target, heartbeat=1, **kwargs
    )
    for each in (lambda c: c, lambda c: c.prepare(version='4.0', timeout=9)):
        for name in ATTRIBUTES:
            if name == 'serializer':
                assert type(getattr(each(ours), name)) is type(
                    getattr(each(stock), name)
                )
                if serializer is not None:
                    assert each(ours).serializer is serializer
            else:
                assert getattr(each(ours), name) == getattr(
                    each(stock), name
                ), name
    assert ours.can_send_version('5.0') and not ours.can_send_version('5.1')


def test_a_missing_attribute_is_still_an_attribute_error(fake_transport):
    client = messaging.get_rpc_client(fake_transport, new_target())
    with pytest.raises(AttributeError):
        client.no_such_attribute  # noqa: B018
