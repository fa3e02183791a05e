"""The request path keeps oslo.policy's behaviour at run time.

Config toggled after the first decision, ``enforce()`` replaced on an
instance or a class after it was defined, and the exception chain of a
``rule:`` cycle.
"""

import warnings
from unittest import mock

import pytest
from oslo_policy import policy

from oslo_extras.policy import runtime
from tests.unit.policy.conftest import demo_rules
from tests.unit.policy.conftest import make_conf
from tests.unit.policy.conftest import safe
from tests.unit.policy.conftest import upstream
from tests.unit.policy.conftest import write

PROJECT_ADMIN = {'roles': ['admin'], 'project_id': 'p1'}
SYSTEM_ONLY = 'demo:settings:update'


def _conf(tmp_path, text='{}\n'):
    write(tmp_path / 'policy.yaml', text)
    return make_conf(str(tmp_path))


def _outcome(call, *args, **kwargs):
    """What a call returns or raises, and how many warnings it gives."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        try:
            result = ('returned', call(*args, **kwargs))
        except Exception as exc:
            result = (type(exc), exc.args)
    return result, [str(w.message) for w in caught]


@pytest.mark.skipif(
    'enforce_scope' not in make_conf('/nonexistent').oslo_policy,
    reason='oslo.policy >= 5 has no [oslo_policy] enforce_scope',
)
def test_enforce_scope_toggled_after_first_decision(tmp_path):
    # Services' tests (nova's self.flags(enforce_scope=...)) and operators'
    # set_override() change it on a live enforcer; oslo.policy reads it on
    # every call, so turning it on must deny a wrong-scope token at once.
    conf = _conf(tmp_path)
    conf.set_override('enforce_scope', False, 'oslo_policy')
    ours, theirs = safe(conf), upstream(conf)
    seen = []
    for value in (False, True, False, True):
        conf.set_override('enforce_scope', value, 'oslo_policy')
        for do_raise in (False, True):
            call = (SYSTEM_ONLY, {}, dict(PROJECT_ADMIN))
            expected = _outcome(theirs.enforce, *call, do_raise=do_raise)
            got = _outcome(ours.enforce, *call, do_raise=do_raise)
            assert got == expected, (value, do_raise)
            got = _outcome(ours.authorize, *call, do_raise=do_raise)
            assert got == expected, (value, do_raise)
            seen.append(expected[0][0])
    assert policy.InvalidScope in seen and 'returned' in seen


def test_authorize_sees_enforce_replaced_on_the_instance(tmp_path):
    # mock.patch.object(service_enforcer, 'enforce') is how services'
    # tests watch policy calls; oslo.policy's authorize() calls it.
    for enforcer in (upstream(_conf(tmp_path)), safe(_conf(tmp_path))):
        with mock.patch.object(
            enforcer, 'enforce', return_value='sentinel'
        ) as spy:
            got = enforcer.authorize('demo:widgets:list', {}, {}, True)
        assert got == 'sentinel', type(enforcer)
        spy.assert_called_once_with('demo:widgets:list', {}, {}, True, None)


def test_authorize_sees_enforce_replaced_on_the_class_later(tmp_path):
    class Service(runtime.SafeEnforcer):
        pass

    calls = []
    original = Service.enforce

    def watching(self, rule, *args, **kwargs):
        calls.append(rule)
        return original(self, rule, *args, **kwargs)

    ours = Service(_conf(tmp_path), reload_interval=0)
    ours.register_defaults(demo_rules())
    with mock.patch.object(Service, 'enforce', watching):
        ours.authorize('demo:widgets:list', {}, {})
    with mock.patch.object(runtime.SafeEnforcer, 'enforce', watching):
        ours.authorize('demo:widgets:create', {}, {})
    assert calls == ['demo:widgets:list', 'demo:widgets:create']
    # Unpatched again: decided directly, nothing recorded.
    ours.authorize('demo:widgets:list', {}, {})
    assert len(calls) == 2


def _chain(exc):
    links = []
    while exc is not None:
        links.append(type(exc))
        exc = exc.__cause__ or exc.__context__
    return links


@pytest.mark.parametrize('do_raise', [False, True])
def test_rule_cycle_chains_what_oslo_policy_chains(tmp_path, do_raise):
    # Falling back to oslo.policy from inside "except RecursionError"
    # chained our own RecursionError, and its ~1000 frames (targets and
    # credentials in their locals), to the exception the caller gets.
    text = '"demo:widgets:list": "rule:a"\na: "rule:b"\nb: "rule:a"\n'
    conf = _conf(tmp_path, text)
    chains = []
    for enforcer in (upstream(conf), safe(conf)):
        with pytest.raises(TypeError) as raised:
            enforcer.enforce('demo:widgets:list', {}, {}, do_raise)
        chains.append(_chain(raised.value))
    assert chains[1] == chains[0]
