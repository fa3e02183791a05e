"""Differences from oslo.policy found by breaking SafeEnforcer, not fixed yet.

Each test states oslo.policy's behaviour and fails (strict xfail) until
SafeEnforcer matches it; remove the marker with the fix.
"""

import logging
import os

import pytest
from oslo_policy import policy

from tests.unit.policy.conftest import demo_rules
from tests.unit.policy.conftest import make_conf
from tests.unit.policy.conftest import safe
from tests.unit.policy.conftest import upstream
from tests.unit.policy.conftest import write

MEMBER = {'roles': ['reader', 'member'], 'project_id': 'p1', 'user_id': 'u1'}
TARGET = {'project_id': 'p1', 'user_id': 'u1'}


@pytest.mark.xfail(
    strict=True,
    reason='not fixed: SafeEnforcer ignores overwrite=False (glance builds '
    'its Enforcer with it): oslo.policy merges a reloaded file into the '
    'rules it has, so an override removed from the file stays in force; '
    'SafeEnforcer rebuilds from the files and the removed override falls '
    'back to the default (wider here). Needs the merge per changed file '
    'in runtime._refresh, _rebuild and the reload delta.',
)
def test_overwrite_false_keeps_an_override_removed_from_the_file(
    tmp_path, caplog
):
    path = tmp_path / 'policy.yaml'
    write(path, '"demo:widgets:create": "role:admin"\n')
    conf = make_conf(str(tmp_path))
    theirs = policy.Enforcer(conf, overwrite=False)
    theirs.register_defaults(demo_rules())
    ours = safe(conf, overwrite=False)
    for enforcer in (theirs, ours):
        assert not enforcer.enforce('demo:widgets:create', TARGET, MEMBER)
    write(path, '{}\n')
    later = os.stat(path).st_mtime + 5
    os.utime(path, (later, later))
    with caplog.at_level(logging.CRITICAL):
        theirs.load_rules()
        ours.reload()
    expected = theirs.enforce('demo:widgets:create', TARGET, dict(MEMBER))
    assert expected is False
    assert ours.enforce('demo:widgets:create', TARGET, dict(MEMBER)) is False


def _deprecated():
    return policy.DocumentedRuleDefault(
        'demo:gadgets:list',
        'role:admin',
        'List gadgets.',
        [{'path': '/gadgets', 'method': 'GET'}],
        deprecated_rule=policy.DeprecatedRule(
            'demo:gadget:list',
            'role:member',
            deprecated_reason='new defaults',
            deprecated_since='X',
        ),
    )


@pytest.mark.xfail(
    strict=True,
    reason='not fixed: oslo.policy applies [oslo_policy] '
    'enforce_new_defaults to a rule once, when the rule first enters its '
    'rule set; SafeEnforcer rebuilds every rule with the current value '
    'after register_default()/set_rules(use_conf=True), so toggling it at '
    'run time (service tests do) changes rules oslo.policy keeps. Needs '
    'the mode recorded per rule name.',
)
@pytest.mark.parametrize('first', [False, True])
def test_enforce_new_defaults_toggled_then_register_default(tmp_path, first):
    write(tmp_path / 'policy.yaml', '{}\n')
    conf = make_conf(str(tmp_path), enforce_new_defaults=first)
    theirs = upstream(conf, demo_rules() + [_deprecated()])
    ours = safe(conf, demo_rules() + [_deprecated()])
    got = []
    for enforcer in (theirs, ours):
        enforcer.enforce('demo:gadgets:list', {}, dict(MEMBER))
    conf.set_override('enforce_new_defaults', not first, 'oslo_policy')
    for enforcer in (theirs, ours):
        enforcer.register_default(policy.RuleDefault('late', 'role:x'))
        got.append(enforcer.enforce('demo:gadgets:list', {}, dict(MEMBER)))
    assert got[1] == got[0]
