"""SafeEnforcer: same decisions as oslo.policy, safe loading and reloads."""

import logging
import os
import time

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from oslo_context import context
from oslo_policy import policy

from oslo_extras.policy import runtime
from tests.unit.policy.conftest import RULE_NAMES
from tests.unit.policy.conftest import TARGETS
from tests.unit.policy.conftest import credential_grid
from tests.unit.policy.conftest import decisions
from tests.unit.policy.conftest import demo_rules
from tests.unit.policy.conftest import make_conf
from tests.unit.policy.conftest import safe
from tests.unit.policy.conftest import upstream
from tests.unit.policy.conftest import write

ATOMS = [
    '@',
    '!',
    'role:admin',
    'role:member',
    'role:READER',
    'role:%(role)s',
    'project_id:%(project_id)s',
    'user_id:%(user_id)s',
    'domain_id:d1',
    'rule:admin_required',
    'rule:project_member',
    'rule:no_such_rule',
    "'p1':%(project_id)s",
    'True:%(enabled)s',
    'roles:admin',
    'nested.key:%(project_id)s',
]


def _combine(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(['and', 'or']), children).map(
            lambda t: f'({t[0]} {t[1]} {t[2]})'
        ),
        children.map(lambda c: f'not {c}'),
    )


CHECK_STRS = st.recursive(st.sampled_from(ATOMS), _combine, max_leaves=6)

CREDS = st.fixed_dictionaries(
    {
        'roles': st.lists(
            st.sampled_from(['admin', 'member', 'reader', 'Admin', 'x']),
            max_size=3,
        ),
        'project_id': st.sampled_from(['p1', 'p2']),
        'user_id': st.sampled_from(['u1', 'u2']),
    },
    optional={
        'system_scope': st.sampled_from(['all', '']),
        'domain_id': st.sampled_from(['d1', 'd2']),
        'nested': st.sampled_from([{'key': 'p1'}, {'key': ['p2', 'p1']}]),
    },
)
TARGET = st.fixed_dictionaries(
    {},
    optional={
        'project_id': st.sampled_from(['p1', 'p2']),
        'user_id': st.sampled_from(['u1', 'u2']),
        'role': st.sampled_from(['admin', 'member']),
        'enabled': st.sampled_from(['True', 'False']),
    },
)


def _policy(tmp_path, text):
    write(tmp_path / 'policy.yaml', text)
    return make_conf(str(tmp_path))


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    overrides=st.dictionaries(
        st.sampled_from(RULE_NAMES + ['demo:widget:delete', 'default']),
        CHECK_STRS,
        max_size=4,
    ),
    creds=CREDS,
    target=TARGET,
)
def test_same_decisions_as_oslo_policy(tmp_path, overrides, creds, target):
    text = ''.join(f'"{k}": "{v}"\n' for k, v in overrides.items())
    conf = _policy(tmp_path, text)
    ours, theirs = safe(conf), upstream(conf)
    for name in RULE_NAMES + ['demo:widget:delete', 'unregistered']:
        expected = _outcome(theirs, name, target, creds)
        assert _outcome(ours, name, target, creds) == expected, name


def _outcome(enforcer, name, target, creds):
    # A rule:-cycle makes both raise (RecursionError or TypeError).
    try:
        return enforcer.enforce(name, dict(target), dict(creds))
    except (RecursionError, TypeError):
        return 'raised'


def test_same_decisions_over_the_whole_grid(tmp_path):
    conf = _policy(
        tmp_path,
        '"demo:widget:delete": "role:owner or rule:admin_required"\n'
        '"demo:widgets:list": "role:reader or role:member"\n',
    )
    assert decisions(safe(conf)) == decisions(upstream(conf))


def test_scope_and_raise_behave_like_oslo_policy(tmp_path):
    conf = _policy(tmp_path, '')
    ours = safe(conf)
    system = {'roles': ['admin'], 'system_scope': 'all'}
    assert ours.enforce('demo:settings:update', {}, dict(system))
    assert not ours.enforce('demo:settings:update', {}, {'roles': ['admin']})
    with pytest.raises(policy.InvalidScope):
        ours.enforce('demo:widgets:list', {}, dict(system), do_raise=True)
    with pytest.raises(policy.PolicyNotAuthorized):
        ours.enforce('demo:widgets:list', {}, {'roles': []}, do_raise=True)

    class Denied(Exception):
        pass

    with pytest.raises(Denied):
        ours.enforce('demo:widgets:list', {}, {}, True, Denied, 'no')


