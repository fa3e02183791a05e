"""The demo's policy namespace is not installed; it is lent while needed."""

import os
import subprocess
import sys
from importlib import metadata

import stevedore

from oslo_extras.demo import _entry_points

NS = 'oslo_extras_demo'


def _installed_names(group):
    dist = metadata.distribution('oslo_extras')
    return {ep.name for ep in dist.entry_points if ep.group == group}


def test_the_installed_package_registers_no_demo_policy():
    assert NS not in _installed_names('oslo.policy.policies')
    assert NS not in _installed_names('oslo.policy.enforcer')


def _names_in_a_fresh_interpreter(env):
    code = (
        'from importlib import metadata;'
        'print(sorted(e.name for e in metadata.entry_points('
        "group='oslo.policy.policies')))"
    )
    result = subprocess.run(
        [sys.executable, '-c', code],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    return result.stdout


def test_registered_lends_the_namespace_to_this_process_and_children():
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    assert NS not in _names_in_a_fresh_interpreter(env)
    with _entry_points.registered() as namespace:
        assert namespace == NS
        mgr = stevedore.NamedExtensionManager(
            'oslo.policy.policies', names=[NS]
        )
        assert [ext.name for ext in mgr] == [NS]
        rules = mgr[NS].plugin()
        assert any(r.name == 'demo:widgets:delete' for r in rules)
        assert NS in _names_in_a_fresh_interpreter(dict(os.environ))
    assert NS not in _names_in_a_fresh_interpreter(env)
