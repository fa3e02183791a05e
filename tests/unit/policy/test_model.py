"""The effective rule set matches what oslo.policy's enforcer loads."""

import os

import pytest

from oslo_extras.policy import files
from oslo_extras.policy import model
from tests.unit.policy.conftest import demo_rules
from tests.unit.policy.conftest import make_conf
from tests.unit.policy.conftest import upstream
from tests.unit.policy.conftest import write

CASES = {
    'no files': ({}, {}),
    'plain override': ({'demo:widgets:list': 'role:member'}, {}),
    'old name live': ({'demo:widget:delete': 'role:owner'}, {}),
    'old name equal to old default': (
        {'demo:widget:delete': 'rule:admin_required'},
        {},
    ),
    'old name pointing at new name': (
        {'demo:widget:delete': 'rule:demo:widgets:delete'},
        {},
    ),
    'both names': (
        {'demo:widget:delete': 'role:owner', 'demo:widgets:delete': '!'},
        {},
    ),
    'unknown and helper rules': (
        {
            'my_admin': 'role:admin or role:owner',
            'demo:settings:update': 'rule:my_admin',
            'demo:widgets:lsit': 'role:reader',
        },
        {},
    ),
    'policy.d wins over the file': (
        {'demo:widgets:list': 'role:member'},
        {
            '10-a.yaml': {'demo:widgets:list': 'role:admin'},
            '20-b.yaml': {'demo:widgets:create': '@'},
            '.hidden.yaml': {'demo:widgets:create': '!'},
        },
    ),
    'only policy.d': ({}, {'a.yaml': {'demo:widget:delete': 'role:x'}}),
}


def _yaml(rules: dict) -> str:
    return ''.join(f'"{k}": "{v}"\n' for k, v in rules.items())


def _setup(tmp_path, main, drop_ins):
    if main:
        write(tmp_path / 'policy.yaml', _yaml(main))
    for name, rules in drop_ins.items():
        write(tmp_path / 'policy.d' / name, _yaml(rules))


@pytest.mark.parametrize('new_defaults', [True, False])
@pytest.mark.parametrize('case', sorted(CASES))
def test_build_matches_oslo_policy(tmp_path, case, new_defaults):
    _setup(tmp_path, *CASES[case])
    conf = make_conf(str(tmp_path), enforce_new_defaults=new_defaults)
    enforcer = upstream(conf)
    enforcer.load_rules()

    ruleset = model.build(demo_rules(), files.read_layers(conf), new_defaults)

    assert {n: str(r.check) for n, r in ruleset.rules.items()} == {
        n: str(c) for n, c in enforcer.rules.items()
    }
    assert set(ruleset.overrides) == set(enforcer.file_rules)


def test_origins_are_tagged(tmp_path):
    _setup(tmp_path, *CASES['policy.d wins over the file'])
    write(
        tmp_path / 'policy.yaml',
        '"demo:widget:delete": "role:owner"\n'
        '"demo:widgets:list": "role:member"\n',
    )
    conf = make_conf(str(tmp_path), enforce_new_defaults=False)
    ruleset = model.build(demo_rules(), files.read_layers(conf), False)
    rules = ruleset.rules

    assert rules['admin_required'].origin == model.DEFAULT
    assert rules['demo:widgets:list'].origin == model.POLICY_D
    assert rules['demo:widgets:list'].entry.path.endswith('10-a.yaml')
    assert rules['demo:widgets:delete'].origin == model.DEPRECATED_ALIAS
    assert rules['demo:widgets:delete'].entry.name == 'demo:widget:delete'
    assert rules['demo:widgets:delete'].entry.line == 1
    assert rules['demo:widgets:create'].origin == model.POLICY_D
    assert [d.name for d in ruleset.aliases['demo:widget:delete']] == [
        'demo:widgets:delete'
    ]


def test_old_default_is_ored_without_enforce_new_defaults(tmp_path):
    conf = make_conf(str(tmp_path), enforce_new_defaults=False)
    ruleset = model.build(demo_rules(), files.read_layers(conf), False)
    rule = ruleset.rules['demo:widgets:delete']
    assert rule.origin == model.DEFAULT_OR_DEPRECATED
    assert str(rule.check).endswith('or rule:admin_required)')


def test_syntax_error_is_deny_all_but_reported(tmp_path):
    write(
        tmp_path / 'policy.yaml',
        '"demo:widgets:list": "role:reader"\n'
        '"demo:widgets:create": "role:member and ("\n'
        '"demo:settings:update": [1, 2]\n',
    )
    conf = make_conf(str(tmp_path))
    ruleset = model.build(demo_rules(), files.read_layers(conf))

    assert str(ruleset.rules['demo:widgets:create'].check) == '!'
    assert [(p.entry.name, p.entry.line) for p in ruleset.syntax_errors] == [
        ('demo:widgets:create', 2),
        ('demo:settings:update', 3),
    ]


def test_policy_paths_order_skips_hidden_and_missing(tmp_path):
    write(tmp_path / 'policy.d' / 'b.yaml', '{}')
    write(tmp_path / 'policy.d' / 'a.yaml', '{}')
    write(tmp_path / 'policy.d' / '.swp', '{}')
    conf = make_conf(str(tmp_path))
    assert files.policy_paths(conf) == [
        (os.path.join(tmp_path, 'policy.d', 'a.yaml'), files.POLICY_D),
        (os.path.join(tmp_path, 'policy.d', 'b.yaml'), files.POLICY_D),
    ]
