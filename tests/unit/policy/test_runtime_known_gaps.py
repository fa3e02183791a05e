"""Differences from oslo.policy found by breaking SafeEnforcer, now fixed.

Each test states oslo.policy's behaviour and checks SafeEnforcer against it.
"""

import logging
import os

from oslo_policy import policy

from tests.unit.policy.conftest import demo_rules
from tests.unit.policy.conftest import make_conf
from tests.unit.policy.conftest import safe
from tests.unit.policy.conftest import write

MEMBER = {'roles': ['reader', 'member'], 'project_id': 'p1', 'user_id': 'u1'}
TARGET = {'project_id': 'p1', 'user_id': 'u1'}


def test_overwrite_false_keeps_an_override_removed_from_the_file(
    tmp_path, caplog
):
    path = tmp_path / 'policy.yaml'
    write(path, '"demo:widgets:create": "role:admin"\n')
    conf = make_conf(str(tmp_path))
    theirs = policy.Enforcer(conf, overwrite=False)
    theirs.register_defaults(demo_rules())
    ours = safe(conf, overwrite=False)
    for enforcer in (theirs, ours):
        assert not enforcer.enforce('demo:widgets:create', TARGET, MEMBER)
    write(path, '{}\n')
    later = os.stat(path).st_mtime + 5
    os.utime(path, (later, later))
    with caplog.at_level(logging.CRITICAL):
        theirs.load_rules()
        ours.reload()
    expected = theirs.enforce('demo:widgets:create', TARGET, dict(MEMBER))
    assert expected is False
    assert ours.enforce('demo:widgets:create', TARGET, dict(MEMBER)) is False
