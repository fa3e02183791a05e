"""What every test tier shares."""

import pytest

from oslo_extras.demo import _entry_points


@pytest.fixture(autouse=True, scope='session')
def demo_policy_namespace():
    """The demo's policy namespace, which the install no longer registers.

    Also reaches the ``oslopolicy-*`` tools the functional tests start
    (through ``PYTHONPATH``).
    """
    with _entry_points.registered() as namespace:
        yield namespace
