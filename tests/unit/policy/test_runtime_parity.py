"""Files oslo.policy accepts decide the same under SafeEnforcer (lenient)."""

import json
import logging

import pytest

from tests.unit.policy.conftest import decisions
from tests.unit.policy.conftest import make_conf
from tests.unit.policy.conftest import safe
from tests.unit.policy.conftest import upstream
from tests.unit.policy.conftest import write

ACCEPTED = {
    'legacy list syntax': (
        '"demo:widgets:list": [["role:reader", "project_id:%(project_id)s"],'
        ' ["role:admin"]]\n'
    ),
    'legacy bare strings': '"demo:widgets:list": ["role:admin", "role:x"]\n',
    'or with a typo': '"demo:widgets:list": "role:admin or typo"\n',
    'and with a typo': '"demo:widgets:create": "typo and role:admin"\n',
    'int key': '1: "role:admin"\n"demo:widgets:list": "role:member"\n',
    'yes key': 'yes: "role:admin"\n"demo:widgets:list": "role:member"\n',
    'merge key': (
        'common: &common\n  "demo:widgets:list": "role:member"\n'
        '<<: *common\n"demo:widgets:create": "role:admin"\n'
    ),
    'null': '"demo:widgets:list":\n',
    'empty list': '"demo:widgets:list": []\n',
    'mapping value': '"demo:widgets:list": {"role:admin": 1}\n',
    'anchor reuse': (
        '"demo:widgets:list": &admin "role:admin"\n'
        '"demo:widgets:create": *admin\n'
    ),
}


@pytest.mark.parametrize('text', ACCEPTED.values(), ids=list(ACCEPTED))
def test_same_decisions_as_oslo_policy(tmp_path, text, caplog):
    write(tmp_path / 'policy.yaml', text)
    conf = make_conf(str(tmp_path))
    with caplog.at_level(logging.CRITICAL):
        theirs = decisions(upstream(conf))
        ours = decisions(safe(conf))
    assert ours == theirs


def test_not_typo_is_the_one_documented_difference(tmp_path, caplog):
    write(tmp_path / 'policy.yaml', '"demo:widgets:list": "not typo"\n')
    conf = make_conf(str(tmp_path))
    member = {'roles': ['member'], 'project_id': 'p1'}
    with caplog.at_level(logging.CRITICAL):
        # oslo.policy reads the typo as '!', so "not typo" allows everyone.
        assert upstream(conf).enforce('demo:widgets:list', {}, dict(member))
        assert not safe(conf).enforce('demo:widgets:list', {}, dict(member))


def test_scope_follows_enforce_scope_where_oslo_policy_has_it(tmp_path):
    # oslo.policy 4.5.1 (OpenStack 2025.1) only warns on a scope mismatch
    # with [oslo_policy] enforce_scope = false; later releases removed it.
    write(tmp_path / 'policy.yaml', '{}\n')
    conf = make_conf(str(tmp_path))
    theirs = upstream(conf)
    has_option = 'enforce_scope' in conf.oslo_policy
    if has_option:
        conf.set_override('enforce_scope', False, 'oslo_policy')
    project_admin = {'roles': ['admin'], 'project_id': 'p1'}
    with pytest.warns() if has_option else _nothing():
        expected = theirs.enforce('demo:settings:update', {}, project_admin)
    with pytest.warns() if has_option else _nothing():
        got = safe(conf).enforce('demo:settings:update', {}, project_admin)
    assert got is expected is has_option


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# Everything oslo.policy accepts, broken tokens and odd values included.
from hypothesis import HealthCheck  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from oslo_extras.policy import files  # noqa: E402
from oslo_extras.policy import model  # noqa: E402
from tests.unit.policy.conftest import RULE_NAMES  # noqa: E402
from tests.unit.policy.test_runtime import CHECK_STRS  # noqa: E402
from tests.unit.policy.test_runtime import CREDS  # noqa: E402
from tests.unit.policy.test_runtime import TARGET  # noqa: E402

BROKEN = st.sampled_from(['typo', 'admin', '(typo', 'typo)'])
TEXT = st.recursive(
    st.one_of(CHECK_STRS, BROKEN),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(['and', 'or']), inner).map(
            lambda t: f'({t[0]} {t[1]} {t[2]})'
        ),
        inner.map(lambda c: f'not {c}'),
    ),
    max_leaves=4,
)
VALUE = st.one_of(
    TEXT,
    st.none(),
    st.just([]),
    st.lists(st.lists(st.one_of(CHECK_STRS, BROKEN), max_size=2), max_size=2),
    st.dictionaries(st.one_of(CHECK_STRS, BROKEN), st.just(1), max_size=2),
)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    overrides=st.dictionaries(
        st.sampled_from(RULE_NAMES + ['demo:widget:delete', 'default']),
        VALUE,
        max_size=4,
    ),
    creds=CREDS,
    target=TARGET,
)
def test_same_decisions_on_everything_oslo_policy_accepts(
    tmp_path, overrides, creds, target, caplog
):
    text = ''.join(
        f'{json.dumps(k)}: {json.dumps(v)}\n' for k, v in overrides.items()
    )
    path = write(tmp_path / 'policy.yaml', text)
    conf = make_conf(str(tmp_path))
    ruleset = model.build(
        upstream(conf).registered_rules.values(), [files.read_layer(path)]
    )
    differs = {
        p.entry.name for p in ruleset.syntax_errors if p.widened_by_upstream
    }
    with caplog.at_level(logging.CRITICAL):
        ours, theirs = safe(conf), upstream(conf)
        denied = _broken_rules_denied(tmp_path, overrides, differs)
        for name in RULE_NAMES + ['demo:widget:delete', 'unregistered']:
            expected = _outcome(theirs, name, target, creds)
            got = _outcome(ours, name, target, creds)
            if differs:
                # "not <typo>": SafeEnforcer may only deny more, or fail
                # the call where reading the typo as "@" makes a rule:
                # cycle ("not (typo and rule:<itself>)"). Where oslo.policy
                # fails the call because its reading of the typo makes a
                # cycle ("not (typo or rule:<itself>)"), the broken rule
                # denies under SafeEnforcer and the valid rules decide: as
                # oslo.policy with every broken rule replaced by "!".
                allowed = (expected, False, 'TypeError')
                if expected == 'TypeError':
                    allowed += (_outcome(denied, name, target, creds),)
                assert got in allowed, name
            else:
                assert got == expected, name


