"""Fail loudly when oslo.policy changes an internal that _upstream uses."""

import logging

import pytest
from oslo_policy import _checks
from oslo_policy import policy

from oslo_extras.policy import _upstream


def test_check_classes_are_oslo_policys():
    assert _upstream.RoleCheck is _checks.RoleCheck
    assert _upstream.GenericCheck is _checks.GenericCheck
    assert _upstream.TrueCheck is _checks.TrueCheck
    assert _upstream.FalseCheck is _checks.FalseCheck
    assert _upstream.AndCheck is policy.AndCheck
    assert _upstream.OrCheck is policy.OrCheck
    assert _upstream.NotCheck is policy.NotCheck
    assert _upstream.RuleCheck is policy.RuleCheck
    assert _checks.registered_checks['role'] is _checks.RoleCheck
    assert _checks.registered_checks[None] is _checks.GenericCheck


@pytest.mark.parametrize(
    'text',
    [
        '',
        '@',
        '!',
        'role:admin',
        'role:admin or (role:member and project_id:%(project_id)s)',
        'not role:reader',
        "'p1':%(project_id)s",
        '((role:a) and (role:b or role:c))',
    ],
)
def test_parse_strict_agrees_with_oslo_policy(text):
    assert str(_upstream.parse_strict(text)) == str(
        policy.RuleDefault('x', text).check
    )


@pytest.mark.parametrize(
    'text', ['role:admin and (', 'role:admin or', 'admin', 'role:a )(']
)
def test_parse_strict_raises_where_oslo_policy_denies_all(text, caplog):
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(_upstream.RuleSyntaxError):
            _upstream.parse_strict(text)
    # ... while oslo.policy silently makes it deny-all.
    assert str(policy.RuleDefault('x', text).check) == '!'


def test_find_in_dict_and_call_check():
    creds = {'a': {'b': ['x', 'y']}}
    assert _upstream.find_in_dict({'a': {'b': 'x'}}, ['a', 'b'], 'x')
    assert not _upstream.find_in_dict(creds, ['a', 'c'], 'x')
    enforcer = policy.Enforcer.__new__(policy.Enforcer)
    check = _checks.RoleCheck('role', 'admin')
    assert _upstream.call_check(check, {}, {'roles': ['admin']}, enforcer, 'r')


def test_context_creds_calls_the_enforcers_hook():
    class Hooked(policy.Enforcer):
        def _map_context_attributes_into_creds(self, ctx):
            return {'hooked': True}

    # No constructor: oslo.policy 4.5 looks for its policy file there.
    enforcer = Hooked.__new__(Hooked)
    assert _upstream.context_creds(enforcer, object()) == {'hooked': True}
    # The hook oslo.policy's own enforce() calls for a RequestContext.
    assert callable(policy.Enforcer._map_context_attributes_into_creds)


def test_lazy_flag_follows_enable_lazy():
    import oslo_i18n
    from oslo_i18n import _lazy

    assert _upstream._lazy is _lazy
    try:
        oslo_i18n.enable_lazy()
        assert _lazy.USE_LAZY is True
        error = policy.PolicyNotAuthorized('r', {}, {})
        assert type(error.args[0]) is not str
    finally:
        oslo_i18n.enable_lazy(False)
    assert _lazy.USE_LAZY is False


def test_denials_are_only_their_message():
    # Refusals rebuilds these from args alone: upstream must keep no other
    # state on them (else _plain() stops the reuse, and this says why).
    default = policy.RuleDefault('r', 'role:a', scope_types=['system'])
    for error in (
        policy.PolicyNotAuthorized('r', {'t': 1}, {'roles': []}),
        policy.InvalidScope(default, default.scope_types, 'project'),
    ):
        assert vars(error) == {}
        assert [type(arg) for arg in error.args] == [str]
        assert _upstream._plain(error)
    refusals = _upstream.Refusals()
    first = refusals.not_authorized('r', {}, {})
    again = refusals.not_authorized('r', {'x': 1}, {'roles': ['a']})
    assert again is not first
    assert (type(again), again.args, str(again), vars(again)) == (
        type(first),
        first.args,
        str(first),
        vars(first),
    )
    first = refusals.invalid_scope('r', default, 'project')
    again = refusals.invalid_scope('r', default, 'project')
    assert again is not first
    assert (type(again), again.args) == (type(first), first.args)
    other = refusals.invalid_scope('r', default, 'domain')
    assert 'domain scope' in str(other)
