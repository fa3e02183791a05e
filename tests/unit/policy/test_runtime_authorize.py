"""authorize() and raising enforce(): the exceptions oslo.policy raises."""

import collections.abc

import oslo_i18n
import pytest
from oslo_context import context
from oslo_policy import policy

from oslo_extras.policy import runtime
from tests.unit.policy.conftest import RULE_NAMES
from tests.unit.policy.conftest import TARGETS
from tests.unit.policy.conftest import credential_grid
from tests.unit.policy.conftest import demo_rules
from tests.unit.policy.conftest import make_conf
from tests.unit.policy.conftest import safe
from tests.unit.policy.conftest import upstream
from tests.unit.policy.conftest import write


def _conf(tmp_path, text=''):
    write(tmp_path / 'policy.yaml', text)
    return make_conf(str(tmp_path))


def _raised(call, *args, **kwargs):
    """What a call returns or raises, as every attribute a caller sees."""
    try:
        return ('returned', call(*args, **kwargs))
    except Exception as exc:
        return (
            type(exc),
            exc.args,
            tuple(type(arg) for arg in exc.args),
            str(exc),
            vars(exc),
        )


@pytest.mark.parametrize('method', ['authorize', 'enforce'])
def test_raises_what_oslo_policy_raises(tmp_path, method):
    conf = _conf(tmp_path, '"demo:widgets:create": "role:member"\n')
    ours, theirs = safe(conf), upstream(conf)
    names = [*RULE_NAMES, 'demo:widget:delete', 'unregistered']
    seen = set()
    # Twice: the second round raises exceptions built from the first's.
    for _round in range(2):
        for name in names:
            for creds in credential_grid():
                for target in TARGETS:
                    expected = _raised(
                        getattr(theirs, method),
                        name,
                        dict(target),
                        dict(creds),
                        do_raise=True,
                    )
                    got = _raised(
                        getattr(ours, method),
                        name,
                        dict(target),
                        dict(creds),
                        do_raise=True,
                    )
                    assert got == expected, (name, creds, target)
                    seen.add(expected[0])
    assert {
        policy.PolicyNotAuthorized,
        policy.InvalidScope,
        'returned',
    } <= seen
    if method == 'authorize':
        assert policy.PolicyNotRegistered in seen


def test_custom_exception_and_its_arguments(tmp_path):
    class Denied(Exception):
        def __init__(self, *args, **kwargs):
            super().__init__(*args)
            self.kwargs = kwargs

    conf = _conf(tmp_path)
    ours = safe(conf)
    with pytest.raises(Denied) as raised:
        ours.authorize('demo:widgets:list', {}, {}, True, Denied, 'no', x=1)
    assert raised.value.args == ('no',)
    assert raised.value.kwargs == {'x': 1}


def test_lazy_translation_gets_a_message_as_upstream(tmp_path):
    conf = _conf(tmp_path)
    ours, theirs = safe(conf), upstream(conf)
    call = ('demo:widgets:list', {}, {'roles': []})
    # A first denial with plain strings, then lazy translation switched on.
    assert _raised(ours.authorize, *call, do_raise=True)[0] is (
        policy.PolicyNotAuthorized
    )
    oslo_i18n.enable_lazy()
    try:
        expected = _raised(theirs.authorize, *call, do_raise=True)
        got = _raised(ours.authorize, *call, do_raise=True)
    finally:
        oslo_i18n.enable_lazy(False)
    assert expected[2] != (str,)  # a lazily translated Message
    assert got[:2] == expected[:2]
    assert got[2:] == expected[2:]


def test_subclass_overriding_enforce_sees_authorize(tmp_path):
    # oslo.policy's authorize() calls enforce(); a service's override of
    # enforce() alone must still see every authorize() call.
    calls = []

    class Counting(runtime.SafeEnforcer):
        def enforce(self, rule, *args, **kwargs):
            calls.append(rule)
            return super().enforce(rule, *args, **kwargs)

    ours = Counting(_conf(tmp_path), reload_interval=0)
    ours.register_defaults(demo_rules())
    target = {'project_id': 'p1'}
    creds = {'roles': ['reader'], 'project_id': 'p1'}
    assert ours.authorize('demo:widgets:list', target, creds)
    assert calls == ['demo:widgets:list']


class _MappingContext(context.RequestContext, collections.abc.MutableMapping):
    """A context that is also a mapping (of nothing)."""

    def __getitem__(self, key):
        raise KeyError(key)

    def __setitem__(self, key, value):
        pass

    def __delitem__(self, key):
        raise KeyError(key)

    def __iter__(self):
        return iter(())

    def __len__(self):
        return 0


def test_context_that_is_a_mapping_gives_its_policy_values(tmp_path):
    # Enforcer.enforce() tests for RequestContext before MutableMapping.
    conf = _conf(tmp_path)
    ours, theirs = safe(conf), upstream(conf)
    ctx = _MappingContext(project_id='p1', roles=['reader'])
    target = {'project_id': 'p1'}
    assert theirs.enforce('demo:widgets:list', target, ctx) is True
    assert ours.enforce('demo:widgets:list', target, ctx) is True
    assert ours.authorize('demo:widgets:list', target, ctx) is True