def test_request_context_and_check_objects(tmp_path):
    conf = _policy(tmp_path, '')
    ours, theirs = safe(conf), upstream(conf)
    ctx = context.RequestContext(project_id='p1', roles=['reader'])
    target = {'project_id': 'p1'}
    assert ours.enforce('demo:widgets:list', target, ctx) is True
    check = policy.RuleCheck('rule', 'admin_required')
    assert ours.enforce(check, {}, {'roles': ['admin']}) == theirs.enforce(
        check, {}, {'roles': ['admin']}
    )
    with pytest.raises(policy.InvalidContextObject):
        ours.enforce('demo:widgets:list', {}, object())


def test_subclass_context_hook_decides_as_under_oslo_policy(tmp_path):
    # A service enforcer that maps its context itself (an extra role from
    # a header, say) through oslo.policy's hook gets the same decisions.
    def with_reader(self, ctx):
        creds = dict(ctx.to_policy_values().items())
        creds['roles'] = [*creds['roles'], 'reader']
        return creds

    class Mapped(runtime.SafeEnforcer):
        _map_context_attributes_into_creds = with_reader

    class MappedUpstream(policy.Enforcer):
        _map_context_attributes_into_creds = with_reader

    conf = _policy(tmp_path, '')
    ctx = context.RequestContext(project_id='p1', roles=['nobody'])
    target = {'project_id': 'p1'}
    theirs = MappedUpstream(conf)
    theirs.register_defaults(demo_rules())
    ours = Mapped(conf)
    ours.register_defaults(demo_rules())
    assert theirs.enforce('demo:widgets:list', target, ctx) is True
    assert ours.enforce('demo:widgets:list', target, ctx) is True


def test_enforce_does_not_touch_the_disk(tmp_path, monkeypatch):
    conf = _policy(tmp_path, '"demo:widgets:list": "@"\n')
    ours = safe(conf)
    assert ours.enforce('demo:widgets:list', {}, {})

    def no_io(*args, **kwargs):
        raise AssertionError('file I/O on the request path')

    monkeypatch.setattr(os, 'stat', no_io)
    monkeypatch.setattr(os.path, 'getmtime', no_io)
    for _ in range(3):
        assert ours.enforce('demo:widgets:list', {}, {})


def test_strict_start_refuses_syntax_errors_and_unknown_names(tmp_path):
    conf = _policy(
        tmp_path,
        '"demo:widgets:list": "role:reader"\n'
        '"demo:widgets:lsit": "role:reader"\n'
        '"demo:widgets:create": "role:member and ("\n',
    )
    with pytest.raises(runtime.PolicyLoadError) as info:
        safe(conf, strict=True).enforce('demo:widgets:list', {}, {})
    text = str(info.value)
    assert 'policy.yaml:2: demo:widgets:lsit' in text
    assert "did you mean 'demo:widgets:list'?" in text
    assert 'policy.yaml:3: demo:widgets:create' in text


def test_lenient_start_logs_and_fails_that_rule_closed(tmp_path, caplog):
    conf = _policy(
        tmp_path,
        '"demo:widgets:lsit": "role:reader"\n'
        '"demo:widgets:create": "role:member and ("\n',
    )
    ours = safe(conf)
    with caplog.at_level(logging.WARNING, 'oslo_extras.policy.runtime'):
        assert not ours.enforce(
            'demo:widgets:create', {}, {'roles': ['member']}
        )
    assert ours.enforce(
        'demo:widgets:list',
        {'project_id': 'p'},
        {'roles': ['reader'], 'project_id': 'p'},
    )
    assert "did you mean 'demo:widgets:list'?" in caplog.text
    assert 'policy.yaml:2: demo:widgets:create: error' in caplog.text


def test_unreadable_file_refused_even_when_lenient(tmp_path):
    conf = _policy(tmp_path, '"a": [unclosed\n')
    with pytest.raises(runtime.PolicyLoadError, match='not valid YAML'):
        safe(conf).load_rules()


@pytest.mark.parametrize(
    'broken',
    [
        '"demo:widgets:list": "role:member and ("\n',
        '"demo:widgets:list": [unclosed\n',
        '- not a mapping\n',
    ],
)
def test_broken_reload_keeps_previous_decisions(tmp_path, broken, caplog):
    conf = _policy(tmp_path, '"demo:widgets:list": "role:member"\n')
    ours = safe(conf)
    member = {'roles': ['member']}
    assert ours.enforce('demo:widgets:list', {}, dict(member))
    before = decisions(ours)

    write(tmp_path / 'policy.yaml', broken)
    with caplog.at_level(logging.ERROR, 'oslo_extras.policy.runtime'):
        assert ours.reload() is False
    assert 'Keeping the previous policy rules' in caplog.text
    assert 'policy.yaml:' in ours.last_reload_error
    assert ours.enforce('demo:widgets:list', {}, dict(member))
    assert decisions(ours) == before

    # Not parsed (nor logged) again until the file changes again.
    caplog.clear()
    assert ours.reload() is True
    assert caplog.text == ''

    write(tmp_path / 'policy.yaml', '"demo:widgets:list": "role:admin"\n')
    assert ours.reload() is True
    assert ours.last_reload_error is None
    assert not ours.enforce('demo:widgets:list', {}, dict(member))


