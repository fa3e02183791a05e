"""Declaring defaults, finding them by entry point, the enforcer factory."""

import pytest
from oslo_config import cfg
from oslo_policy import policy

from oslo_extras.demo import _policy_service
from oslo_extras.policy import defaults
from oslo_extras.policy import runtime


def test_rule_builds_a_documented_default():
    rule = defaults.rule(
        'svc:things:delete',
        'role:admin',
        'Delete a thing.',
        'DELETE /things/{id}',
        'POST /things/{id}/action',
        scope=('project', 'system'),
        renamed_from='svc:thing:delete',
        old_check_str='role:root',
        since='2026.1',
    )
    assert isinstance(rule, policy.DocumentedRuleDefault)
    assert rule.operations == [
        {'method': 'DELETE', 'path': '/things/{id}'},
        {'method': 'POST', 'path': '/things/{id}/action'},
    ]
    assert rule.scope_types == ['project', 'system']
    assert rule.deprecated_rule.name == 'svc:thing:delete'
    assert rule.deprecated_rule.check_str == 'role:root'
    assert rule.deprecated_rule.deprecated_since == '2026.1'


def test_rule_renamed_keeps_check_by_default():
    rule = defaults.rule('a:b', 'role:x', 'B.', 'GET /b', renamed_from='a')
    assert rule.deprecated_rule.check_str == 'role:x'
    assert defaults.rule('a:c', '@', 'C.', 'GET /c').deprecated_rule in (
        None,
        [],
    )  # [] before 4.6


@pytest.mark.parametrize('ops', [(), ('/things',), ('get /x',)])
def test_rule_wants_method_and_path(ops):
    with pytest.raises(ValueError, match='a:b'):
        defaults.rule('a:b', '@', 'B.', *ops)


def test_load_defaults_by_entry_point():
    rules = defaults.load_defaults(['oslo_extras_demo'])
    assert [r.name for r in rules] == [r.name for r in _policy_service.RULES]
    with pytest.raises(LookupError, match="'nope'"):
        defaults.load_defaults(['nope'])


def test_target_keys():
    assert defaults.target_keys(
        'project_id:%(project_id)s or user:%(target.user)s'
    ) == {'project_id', 'target.user'}


def test_factory_keeps_an_already_parsed_command_line(tmp_path):
    conf_file = tmp_path / 'svc.conf'
    conf_file.write_text('[oslo_policy]\npolicy_file = custom.yaml\n')
    conf = cfg.ConfigOpts()
    conf(['--config-file', str(conf_file)])
    get_enforcer = defaults.enforcer_factory(
        'svc', _policy_service.list_rules, conf=conf
    )
    enforcer = get_enforcer()
    assert conf.config_file == [str(conf_file)]
    assert enforcer.policy_file == 'custom.yaml'
    assert 'demo:widgets:list' in enforcer.registered_rules


def test_factory_parses_nothing_from_argv_when_unparsed(monkeypatch):
    monkeypatch.setattr('sys.argv', ['prog', '--bogus-flag'])
    conf = cfg.ConfigOpts()
    enforcer = defaults.enforcer_factory(
        'svc-that-has-no-files',
        _policy_service.list_rules,
        conf=conf,
        enforcer_class=runtime.SafeEnforcer,
    )()
    assert isinstance(enforcer, runtime.SafeEnforcer)
    assert conf.config_file == []