def _broken_rules_denied(tmp_path, overrides, broken):
    """oslo.policy on ``overrides`` with each of ``broken`` set to "!"."""
    if not broken:
        return None
    folder = tmp_path / 'broken-denied'
    folder.mkdir(exist_ok=True)
    text = ''.join(
        f'{json.dumps(k)}: {json.dumps("!" if k in broken else v)}\n'
        for k, v in overrides.items()
    )
    write(folder / 'policy.yaml', text)
    return upstream(make_conf(str(folder)))


def test_a_cycle_only_oslo_policy_reads_leaves_the_valid_rules_deciding(
    tmp_path, caplog
):
    # Found by hypothesis (test above): oslo.policy reads the typo as "!",
    # so admin_required refers to itself and every call through it fails;
    # SafeEnforcer denies admin_required, and a rule "admin or member"
    # allows through the operator's explicit project_member "@".
    write(
        tmp_path / 'policy.yaml',
        '"admin_required": "not (typo or rule:admin_required)"\n'
        '"project_member": "@"\n',
    )
    conf = make_conf(str(tmp_path))
    creds = {'roles': [], 'project_id': 'p1', 'user_id': 'u2'}
    with caplog.at_level(logging.CRITICAL):
        ours, theirs = safe(conf), upstream(conf)
        assert _outcome(theirs, 'admin_required', {}, creds) == 'TypeError'
        assert _outcome(ours, 'admin_required', {}, creds) is False
        # "rule:admin_required or (rule:project_member and user_id:...)"
        own, other = {'user_id': 'u2'}, {'user_id': 'u3'}
        delete = 'demo:widgets:delete'
        assert _outcome(theirs, delete, own, creds) == 'TypeError'
        assert _outcome(ours, delete, own, creds) is True
        assert _outcome(ours, delete, other, creds) is False


def _outcome(enforcer, name, target, creds):
    # oslo.policy raises on some values on every call (a rule: cycle, a
    # legacy list item such as "(@ and role:a)" whose kind is no literal).
    try:
        return enforcer.enforce(name, dict(target), dict(creds))
    except Exception as exc:
        return type(exc).__name__


@pytest.mark.parametrize('overwrite', [True, False])
def test_set_rules_with_use_conf_decides_like_oslo_policy(
    tmp_path, overwrite, caplog
):
    # A service narrowing a rule at runtime with set_rules(use_conf=True):
    # oslo.policy keeps the service's rules until a policy file changes.
    # SafeEnforcer rebuilt from the files and dropped them, so an admin the
    # service had locked out of demo:widgets:create was allowed again.
    from oslo_policy import policy

    write(tmp_path / 'policy.yaml', '"demo:widgets:create": "role:admin"\n')
    conf = make_conf(str(tmp_path))
    narrowed = policy.Rules.from_dict({'demo:widgets:create': '!'})
    with caplog.at_level(logging.CRITICAL):
        theirs, ours = upstream(conf), safe(conf)
        for enforcer in (theirs, ours):
            enforcer.load_rules()
            enforcer.set_rules(narrowed, overwrite=overwrite, use_conf=True)
        assert decisions(ours) == decisions(theirs)
        admin = {'roles': ['admin'], 'project_id': 'p1'}
        assert not ours.enforce('demo:widgets:create', {}, admin)


def test_not_typo_read_as_deny_never_widens_through_a_reference(
    tmp_path, caplog
):
    # Found by hypothesis (test above) on oslo.policy 4.5.1: "not typo"
    # reads as deny, so "not rule:admin_required" allowed everyone.
    write(
        tmp_path / 'policy.yaml',
        '"admin_required": "not typo"\n'
        '"project_member": "not rule:admin_required"\n',
    )
    conf = make_conf(str(tmp_path))
    member = {'roles': [], 'project_id': 'p1', 'user_id': 'u1'}
    with caplog.at_level(logging.CRITICAL):
        assert not upstream(conf).enforce('project_member', {}, dict(member))
        ours = safe(conf)
        assert not ours.enforce('project_member', {}, dict(member))
        # ... while the documented difference itself stays.
        assert not ours.enforce('admin_required', {}, dict(member))
        assert upstream(conf).enforce('admin_required', {}, dict(member))
