"""Deprecated names split into several rules, and old names that are still
registered rules (nova 34: os-attach-interfaces, os-rescue, ...)."""

import pytest
from oslo_policy import policy

from oslo_extras.cmd import policy_delta
from oslo_extras.policy import delta
from oslo_extras.policy import files
from oslo_extras.policy import lint
from oslo_extras.policy import model
from tests.unit.policy.conftest import write

OLD = 'compute:os-attach-interfaces'
ADMIN_OR_OWNER = 'role:admin or project_id:%(project_id)s'


def split_rules():
    """One old rule split into four new ones, like nova's."""
    old = policy.DeprecatedRule(
        OLD, ADMIN_OR_OWNER, deprecated_reason='split', deprecated_since='21'
    )
    return [
        policy.RuleDefault(
            f'{OLD}:{action}',
            'role:member and project_id:%(project_id)s',
            deprecated_rule=old,
        )
        for action in ('list', 'show', 'create', 'delete')
    ]


def still_registered_rules():
    """An old name that is also a live rule of its own (nova's os-rescue)."""
    old = policy.DeprecatedRule(
        'compute:os-rescue',
        'role:admin',
        deprecated_reason='x',
        deprecated_since='23',
    )
    return [
        policy.RuleDefault('compute:os-rescue', 'role:admin'),
        policy.RuleDefault(
            'compute:os-unrescue', 'role:admin', deprecated_rule=old
        ),
    ]


def _enforcer(rules, path, tmp_path):
    from tests.unit.policy.conftest import make_conf
    from tests.unit.policy.conftest import upstream

    conf = make_conf(str(tmp_path))
    conf.set_override('policy_file', path, 'oslo_policy')
    return upstream(conf, rules)


def _decisions(enforcer, rules):
    people = [
        {'roles': roles, 'project_id': p}
        for roles in ([], ['member'], ['admin'], ['reader'])
        for p in ('p1', 'p2')
    ]
    return {
        (rule.name, i): enforcer.enforce(
            rule.name, {'project_id': 'p1'}, dict(person)
        )
        for rule in rules
        for i, person in enumerate(people)
    }


def test_minimize_maps_a_split_old_name_to_every_new_rule(tmp_path):
    path = write(tmp_path / 'policy.yaml', f'"{OLD}": "role:admin"\n')
    layer = files.read_layer(path)
    ruleset = model.build(split_rules(), [layer])
    kept = delta.minimize(ruleset)
    assert kept == {
        f'{OLD}:{action}': 'role:admin'
        for action in ('list', 'show', 'create', 'delete')
    }
    before = _decisions(
        _enforcer(split_rules(), path, tmp_path), split_rules()
    )
    write(path, delta.format_overrides(kept))
    after = _decisions(_enforcer(split_rules(), path, tmp_path), split_rules())
    assert after == before


def test_minimize_cli_refuses_when_it_cannot_prove_equivalence(
    tmp_path, capsys, monkeypatch
):
    path = write(tmp_path / 'policy.yaml', f'"{OLD}": "role:admin"\n')
    snapshot = write(tmp_path / 'defaults.yaml', delta.snapshot(split_rules()))
    # A minimize that forgets the split (the old bug) must not be written.
    monkeypatch.setattr(
        delta.minimizer,
        'minimize',
        lambda ruleset, new: {f'{OLD}:list': 'role:admin'},
    )
    monkeypatch.setattr(delta, 'minimize', delta.minimizer.minimize)
    code = policy_delta.main(
        [
            'minimize',
            '--defaults-file',
            snapshot,
            '--policy-file',
            path,
            '--in-place',
        ]
    )
    out, err = capsys.readouterr()
    assert code == 1
    assert 'refusing to write' in err
    assert f'{OLD}:' in err and 'denied before, allowed after' in err
    with open(path) as stream:
        assert stream.read() == f'"{OLD}": "role:admin"\n'


def test_lint_advises_every_new_name_of_a_split():
    layer = files.parse_layer(f'"{OLD}": "role:admin"\n', '/p.yaml')
    ruleset = model.build(split_rules(), [layer])
    [finding] = lint.lint(ruleset, [layer])
    assert finding.code == 'deprecated-name'
    assert finding.suggestion is None
    assert finding.message.endswith(
        f"write it under each of '{OLD}:list', '{OLD}:show', "
        f"'{OLD}:create', '{OLD}:delete' (minimize does)"
    )


@pytest.mark.parametrize('value', ['role:admin', 'role:admin or role:x'])
def test_lint_never_advises_removing_or_renaming_a_registered_name(value):
    layer = files.parse_layer(f'"compute:os-rescue": "{value}"\n', '/p.yaml')
    ruleset = model.build(still_registered_rules(), [layer])
    for finding in lint.lint(ruleset, [layer]):
        if finding.code == 'redundant-override':
            continue  # equal to its own default: removing it is safe
        assert 'remove it' not in finding.message
        assert 'rename it' not in finding.message
        assert finding.suggestion is None


def test_diff_never_advises_renaming_a_registered_name(tmp_path):
    path = write(tmp_path / 'p.yaml', '"compute:os-rescue": "role:x"\n')
    overrides = model.merge_layers([files.read_layer(path)])
    old = [policy.RuleDefault('compute:os-rescue', 'role:admin')]
    changes = delta.diff(old, still_registered_rules(), overrides)
    texts = [c.as_text() for c in changes]
    assert texts == [
        'new: compute:os-unrescue: new rule, default "role:admin"; your '
        f"override of 'compute:os-rescue' at {path}:1 (its deprecated name, "
        'still a registered rule) applies to it too'
    ]


def test_diff_names_a_split_once_not_as_two_renames(tmp_path):
    path = write(tmp_path / 'p.yaml', f'"{OLD}": "role:admin"\n')
    overrides = model.merge_layers([files.read_layer(path)])
    old = [policy.RuleDefault(OLD, ADMIN_OR_OWNER)]
    changes = delta.diff(old, split_rules()[:2], overrides)
    for change in changes:
        assert change.kind == 'renamed'
        assert f'split from {OLD} into {OLD}:list, {OLD}:show' in (
            change.message
        )
        assert 'write it under each of them (minimize does)' in change.message
        assert 'rename it' not in change.message


def test_diff_never_advises_deleting_or_renaming_a_referenced_name(tmp_path):
    path = write(
        tmp_path / 'p.yaml',
        '"compute:gone": "role:x"\n'
        f'"{OLD}": "role:y"\n'
        '"helper": "rule:compute:gone or rule:compute:os-attach-interfaces"\n',
    )
    overrides = model.merge_layers([files.read_layer(path)])
    old = [
        policy.RuleDefault('compute:gone', 'role:admin'),
        policy.RuleDefault(OLD, ADMIN_OR_OWNER),
    ]
    changes = delta.diff(old, split_rules(), overrides)
    for change in changes:
        assert 'delete it' not in change.message, change.message
        assert 'rename it' not in change.message, change.message
    removed = [c for c in changes if c.kind == 'removed']
    assert removed[0].message.endswith('rule: references it: keep it')
