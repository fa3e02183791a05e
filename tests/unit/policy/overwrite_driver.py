"""Replay policy file edits on oslo.policy and SafeEnforcer side by side.

Shared by the unit (demo rules) and real-world (glance) differential tests
of ``overwrite=False`` and ``overwrite=True``: every step writes or removes
the main policy file or a ``policy.d`` file, or reloads, and afterwards both
enforcers must decide alike.
"""

from __future__ import annotations

import copy
import logging
import os
import tempfile
import time

import yaml
from hypothesis import strategies as st
from oslo_policy import policy

from oslo_extras.policy import runtime
from tests.unit.policy.conftest import make_conf

#: Where a step writes: the main file or one of two policy.d files.
TARGETS = ('policy.yaml', 'policy.d/10-a.yaml', 'policy.d/20-b.yaml')


def upstream_survives_a_deleted_main_file() -> bool:
    """oslo.policy < 4.6 raises ``TypeError`` from every ``enforce()``
    while the main policy file is gone (it reads it as ``{}``, not
    ``''``); there is no decision to compare then."""
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, 'policy.yaml')
        with open(path, 'w') as stream:
            stream.write('{}\n')
        enforcer = policy.Enforcer(make_conf(directory))
        with _quiet():
            enforcer.load_rules()
            os.remove(path)
            try:
                enforcer.load_rules()
            except TypeError:
                return False
    return True


def steps(names: list[str], checks: list[str]):
    """A hypothesis strategy: lists of ``(action, target, overrides)``."""
    removable = TARGETS
    if not upstream_survives_a_deleted_main_file():
        removable = TARGETS[1:]
    overrides = st.dictionaries(
        st.sampled_from(names), st.sampled_from(checks), max_size=4
    )
    write = st.tuples(st.just('write'), st.sampled_from(TARGETS), overrides)
    remove = st.tuples(
        st.just('remove'), st.sampled_from(removable), st.just({})
    )
    reload = st.tuples(st.just('reload'), st.just(''), st.just({}))
    return st.lists(
        st.one_of(write, write, remove, reload), min_size=1, max_size=6
    )


class Pair:
    """oslo.policy's ``Enforcer`` and ``SafeEnforcer`` on the same files."""

    def __init__(self, directory: str, rules, overwrite: bool) -> None:
        self.directory = directory
        # Files get strictly later mtimes than anything before them:
        # oslo.policy only re-reads a file whose mtime grew.
        self.clock = time.time() + 10
        os.makedirs(os.path.join(directory, 'policy.d'), exist_ok=True)
        self.apply('write', 'policy.yaml', {})
        conf = make_conf(directory)
        self.theirs = policy.Enforcer(conf, overwrite=overwrite)
        self.theirs.suppress_deprecation_warnings = True
        self.theirs.suppress_default_change_warnings = True
        self.theirs.register_defaults(copy.deepcopy(rules))
        self.ours = runtime.SafeEnforcer(
            conf, overwrite=overwrite, reload_interval=0
        )
        self.ours.suppress_deprecation_warnings = True
        self.ours.register_defaults(copy.deepcopy(rules))
        with _quiet():
            self.theirs.load_rules()
            self.ours.load_rules()

    def apply(self, action: str, target: str, overrides: dict) -> None:
        path = os.path.join(self.directory, target)
        if action == 'write':
            with open(path, 'w') as stream:
                stream.write(
                    yaml.safe_dump(overrides) if overrides else '{}\n'
                )
        elif action == 'remove' and os.path.exists(path):
            os.remove(path)
        self.clock += 5
        for touched in (path, os.path.dirname(path)):
            if os.path.exists(touched):
                os.utime(touched, (self.clock, self.clock))

    def step(self, action: str, target: str, overrides: dict) -> None:
        if action != 'reload':
            self.apply(action, target, overrides)
        with _quiet():
            # oslo.policy re-reads changed files on every enforce(); the
            # SafeEnforcer off the request path, here by reload().
            self.theirs.load_rules()
            self.ours.reload()

    def differences(self, names, credentials, targets) -> list:
        found = []
        with _quiet():
            for name in names:
                for creds in credentials:
                    for target in targets:
                        expected = _decide(self.theirs, name, target, creds)
                        actual = _decide(self.ours, name, target, creds)
                        if expected != actual:
                            found.append((name, creds, target, expected))
        return found

    def stop(self) -> None:
        self.ours.stop()


def _decide(enforcer, name, target, creds):
    try:
        return bool(enforcer.enforce(name, dict(target), dict(creds)))
    except Exception as exc:  # the same exception type on both sides
        return type(exc).__name__


class _quiet:
    def __enter__(self):
        logging.disable(logging.CRITICAL)

    def __exit__(self, *exc):
        logging.disable(logging.NOTSET)
