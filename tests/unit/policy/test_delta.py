"""minimize, snapshot and diff."""

import pytest
from oslo_policy import policy

from oslo_extras.policy import defaults
from oslo_extras.policy import delta
from oslo_extras.policy import files
from oslo_extras.policy import model
from tests.unit.policy.conftest import decisions
from tests.unit.policy.conftest import demo_rules
from tests.unit.policy.conftest import make_conf
from tests.unit.policy.conftest import safe
from tests.unit.policy.conftest import upstream
from tests.unit.policy.conftest import write

OPERATOR_FILE = (
    '"demo:widget:delete": "role:owner or rule:admin_required"\n'
    '"demo:widgets:list": "role:reader and project_id:%(project_id)s"\n'
    '"demo:widgets:create": "rule:project_member or role:admin"\n'
    '"admin_required": "role:admin"\n'
    '"my_helper": "role:auditor"\n'
    '"demo:settings:update": "rule:my_helper"\n'
)


def _ruleset(conf):
    return model.build(
        demo_rules(),
        files.read_layers(conf),
        conf.oslo_policy.enforce_new_defaults,
    )


@pytest.mark.parametrize('new_defaults', [True, False])
def test_minimize_keeps_every_decision(tmp_path, new_defaults):
    path = write(tmp_path / 'policy.yaml', OPERATOR_FILE)
    conf = make_conf(str(tmp_path), enforce_new_defaults=new_defaults)
    before_upstream = decisions(upstream(conf))
    before_ours = decisions(safe(conf))

    kept = delta.minimize(_ruleset(conf), new_defaults)
    write(path, delta.format_overrides(kept))

    assert kept == {
        'demo:widgets:delete': 'role:owner or rule:admin_required',
        'demo:widgets:create': 'rule:project_member or role:admin',
        'my_helper': 'role:auditor',
        'demo:settings:update': 'rule:my_helper',
    }
    assert decisions(upstream(conf)) == before_upstream == before_ours
    assert decisions(safe(conf)) == before_ours
    # Minimizing again changes nothing.
    assert delta.minimize(_ruleset(conf), new_defaults) == kept


def test_minimize_drops_ignored_old_names(tmp_path):
    write(
        tmp_path / 'policy.yaml',
        '"demo:widget:delete": "rule:admin_required"\n'
        '"demo:widgets:list": "role:reader and project_id:%(project_id)s"\n',
    )
    conf = make_conf(str(tmp_path))
    before = decisions(upstream(conf))
    kept = delta.minimize(_ruleset(conf))
    if (
        policy.RuleDefault('x', '@').check
        == policy.RuleDefault('y', '@').check
    ):
        assert kept == {}
    else:
        # oslo.policy < 4.6 compares checks by identity: an old-name
        # override equal to the old default still becomes live there.
        assert kept == {'demo:widgets:delete': 'rule:admin_required'}
    write(tmp_path / 'policy.yaml', delta.format_overrides(kept))
    assert decisions(upstream(conf)) == before


def test_minimize_refuses_syntax_errors(tmp_path):
    write(tmp_path / 'policy.yaml', '"demo:widgets:list": "role:x and"\n')
    conf = make_conf(str(tmp_path))
    with pytest.raises(delta.DeltaError, match='policy.yaml:1'):
        delta.minimize(_ruleset(conf))


def test_format_overrides_is_a_policy_file():
    text = delta.format_overrides(
        {'a': 'role:x', 'b:"c"': ''}, 'Line one\nLine two'
    )
    assert text == ('# Line one\n# Line two\n"a": "role:x"\n"b:\\"c\\"": ""\n')
    layer = files.parse_layer(text, '/p.yaml')
    assert {n: e.value for n, e in layer.entries.items()} == {
        'a': 'role:x',
        'b:"c"': '',
    }
    assert delta.format_overrides({}) == (
        '# No overrides: every rule uses its default.\n'
    )


def test_snapshot_round_trip(tmp_path):
    path = write(tmp_path / 'defaults.yaml', delta.snapshot(demo_rules()))
    loaded = {rule.name: rule for rule in delta.load_snapshot(path)}
    for rule in demo_rules():
        again = loaded[rule.name]
        assert again.check_str == rule.check_str
        assert again.scope_types == rule.scope_types
        assert getattr(again, 'target_attributes', ()) == getattr(
            rule, 'target_attributes', ()
        )
        if rule.deprecated_rule:
            assert again.deprecated_rule.name == rule.deprecated_rule.name
            assert (
                again.deprecated_rule.check_str
                == rule.deprecated_rule.check_str
            )
    assert isinstance(loaded['demo:widgets:list'], defaults.ServiceRule)


def test_load_snapshot_rejects_other_files(tmp_path):
    path = write(tmp_path / 'policy.yaml', '"a": "@"\n')
    with pytest.raises(delta.DeltaError, match='not a defaults snapshot'):
        delta.load_snapshot(path)


def old_release():
    """What the demo service shipped in the previous release."""
    return [
        policy.RuleDefault('admin_required', 'role:admin'),
        policy.RuleDefault(
            'project_member', 'role:member and project_id:%(project_id)s'
        ),
        policy.RuleDefault('demo:widgets:list', 'role:reader'),
        policy.RuleDefault('demo:widgets:create', 'rule:project_member'),
        policy.RuleDefault('demo:widget:delete', 'rule:admin_required'),
        policy.RuleDefault('demo:widgets:export', 'role:admin'),
        policy.RuleDefault('demo:widgets:update', 'role:member'),
    ]


def test_diff_names_shadowed_new_renamed_removed(tmp_path):
    p = write(
        tmp_path / 'policy.yaml',
        '"demo:widgets:list": "role:reader or role:auditor"\n'
        '"demo:widget:delete": "role:owner"\n'
        '"demo:widgets:export": "role:member"\n',
    )
    overrides = model.merge_layers([files.read_layer(p)])

    changes = delta.diff(old_release(), demo_rules(), overrides)

    assert [c.as_text() for c in changes] == [
        'shadowed: demo:widgets:list: default changed from "role:reader" '
        'to "role:reader and project_id:%(project_id)s" and scope changed '
        f'from any to project, but your override at {p}:1 ("role:reader '
        'or role:auditor") still wins: review it',
        'renamed: demo:widgets:delete: renamed from demo:widget:delete; '
        'default changed from "rule:admin_required" to "rule:admin_required '
        'or (rule:project_member and user_id:%(user_id)s)" and scope changed '
        f'from any to project; your override at {p}:2 uses the old name: '
        'rename it',
        f'removed: demo:widgets:export: removed; your override at {p}:3 is '
        'now ignored: delete it',
        'removed: demo:widgets:update: removed',
        'changed: demo:widgets:create: scope changed from any to project; '
        'no override, the new default applies',
        'new: demo:settings:update: new rule, default "role:admin"',
    ]
    assert changes[0].as_dict() == {
        'kind': 'shadowed',
        'rule': 'demo:widgets:list',
        'old_name': None,
        'old_default': 'role:reader',
        'new_default': 'role:reader and project_id:%(project_id)s',
        'override_file': p,
        'override_line': 1,
        'override': 'role:reader or role:auditor',
        'message': changes[0].message,
    }


def test_diff_ignores_formatting_only_changes():
    old = [policy.RuleDefault('a', '(role:x)  or role:y')]
    new = [policy.RuleDefault('a', 'role:x or role:y')]
    assert delta.diff(old, new, {}) == []
