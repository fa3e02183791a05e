"""Every lint code, with lines and suggestions."""

from oslo_policy import policy

from oslo_extras.policy import defaults
from oslo_extras.policy import files
from oslo_extras.policy import lint
from oslo_extras.policy import model
from tests.unit.policy.conftest import demo_rules


def _lint(text, rules=None, **kwargs):
    layer = files.parse_layer(text, '/etc/demo/policy.yaml')
    ruleset = model.build(rules or demo_rules(), [layer])
    return [
        (f.line, f.rule, f.severity, f.code, f.suggestion)
        for f in lint.lint(ruleset, [layer], **kwargs)
    ]


def test_typos_get_suggestions():
    assert _lint(
        '"demo:widgets:lsit": "role:reader"\n'
        '"demo:widgest:create": "role:member"\n'
        '"totally_unrelated": "role:x"\n'
    ) == [
        (1, 'demo:widgets:lsit', 'error', 'unknown-rule', 'demo:widgets:list'),
        (
            2,
            'demo:widgest:create',
            'error',
            'unknown-rule',
            'demo:widgets:create',
        ),
        (3, 'totally_unrelated', 'error', 'unknown-rule', None),
    ]


def test_helper_rules_and_the_default_rule_are_not_unknown():
    assert (
        _lint(
            '"default": "!"\n'
            '"auditor": "role:auditor"\n'
            '"demo:widgets:list": "rule:auditor"\n'
        )
        == []
    )


def test_syntax_errors_with_line_numbers():
    findings = lint.lint(
        model.build(
            demo_rules(),
            [
                files.parse_layer(
                    '\n"demo:widgets:list": "role:a or"\n'
                    '"demo:widgets:create": "member"\n',
                    '/p.yaml',
                )
            ],
        ),
    )
    assert [(f.line, f.code, f.message) for f in findings] == [
        (
            2,
            'rule-syntax',
            'unbalanced parentheses or a dangling and/or/not: oslo.policy '
            'denies everyone, admins included',
        ),
        (
            3,
            'rule-syntax',
            "'member' is not a check (expected kind:match, '@' or '!'): "
            'oslo.policy reads it as \'!\' (never true), so the rule is "!"',
        ),
    ]


def _messages(text, rules=None):
    layer = files.parse_layer(text, '/p.yaml')
    ruleset = model.build(rules or demo_rules(), [layer])
    return [
        (f.line, f.severity, f.code, f.message)
        for f in lint.lint(ruleset, [layer])
    ]


def test_messages_say_what_oslo_policy_does_with_null_list_and_not():
    # oslo.policy: null and [] parse like "" (allow everyone); a token that
    # is no check becomes '!', so "not typo" allows everyone.
    assert _messages(
        '"demo:widgets:list":\n'
        '"demo:widgets:create": []\n'
        '"demo:settings:update": "not admin"\n'
        '"admin_required": "role:admin or typo"\n'
    ) == [
        (
            1,
            'error',
            'empty-check',
            'a YAML null (no value): oslo.policy reads it like "" and allows '
            'everyone; write "@" if that is meant',
        ),
        (
            2,
            'error',
            'empty-check',
            'an empty list: oslo.policy reads it like "" and allows '
            'everyone; write "@" if that is meant',
        ),
        (
            3,
            'error',
            'rule-syntax',
            "'admin' is not a check (expected kind:match, '@' or '!'): "
            "oslo.policy reads it as '!' (never true), so the rule is "
            '"not !"; under "not" that allows everyone, so SafeEnforcer '
            'reads it as \'@\' there instead ("not @")',
        ),
        (
            4,
            'error',
            'rule-syntax',
            "'typo' is not a check (expected kind:match, '@' or '!'): "
            "oslo.policy reads it as '!' (never true), so the rule is "
            '"(role:admin or !)"',
        ),
    ]


def test_legacy_list_syntax_and_non_string_keys():
    assert _messages(
        '"demo:widgets:list": [["role:owner"], ["role:admin"]]\n'
        '1: "role:admin"\n'
    ) == [
        (
            1,
            'warning',
            'legacy-syntax',
            'a list in the legacy list syntax: oslo.policy reads it as '
            '"(role:owner or role:admin)"; write that '
            'string instead',
        ),
        (
            2,
            'error',
            'rule-name-not-string',
            'YAML reads the key 1 as a number, boolean or null, not a '
            'string: oslo.policy keeps it where no enforce() call finds it; '
            'quote it',
        ),
    ]


