"""Glance's own Enforcer is built with ``overwrite=False``: SafeEnforcer
decides as oslo.policy on glance's real policy-in-code after random edits,
removals and reloads of the main file and policy.d (rules accumulate), and
with ``overwrite=True`` too."""

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings

from tests.realworld.policy.conftest import rules_for
from tests.unit.policy import overwrite_driver

GLANCE = rules_for(('glance',))
NAMES = sorted(
    {rule.name for rule in GLANCE}
    | {rule.deprecated_rule.name for rule in GLANCE if rule.deprecated_rule}
)
CHECKS = [
    '@',
    '!',
    'role:admin',
    'role:reader',
    'role:member and project_id:%(project_id)s',
    'rule:context_is_admin',
    'rule:default',
]
CREDENTIALS = [
    {'roles': roles, 'project_id': project, 'user_id': 'u1'}
    for roles in ([], ['reader'], ['reader', 'member'], ['admin'])
    for project in ('p1', 'p2')
]
TARGETS = [{'project_id': 'p1', 'owner': 'p1'}, {'project_id': 'p2'}]


def test_glance_rules_are_loaded():
    assert len(GLANCE) > 30
    assert any(rule.deprecated_rule for rule in GLANCE)


@pytest.mark.parametrize('overwrite', [False, True])
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=overwrite_driver.steps(NAMES, CHECKS))
def test_glance_decisions_match_after_every_edit_and_reload(
    tmp_path_factory, overwrite, steps
):
    pair = overwrite_driver.Pair(
        str(tmp_path_factory.mktemp('glance')), GLANCE, overwrite
    )
    try:
        for number, step in enumerate(steps):
            pair.step(*step)
            differences = pair.differences(NAMES, CREDENTIALS, TARGETS)
            assert differences == [], f'after step {number}: {step}'
    finally:
        pair.stop()
