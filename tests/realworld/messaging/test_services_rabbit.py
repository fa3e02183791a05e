"""The nova and neutron tests on a real RabbitMQ (a private node on
loopback, as the functional tests run it), where upstream's call
monitoring runs: stock servers heartbeat, stock callers give up after the
window, so "the stock outcome" is the one production sees."""

from __future__ import annotations

import pytest

from tests.functional.servers.rabbitmq import rabbitmq  # noqa: F401
from tests.realworld.messaging import test_neutron_backoff as neutron
from tests.realworld.messaging import test_nova_rpcapi as nova

nova_rpc = nova.nova_rpc
neutron_rpc = neutron.neutron_rpc
test_live_migration_check_outlives_rpc_response_timeout = (
    nova.test_live_migration_check_outlives_rpc_response_timeout
)
test_a_dead_compute_is_reported_after_rpc_response_timeout = (
    nova.test_a_dead_compute_is_reported_after_rpc_response_timeout
)
test_pinned_compute_version_negotiates_as_stock = (
    nova.test_pinned_compute_version_negotiates_as_stock
)
test_select_destinations_with_version_caps = (
    nova.test_select_destinations_with_version_caps
)
test_backing_off_client_doubles_a_timed_out_methods_timeout = (
    neutron.test_backing_off_client_doubles_a_timed_out_methods_timeout
)
test_report_state_waits_its_prepared_total = (
    neutron.test_report_state_waits_its_prepared_total
)


@pytest.fixture
def transport_url(rabbitmq):  # noqa: F811
    return rabbitmq.url
