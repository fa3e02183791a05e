"""The services imported here leave oslo.policy's checks as they were.

nova and neutron register policy checks process-wide when their modules
are imported (see conftest.py); left in place, they decided the policy
tests of the same pytest session (neutron's project_id check raising
PolicyCheckError, nova's is_admin a KeyError).
"""

from __future__ import annotations

import neutron.policy  # noqa: F401  (registers neutron's)
import nova.policy  # noqa: F401  (registers nova's checks on import)
from oslo_policy import _checks as policy_checks


def test_no_service_check_is_registered_after_collection():
    owners = {
        kind: check.__module__
        for kind, check in policy_checks.registered_checks.items()
    }
    assert not {
        kind: module
        for kind, module in owners.items()
        if module.split('.')[0] in ('nova', 'neutron', 'neutron_lib')
    }
