"""Odd credential shapes on real services' rules: oslo.policy's outcome.

Roles as ints, ``None``, nested lists, tuples or a bare string, missing or
odd-typed credential keys, mappings that are no dict, targets that are no
dict: for every rule of nova, keystone, cinder, glance and neutron (alone
and with an operator's file), SafeEnforcer's ``enforce()`` and
``authorize(do_raise=True)`` give what oslo.policy gives, the exception and
its text included.
"""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from tests import policy_credentials
from tests.realworld.policy.conftest import SERVICES
from tests.realworld.policy.test_policy_realworld import _enforcers
from tests.realworld.policy.test_policy_realworld import _grid
from tests.realworld.policy.test_policy_realworld import _known_difference

CASES = [(None, (service,)) for service in SERVICES] + [
    ('sapcc-nova-policy.yaml', ('nova',)),
    ('sapcc-keystone-policy.yaml', ('keystone',)),
    ('sapcc-cinder-policy.yaml', ('cinder',)),
]
IDS = [f'{ns[0]}-in-code' if not f else f for f, ns in CASES]


def _outcomes(enforcer, name, target, creds):
    outcome = policy_credentials.outcome
    return (
        outcome(enforcer.enforce, name, target, creds),
        outcome(enforcer.authorize, name, target, creds, do_raise=True),
    )


@pytest.mark.parametrize('policy_file,namespaces', CASES, ids=IDS)
def test_odd_credentials_get_oslo_policys_outcome(
    policy_file, namespaces, caplog
):
    caplog.set_level(logging.CRITICAL)
    people, places, names, ruleset = _grid(policy_file, namespaces)
    registered = sorted(ruleset.defaults)
    theirs, ours = _enforcers(policy_file, namespaces)
    credential_keys = sorted({key for person in people for key in person})
    target_keys = sorted({key for place in places for key in place})

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        creds=policy_credentials.credentials(people, credential_keys),
        target=policy_credentials.targets(places, target_keys),
        picked=st.lists(st.sampled_from(registered), min_size=1, max_size=15),
    )
    def check(creds, target, picked):
        for name in picked:
            if _known_difference(ruleset, name):
                continue
            expected = _outcomes(theirs, name, target, creds)
            assert _outcomes(ours, name, target, creds) == expected, name

    check()
