"""lint never advises removing an override that is live under a new name.

A registered rule can also be another rule's deprecated name. Its override,
even one equal to its own default, is then what oslo.policy enforces for
the new name whenever it differs from the deprecated check: always on
oslo.policy before 5.0 (checks compare by identity there), on newer
releases when the text differs from the deprecated check string.
"""

import json
import logging

import pytest
from oslo_policy import policy

from oslo_extras.policy import files
from oslo_extras.policy import lint
from oslo_extras.policy import model
from tests.unit.policy import test_minimize_property as prop
from tests.unit.policy.conftest import make_conf
from tests.unit.policy.conftest import upstream
from tests.unit.policy.conftest import write

# The registered rule 'svc:old' is also the deprecated name of 'svc:new',
# with a deprecated check that differs from its own default: the override
# below is live for 'svc:new' on every oslo.policy.
DIFFERENT = [
    policy.RuleDefault('svc:old', 'role:admin'),
    policy.RuleDefault(
        'svc:new',
        'role:member',
        deprecated_rule=policy.DeprecatedRule(
            'svc:old',
            'role:reader',
            deprecated_reason='x',
            deprecated_since='1',
        ),
    ),
]


def _lines(overrides):
    return ''.join(
        f'{json.dumps(k)}: {json.dumps(v)}\n' for k, v in overrides.items()
    )


def _decisions(directory, rules, mode):
    enforcer = upstream(
        make_conf(str(directory), enforce_new_defaults=mode), rules
    )
    return {
        (rule.name, i): enforcer.enforce(
            rule.name, {'project_id': 'p1'}, dict(person)
        )
        for rule in rules
        for i, person in enumerate(prop.PEOPLE)
    }


def _advice_keeps_decisions(tmp_path, rules, overrides, new_defaults):
    path = write(tmp_path / 'policy.yaml', _lines(overrides))
    layers = [files.read_layer(path)]
    ruleset = model.build(rules, layers, new_defaults)
    findings = lint.lint(ruleset, layers, new_defaults)
    advised = prop._follow_advice(overrides, findings)
    for mode in (True, False):
        write(path, _lines(overrides))
        before = _decisions(tmp_path, rules, mode)
        write(path, _lines(advised))
        assert _decisions(tmp_path, rules, mode) == before, (mode, advised)
    return findings, advised


@pytest.mark.parametrize('new_defaults', [False, True])
def test_override_equal_to_default_but_live_for_new_name_is_kept(
    tmp_path, new_defaults, caplog
):
    caplog.set_level(logging.CRITICAL)
    findings, advised = _advice_keeps_decisions(
        tmp_path, DIFFERENT, {'svc:old': 'role:admin'}, new_defaults
    )
    assert advised == {'svc:old': 'role:admin'}
    assert [f.code for f in findings] == ['deprecated-name']


@pytest.mark.parametrize('new_defaults', [False, True])
def test_hypothesis_example_on_installed_oslo_policy(
    tmp_path, new_defaults, caplog
):
    # Found by test_following_lint_advice_never_changes_a_decision on
    # oslo.policy 4.5.1: 'svc:other' equals both its default and the
    # deprecated check of 'svc:other:sub'.
    caplog.set_level(logging.CRITICAL)
    overrides = {'svc:thing': '@', 'svc:other': 'role:admin'}
    path = write(tmp_path / 'policy.yaml', _lines(overrides))
    ruleset = model.build(prop.rules(), [files.read_layer(path)], new_defaults)
    # The model follows the installed oslo.policy on whether it is live.
    live = ruleset.rules['svc:other:sub'].origin == model.DEPRECATED_ALIAS
    assert live == (_upstream_equal_checks_are_unequal())
    findings, advised = _advice_keeps_decisions(
        tmp_path, prop.rules(), overrides, new_defaults
    )
    assert advised['svc:thing:list'] == advised['svc:thing:delete'] == '@'
    assert ('svc:other' in advised) == live


def _upstream_equal_checks_are_unequal():
    # oslo.policy before 5.0 has no __eq__ on checks.
    first = policy.RuleDefault('a', 'role:admin').check
    return first != policy.RuleDefault('b', 'role:admin').check
