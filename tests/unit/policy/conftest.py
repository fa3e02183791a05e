"""Shared helpers: the demo service's defaults and credential grids."""

from __future__ import annotations

import copy
import itertools
import os

import pytest
from oslo_config import cfg
from oslo_policy import policy

from oslo_extras.demo import _policy_service
from oslo_extras.policy import inputs
from oslo_extras.policy import runtime

RULE_NAMES = [rule.name for rule in _policy_service.RULES]


def demo_rules() -> list[policy.RuleDefault]:
    return copy.deepcopy(_policy_service.RULES)


def make_conf(directory: str, **overrides) -> cfg.ConfigOpts:
    """A private config whose policy file/dir live in ``directory``."""
    conf = inputs.make_conf(
        policy_file=os.path.join(directory, 'policy.yaml'),
        policy_dirs=[os.path.join(directory, 'policy.d')],
    )
    for name, value in overrides.items():
        conf.set_override(name, value, 'oslo_policy')
    return conf


def write(path, text: str) -> str:
    path = str(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as stream:
        stream.write(text)
    return path


def upstream(conf: cfg.ConfigOpts, rules=None) -> policy.Enforcer:
    enforcer = policy.Enforcer(conf)
    enforcer.suppress_deprecation_warnings = True
    enforcer.register_defaults(rules if rules is not None else demo_rules())
    return enforcer


def safe(conf: cfg.ConfigOpts, rules=None, **kwargs) -> runtime.SafeEnforcer:
    kwargs.setdefault('reload_interval', 0)
    enforcer = runtime.SafeEnforcer(conf, **kwargs)
    enforcer.register_defaults(rules if rules is not None else demo_rules())
    return enforcer


ROLE_SETS = [
    [],
    ['reader'],
    ['member'],
    ['member', 'reader'],
    ['admin'],
    ['Admin', 'member'],
    ['owner'],
]


def credential_grid() -> list[dict]:
    grid = []
    for roles, project, user, system, domain in itertools.product(
        ROLE_SETS, ['p1', 'p2'], ['u1', 'u2'], [None, 'all'], [None, 'd1']
    ):
        creds = {'roles': roles, 'project_id': project, 'user_id': user}
        if system:
            creds['system_scope'] = system
        if domain:
            creds['domain_id'] = domain
        grid.append(creds)
    return grid


TARGETS = [
    {'project_id': 'p1', 'user_id': 'u1'},
    {'project_id': 'p2', 'user_id': 'u1'},
    {'project_id': 'p1'},
    {},
]


def decisions(enforcer, names=None, grid=None) -> dict:
    """Every decision of ``enforcer`` over the rules × creds × targets."""
    result = {}
    for name in names or RULE_NAMES:
        for i, creds in enumerate(grid or credential_grid()):
            for j, target in enumerate(TARGETS):
                result[name, i, j] = bool(
                    enforcer.enforce(name, dict(target), dict(creds))
                )
    return result


@pytest.fixture
def policy_dir(tmp_path):
    return str(tmp_path)
