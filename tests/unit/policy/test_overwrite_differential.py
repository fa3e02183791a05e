"""SafeEnforcer decides as oslo.policy after random file edits and reloads,
with ``overwrite=False`` (rules accumulate, as glance builds its Enforcer)
and ``overwrite=True``."""

import logging
import os

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings

from tests.unit.policy import overwrite_driver
from tests.unit.policy.conftest import RULE_NAMES
from tests.unit.policy.conftest import credential_grid
from tests.unit.policy.conftest import demo_rules
from tests.unit.policy.conftest import make_conf
from tests.unit.policy.conftest import safe
from tests.unit.policy.conftest import write

NAMES = RULE_NAMES + ['demo:widget:delete', 'custom_helper']
CHECKS = [
    '@',
    '!',
    'role:admin',
    'role:member',
    'rule:project_member',
    'rule:custom_helper',
    'role:reader and project_id:%(project_id)s',
]
CREDENTIALS = credential_grid()[::5]
TARGETS = [{'project_id': 'p1', 'user_id': 'u1'}, {'project_id': 'p2'}]
MEMBER = {'roles': ['reader', 'member'], 'project_id': 'p1', 'user_id': 'u1'}
TARGET = {'project_id': 'p1', 'user_id': 'u1'}


@pytest.mark.parametrize('overwrite', [False, True])
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=overwrite_driver.steps(NAMES, CHECKS))
def test_decisions_match_after_every_edit_and_reload(
    tmp_path_factory, overwrite, steps
):
    pair = overwrite_driver.Pair(
        str(tmp_path_factory.mktemp('policy')), demo_rules(), overwrite
    )
    try:
        for number, step in enumerate(steps):
            pair.step(*step)
            assert pair.differences(NAMES, CREDENTIALS, TARGETS) == [], (
                f'after step {number}: {step}'
            )
    finally:
        pair.stop()


def _bump(path, seconds=5):
    later = os.stat(path).st_mtime + seconds
    os.utime(path, (later, later))


def test_widening_count_compares_the_rules_in_force(tmp_path, caplog):
    # overwrite=False: removing the override changes nothing enforced, so
    # the reload neither widens nor is refused by the guard.
    path = tmp_path / 'policy.yaml'
    write(path, '"demo:widgets:create": "role:admin"\n')
    conf = make_conf(str(tmp_path))
    ours = safe(conf, overwrite=False)
    ours.load_rules()
    conf.set_override('refuse_widening_reload', True, 'oslo_extras_policy')
    write(path, '{}\n')
    _bump(path)
    with caplog.at_level(logging.INFO):
        assert ours.reload() is True
    assert ours.last_reload_error is None
    assert not ours.enforce('demo:widgets:create', TARGET, dict(MEMBER))
    assert 'Policy reloaded' not in caplog.text


def test_deleted_file_keeps_its_overrides_with_overwrite_false(
    tmp_path, caplog
):
    path = tmp_path / 'policy.yaml'
    write(path, '"demo:widgets:create": "role:admin"\n')
    ours = safe(make_conf(str(tmp_path)), overwrite=False)
    ours.load_rules()
    os.remove(path)
    with caplog.at_level(logging.WARNING):
        assert ours.reload() is True
    assert 'stay in force' in caplog.text
    assert not ours.enforce('demo:widgets:create', TARGET, dict(MEMBER))


def test_clear_drops_the_accumulated_overrides(tmp_path):
    path = tmp_path / 'policy.yaml'
    write(path, '"demo:widgets:create": "role:admin"\n')
    ours = safe(make_conf(str(tmp_path)), overwrite=False)
    ours.load_rules()
    write(path, '{}\n')
    _bump(path)
    ours.reload()
    assert not ours.enforce('demo:widgets:create', TARGET, dict(MEMBER))
    ours.clear()
    ours.register_defaults(demo_rules())
    ours.load_rules(force_reload=True)
    assert ours.enforce('demo:widgets:create', TARGET, dict(MEMBER))
