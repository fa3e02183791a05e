"""``[oslo_policy] enforce_new_defaults`` toggled on a live enforcer."""

import pytest
from oslo_policy import policy

from tests.unit.policy.conftest import demo_rules
from tests.unit.policy.conftest import make_conf
from tests.unit.policy.conftest import safe
from tests.unit.policy.conftest import upstream
from tests.unit.policy.conftest import write

MEMBER = {'roles': ['reader', 'member'], 'project_id': 'p1', 'user_id': 'u1'}


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


@pytest.mark.parametrize('first', [False, True])
def test_enforce_new_defaults_toggled_then_register_default(tmp_path, first):
    # oslo.policy resolves a deprecated default once, when the rule enters
    # its rules; a later register_default() keeps it. SafeEnforcer rebuilt
    # every rule with the current value (True -> False widened).
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


def test_a_file_reload_resolves_every_rule_anew(tmp_path):
    path = write(tmp_path / 'policy.yaml', '{}\n')
    conf = make_conf(str(tmp_path), enforce_new_defaults=False)
    theirs = upstream(conf, demo_rules() + [_deprecated()])
    ours = safe(conf, demo_rules() + [_deprecated()])
    for enforcer in (theirs, ours):
        assert enforcer.enforce('demo:gadgets:list', {}, dict(MEMBER))
    conf.set_override('enforce_new_defaults', True, 'oslo_policy')
    write(path, '"demo:widgets:list": "role:admin"\n')
    theirs.load_rules(force_reload=True)
    ours.reload(force=True)
    for enforcer in (theirs, ours):
        assert not enforcer.enforce('demo:gadgets:list', {}, dict(MEMBER))