def test_undefined_references_and_cycles():
    assert _lint(
        '"demo:widgets:list": "rule:admin_requird or role:x"\n'
        '"a": "rule:b"\n'
        '"b": "rule:a"\n'
        '"demo:widgets:create": "rule:a"\n'
    ) == [
        (
            1,
            'demo:widgets:list',
            'error',
            'undefined-reference',
            'admin_required',
        ),
        (2, 'a', 'error', 'cycle', None),
        (3, 'b', 'error', 'cycle', None),
    ]


def test_target_attributes_no_operation_provides():
    assert _lint(
        '"demo:widgets:list": "project_id:%(projectid)s"\n'
        '"demo:widgets:create": "user_id:%(user_id)s"\n'
        '"demo:settings:update": "project_id:%(project_id)s"\n'
    ) == [
        (
            1,
            'demo:widgets:list',
            'warning',
            'unknown-target-attribute',
            'project_id',
        ),
        (
            2,
            'demo:widgets:create',
            'warning',
            'unknown-target-attribute',
            None,
        ),
    ]


def test_undeclared_rules_use_every_key_the_defaults_read():
    rules = [
        policy.RuleDefault('a', 'project_id:%(project_id)s'),
        policy.RuleDefault('b', 'role:x'),
    ]
    assert _lint(
        'b: "project_id:%(project_id)s or user_id:%(owner)s"\n', rules
    ) == [(1, 'b', 'warning', 'unknown-target-attribute', None)]


def test_deprecated_names_redundant_and_duplicates():
    assert _lint(
        '"demo:widget:delete": "role:owner"\n'
        '"demo:widgets:list": "role:reader and project_id:%(project_id)s"\n'
        '"admin_required": "role:root"\n'
        '"admin_required": "role:admin"\n'
    ) == [
        (
            1,
            'demo:widget:delete',
            'warning',
            'deprecated-name',
            'demo:widgets:delete',
        ),
        (2, 'demo:widgets:list', 'warning', 'redundant-override', None),
        (3, 'admin_required', 'warning', 'duplicate-rule', None),
        (4, 'admin_required', 'warning', 'redundant-override', None),
    ]


def test_ignored_old_name_and_removal():
    rules = demo_rules() + [
        policy.RuleDefault(
            'demo:legacy',
            'role:admin',
            deprecated_for_removal=True,
            deprecated_reason='gone',
            deprecated_since='2026.1',
        )
    ]
    assert _lint(
        '"demo:widget:delete": "role:owner"\n'
        '"demo:widgets:delete": "role:admin"\n'
        '"demo:legacy": "role:x"\n',
        rules,
    ) == [
        (
            1,
            'demo:widget:delete',
            'warning',
            'shadowed-by-new-name',
            'demo:widgets:delete',
        ),
        (3, 'demo:legacy', 'warning', 'deprecated-for-removal', None),
    ]


def test_json_keys_and_text():
    finding = lint.Finding(
        'error', 'unknown-rule', '/p.yaml', 3, 'a:lsit', 'no service', 'a:list'
    )
    assert list(finding.as_dict()) == [
        'severity',
        'code',
        'file',
        'line',
        'rule',
        'message',
        'suggestion',
    ]
    assert finding.as_text() == (
        '/p.yaml:3: a:lsit: error: no service [unknown-rule] '
        "(did you mean 'a:list'?)"
    )


def test_service_rule_declares_targets():
    rule = defaults.rule(
        'x:y', 'role:a', 'Y.', 'GET /y', target=('project_id',)
    )
    assert rule.target_attributes == ('project_id',)


def test_keystone_target_attributes_are_not_flagged():
    # keystone passes whole objects under target.<entity> and list filters
    # under filter_attr.<name>; its defaults read only some attributes.
    rules = [
        policy.RuleDefault(
            'identity:get_credential',
            'user_id:%(target.credential.user_id)s',
        ),
        policy.RuleDefault(
            'identity:get_project', 'project_id:%(target.project.id)s'
        ),
        policy.RuleDefault('identity:list_users', 'role:reader'),
    ]
    text = (
        '"identity:get_credential": '
        '"project_id:%(target.credential.project_id)s"\n'
        '"identity:get_project": "project_id:%(target.project.parent_id)s"\n'
        '"identity:list_users": "domain_id:%(filter_attr.domain_id)s"\n'
        '"identity:get_credential": "project_id:%(targte.project.id)s"\n'
    )
    assert _lint(text, rules) == [
        (1, 'identity:get_credential', 'warning', 'duplicate-rule', None),
        (
            4,
            'identity:get_credential',
            'warning',
            'unknown-target-attribute',
            'target.project.id',
        ),
    ]
    # Any entity under target. can be real (keystone's target.prior_role).
    assert (
        _lint(
            '"identity:get_project": '
            '"domain_id:%(target.prior_role.domain_id)s"\n',
            rules,
        )
        == []
    )
