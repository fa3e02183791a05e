"""Glance's own Enforcer is built with ``overwrite=False``: SafeEnforcer
decides as oslo.policy on glance's real policy-in-code after random edits,
removals and reloads of the main file and policy.d (rules accumulate), and
with ``overwrite=True`` too."""

import functools

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from tests.realworld.policy.conftest import rules_for
from tests.unit.policy import overwrite_driver


# Loaded when a test first needs them, not at collection: entry points
# read before the session's fixtures run (the demo's policy namespace is
# lent to the session by tests/conftest.py) left stevedore without it.
@functools.cache
def _glance() -> list:
    return rules_for(('glance',))


@functools.cache
def _names() -> list[str]:
    rules = _glance()
    return sorted(
        {rule.name for rule in rules}
        | {rule.deprecated_rule.name for rule in rules if rule.deprecated_rule}
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
    assert len(_glance()) > 30
    assert any(rule.deprecated_rule for rule in _glance())


@pytest.mark.parametrize('overwrite', [False, True])
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=st.deferred(lambda: overwrite_driver.steps(_names(), CHECKS)))
def test_glance_decisions_match_after_every_edit_and_reload(
    tmp_path_factory, overwrite, steps
):
    pair = overwrite_driver.Pair(
        str(tmp_path_factory.mktemp('glance')), _glance(), overwrite
    )
    try:
        for number, step in enumerate(steps):
            pair.step(*step)
            differences = pair.differences(_names(), CREDENTIALS, TARGETS)
            assert differences == [], f'after step {number}: {step}'
    finally:
        pair.stop()
