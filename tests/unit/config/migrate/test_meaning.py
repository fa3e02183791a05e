"""Migrations that used to change what a config means (issue 13).

Each scenario goes through oslo.config itself: every option's value is the
same before and after, lists in the same order, and a second run changes
nothing.
"""

from tests.unit.config.migrate.test_engine import check
from tests.unit.config.migrate.test_engine import kinds
from tests.unit.config.migrate.test_engine import write

SPEC_A = '{"vendor_id": "8086", "physical_network": "a"}'
SPEC_B = '{"vendor_id": "8086", "physical_network": "b"}'


def test_list_order_kept_across_two_old_names_in_two_groups(tmp_path):
    # The usual nova layout: the oldest name in [DEFAULT], the next in [pci].
    path = write(
        tmp_path / 'nova.conf',
        f"""
        [DEFAULT]
        pci_passthrough_whitelist = {SPEC_A}

        [pci]
        passthrough_whitelist = {SPEC_B}
    """,
    )
    plan, before = check(tmp_path, [('file', path)])
    assert before[('pci', 'device_spec')] == [SPEC_A, SPEC_B]
    migrated = plan.files[0].migrated
    assert migrated.index(SPEC_A) < migrated.index(SPEC_B)


def test_list_order_kept_when_the_old_lines_are_not_in_file_order(tmp_path):
    path = write(
        tmp_path / 'nova.conf',
        f"""
        [pci]
        passthrough_whitelist = {SPEC_B}

        [DEFAULT]
        pci_passthrough_whitelist = {SPEC_A}
    """,
    )
    _plan, before = check(tmp_path, [('file', path)])
    assert before[('pci', 'device_spec')] == [SPEC_A, SPEC_B]


def test_list_order_kept_with_the_current_name_set_too(tmp_path):
    path = write(
        tmp_path / 'nova.conf',
        f"""
        [pci]
        device_spec = {{"c": 1}}
        passthrough_whitelist = {SPEC_B}

        [DEFAULT]
        pci_passthrough_whitelist = {SPEC_A}
    """,
    )
    _plan, before = check(tmp_path, [('file', path)])
    assert before[('pci', 'device_spec')] == [SPEC_A, SPEC_B, '{"c": 1}']


def test_hyphenated_old_name_that_oslo_config_reads_is_renamed(tmp_path):
    path = write(
        tmp_path / 'a.conf',
        """
        [DEFAULT]
        log-config = /etc/svc/logging.conf
    """,
    )
    plan, before = check(tmp_path, [('file', path)])
    assert before[('DEFAULT', 'log_config_append')] == '/etc/svc/logging.conf'
    assert kinds(plan) == ['rename']
    assert 'no effect' not in plan.all_changes()[0].message
    assert plan.files[0].migrated == (
        '[DEFAULT]\nlog_config_append = /etc/svc/logging.conf\n'
    )