def test_empty_file_on_reload_is_a_partial_write(tmp_path):
    conf = _policy(tmp_path, '"demo:widgets:list": "!"\n')
    ours = safe(conf)
    assert not ours.enforce('demo:widgets:list', {}, {'roles': ['reader']})
    write(tmp_path / 'policy.yaml', '')
    assert ours.reload() is False
    assert 'is empty (being written?)' in ours.last_reload_error
    assert not ours.enforce('demo:widgets:list', {}, {'roles': ['reader']})
    write(tmp_path / 'policy.yaml', '# no overrides\n')
    assert ours.reload() is True
    assert ours.enforce('demo:widgets:list', {}, {'roles': ['reader']}) is (
        False
    )
    assert ours.enforce(
        'demo:widgets:list',
        {'project_id': 'p'},
        {'roles': ['reader'], 'project_id': 'p'},
    )


def test_strict_reload_keeps_rules_on_unknown_name(tmp_path):
    conf = _policy(tmp_path, '"demo:widgets:list": "@"\n')
    ours = safe(conf, strict=True)
    assert ours.enforce('demo:widgets:list', {}, {})
    write(
        tmp_path / 'policy.yaml',
        '"demo:widgets:list": "!"\n"demo:widgest:list": "!"\n',
    )
    assert ours.reload() is False
    assert "did you mean 'demo:widgets:list'" in ours.last_reload_error
    assert ours.enforce('demo:widgets:list', {}, {})


def test_good_reload_swaps_all_rules_and_sees_policy_d(tmp_path):
    conf = _policy(tmp_path, '"demo:widgets:list": "@"\n')
    ours = safe(conf)
    assert ours.enforce('demo:widgets:list', {}, {})
    write(tmp_path / 'policy.d' / 'a.yaml', '"demo:widgets:list": "!"\n')
    assert ours.reload() is True
    assert not ours.enforce('demo:widgets:list', {}, {})
    assert set(ours.file_rules) == {'demo:widgets:list'}


def test_background_thread_reloads(tmp_path):
    conf = _policy(tmp_path, '"demo:widgets:list": "@"\n')
    ours = safe(conf, reload_interval=0.05)
    try:
        assert ours.enforce('demo:widgets:list', {}, {})
        write(tmp_path / 'policy.yaml', '"demo:widgets:list": "not @"\n')
        deadline = time.monotonic() + 5
        while ours.enforce('demo:widgets:list', {}, {}):
            assert time.monotonic() < deadline, 'never reloaded'
            time.sleep(0.02)
    finally:
        ours.stop()


def test_forked_worker_gets_its_own_reload_thread(tmp_path):
    conf = _policy(tmp_path, '"demo:widgets:list": "@"\n')
    ours = safe(conf, reload_interval=0.05)
    try:
        assert ours.enforce('demo:widgets:list', {}, {})
        pid = os.fork()
        if pid == 0:  # the worker: no pytest from here on
            status = 1
            try:
                write(
                    tmp_path / 'policy.yaml', '"demo:widgets:list": "not @"\n'
                )
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline:
                    if not ours.enforce('demo:widgets:list', {}, {}):
                        status = 0
                        break
                    time.sleep(0.02)
            finally:
                os._exit(status)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        ours.stop()


def test_config_mutation_reloads(tmp_path):
    conf = _policy(tmp_path, '"demo:widgets:list": "@"\n')
    ours = safe(conf)
    assert ours.enforce('demo:widgets:list', {}, {})
    write(tmp_path / 'policy.yaml', '"demo:widgets:list": "!"\n')
    conf.mutate_config_files()
    assert not ours.enforce('demo:widgets:list', {}, {})


def test_set_rules_and_late_registration(tmp_path):
    conf = _policy(tmp_path, '')
    ours = safe(conf)
    ours.set_rules({'x': policy.RuleDefault('x', '@').check})
    assert ours.enforce('x', {}, {})
    assert not ours.enforce('demo:widgets:list', {}, {'roles': ['admin']})
    ours.load_rules(force_reload=True)
    ours.register_default(policy.RuleDefault('late', 'role:late'))
    assert ours.enforce('late', {}, {'roles': ['late']})


def test_default_rule_fallback(tmp_path):
    conf = _policy(tmp_path, '"default": "role:admin"\n')
    ours, theirs = safe(conf), upstream(conf)
    for creds in credential_grid()[:20]:
        assert ours.enforce('nope', TARGETS[0], dict(creds)) == (
            theirs.enforce('nope', TARGETS[0], dict(creds))
        )
