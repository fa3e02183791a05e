"""Each driver scenario of ``source_scenarios`` on the real servers:
byte-for-byte values, fail closed in every layout, conversion at load,
token renewal without refresh, etcd auth, failover and watch."""

# Session fixtures are imported and then requested by name.
# ruff: noqa: F811

import types

import pytest

from tests.functional import source_scenarios
from tests.functional.servers.etcd import etcd  # noqa: F401
from tests.functional.servers.etcd import etcd_auth  # noqa: F401
from tests.functional.servers.etcd import etcd_tls  # noqa: F401
from tests.functional.servers.openbao import openbao  # noqa: F401
from tests.functional.servers.openbao import openbao_tls  # noqa: F401
from tests.functional.servers.postgres import postgres  # noqa: F401


@pytest.fixture
def servers(openbao, openbao_tls, etcd, etcd_auth, etcd_tls, postgres):
    return types.SimpleNamespace(
        openbao=openbao,
        openbao_tls=openbao_tls,
        postgres=postgres,
        etcd=etcd,
        etcd_auth=etcd_auth,
        etcd_tls=etcd_tls,
    )


@pytest.mark.parametrize(
    'scenario',
    source_scenarios.SCENARIOS,
    ids=[s.__name__ for s in source_scenarios.SCENARIOS],
)
def test_scenario(scenario, tmp_path, servers):
    scenario(tmp_path, servers, source_scenarios.Witness())
