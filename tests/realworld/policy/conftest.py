"""Real policy-in-code (nova, keystone, cinder, glance, neutron from PyPI)
and real operator policy files (see SOURCES)."""

from __future__ import annotations

import functools
import os
import warnings

import pytest
from oslo_policy import _external
from oslo_policy import policy

from oslo_extras.policy import defaults
from oslo_extras.policy import files
from oslo_extras.policy import inputs
from oslo_extras.policy import model

HERE = os.path.dirname(os.path.abspath(__file__))
FILES = os.path.join(HERE, 'files')

#: operator file -> the policy namespaces of the service it is for
OPERATOR_FILES = {
    'sapcc-nova-policy.yaml': ('nova',),
    'sapcc-nova-policy-old.json': ('nova',),
    'sapcc-cinder-policy.yaml': ('cinder',),
    'sapcc-glance-policy.yaml': ('glance',),
    'sapcc-glance-policy.json': ('glance',),
    'sapcc-keystone-policy.yaml': ('keystone',),
    'sapcc-neutron-policy.json': ('neutron',),
    'sapcc-barbican-policy.yaml': ('barbican',),
    'charm-keystone-rocky-policy.json': ('keystone',),
    # Services not installed here: the files alone (no registered rules).
    'sapcc-placement-policy.yaml': (),
    'sapcc-manila-policy.yaml': (),
    'sapcc-designate-policy.yaml': (),
}
SERVICES = ('nova', 'keystone', 'cinder', 'glance', 'neutron')


@functools.cache
def service_rules(namespaces: tuple[str, ...]) -> tuple:
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return tuple(defaults.load_defaults(list(namespaces)))


def rules_for(namespaces: tuple[str, ...]) -> list[policy.RuleDefault]:
    import copy

    return copy.deepcopy(list(service_rules(namespaces)))


def path_of(name: str) -> str:
    return os.path.join(FILES, name)


def conf_for(path: str | None, **overrides):
    conf = inputs.make_conf(policy_file=path, policy_dirs=[])
    for key, value in overrides.items():
        conf.set_override(key, value, 'oslo_policy')
    return conf


def ruleset_for(name: str, enforce_new_defaults: bool = True):
    layer = files.read_layer(path_of(name))
    rules = rules_for(OPERATOR_FILES[name])
    return rules, [layer], model.build(rules, [layer], enforce_new_defaults)


def _no_http(check, target, creds, enforcer, current_rule=None):
    # Keystone's delete_project asks an HTTP service; decide from the target
    # instead, the same way for oslo.policy and SafeEnforcer.
    return target.get('project_id') == 'p1'


@pytest.fixture(autouse=True)
def no_http_checks(monkeypatch):
    monkeypatch.setattr(_external.HttpCheck, '__call__', _no_http)
