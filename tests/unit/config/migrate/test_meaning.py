"""Migrations that used to change what a config means (issue 13).

Each scenario goes through oslo.config itself: every option's value is the
same before and after, lists in the same order, and a second run changes
nothing.
"""

import hypothesis
from hypothesis import strategies as st

from tests.unit.config.migrate import _oslo
from tests.unit.config.migrate import fake_opts
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


_PCI_LINE = st.sampled_from(
    [
        ('DEFAULT', 'pci_passthrough_whitelist'),
        ('pci', 'passthrough_whitelist'),
        ('pci', 'device_spec'),
        ('DEFAULT', 'plain'),
    ]
)


@hypothesis.settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
)
@hypothesis.given(
    files=st.lists(
        st.lists(st.lists(_PCI_LINE, min_size=1, max_size=4), max_size=4),
        min_size=1,
        max_size=2,
    )
)
def test_generated_lists_keep_their_order(tmp_path_factory, files):
    """Sections of [DEFAULT]/[pci] lines in any order, in 1-2 files."""
    tmp_path = tmp_path_factory.mktemp('lists')
    sources = []
    for index, sections in enumerate(files):
        text = ''
        for number, lines in enumerate(sections):
            groups = {group for group, _name in lines}
            for group in sorted(groups):
                text += f'[{group}]\n'
                text += ''.join(
                    f'{name} = v{index}{number}{position}\n'
                    for position, (g, name) in enumerate(lines)
                    if g == group
                )
        path = tmp_path / f'{index}.conf'
        path.write_text(text or '[DEFAULT]\n')
        sources.append(('file', str(path)))
    plan, _before, _after, warnings = _oslo.migrate_and_compare(
        fake_opts.catalog(),
        fake_opts.list_opts(),
        sources,
        tmp_path=tmp_path,
    )
    if not any(c.kind == 'manual' for c in plan.all_changes()):
        assert _oslo.renamed_warnings(warnings) == []
