"""Odd credentials and targets: oslo.policy's outcome, exception included."""

import logging

from hypothesis import HealthCheck
from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from tests import policy_credentials
from tests.unit.policy.conftest import RULE_NAMES
from tests.unit.policy.conftest import TARGETS
from tests.unit.policy.conftest import credential_grid
from tests.unit.policy.conftest import make_conf
from tests.unit.policy.conftest import safe
from tests.unit.policy.conftest import upstream
from tests.unit.policy.conftest import write
from tests.unit.policy.test_runtime import CHECK_STRS

NAMES = [*RULE_NAMES, 'demo:widget:delete', 'unregistered']
CREDS = policy_credentials.credentials(
    credential_grid()[::7], ['nested', 'enabled', 'token']
)
TARGET = policy_credentials.targets(
    TARGETS, ['project_id', 'user_id', 'role', 'enabled']
)


def _outcomes(enforcer, name, target, creds):
    outcome = policy_credentials.outcome
    return (
        outcome(enforcer.enforce, name, target, creds),
        outcome(enforcer.authorize, name, target, creds, do_raise=True),
    )


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    overrides=st.dictionaries(st.sampled_from(NAMES), CHECK_STRS, max_size=3),
    creds=CREDS,
    target=TARGET,
)
# A matching role before one that is no string: oslo.policy lowers every
# role first, so it raises AttributeError; it must not allow.
@example(
    overrides={'demo:widgets:list': 'role:admin'},
    creds={'roles': ['admin', None]},
    target={},
)
@example(
    overrides={'demo:widgets:list': 'role:reader or role:admin'},
    creds={'roles': ['Admin', 3], 'project_id': 'p1'},
    target={'project_id': 'p1'},
)
@example(
    overrides={'demo:widgets:list': 'role:admin'},
    creds={'roles': ('admin', ['member'])},
    target={},
)
def test_odd_credentials_get_oslo_policys_outcome(
    tmp_path, overrides, creds, target
):
    text = ''.join(f'"{k}": "{v}"\n' for k, v in overrides.items())
    write(tmp_path / 'policy.yaml', text)
    conf = make_conf(str(tmp_path))
    ours, theirs = safe(conf), upstream(conf)
    for name in NAMES:
        expected = _outcomes(theirs, name, target, creds)
        assert _outcomes(ours, name, target, creds) == expected, name


def test_rule_cycle_fails_with_oslo_policys_exception(tmp_path, caplog):
    write(
        tmp_path / 'policy.yaml',
        '"demo:widgets:list": "rule:a"\n"a": "rule:demo:widgets:list"\n'
        '"demo:widgets:create": "role:member or rule:a"\n',
    )
    conf = make_conf(str(tmp_path))
    caplog.set_level(logging.CRITICAL)
    ours, theirs = safe(conf), upstream(conf)
    for name in ('demo:widgets:list', 'demo:widgets:create'):
        for roles in ([], ['member']):
            creds = {'roles': roles, 'project_id': 'p1'}
            expected = _outcomes(theirs, name, {}, creds)
            assert _outcomes(ours, name, {}, creds) == expected
    cycle = _outcomes(ours, 'demo:widgets:list', {}, {'roles': []})
    assert cycle[0][0] is TypeError
