"""The migration rules, checked through oslo.config itself.

Every scenario migrates a copy of the files and asserts that each option
oslo.config reads is the same before and after, that the migrated files log
no "deprecated name" warning, and that a second run changes nothing.
"""

import os
import textwrap

import hypothesis
import pytest
from hypothesis import strategies as st

from oslo_extras.config import migrate
from tests.unit.config.migrate import _oslo
from tests.unit.config.migrate import fake_opts

BACKENDS = {'backend_1': 'backend'}


def write(path, text):
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    with open(path, 'w') as stream:
        stream.write(textwrap.dedent(text).lstrip('\n'))
    return str(path)


def check(tmp_path, sources, **kw):
    plan, before, _after, warnings = _oslo.migrate_and_compare(
        fake_opts.catalog(),
        fake_opts.list_opts(),
        sources,
        BACKENDS,
        tmp_path=tmp_path,
        **kw,
    )
    assert _oslo.renamed_warnings(warnings) == []
    return plan, before


def kinds(plan):
    return sorted(c.kind for c in plan.all_changes())


def test_rename_keeps_everything_else_byte_for_byte(tmp_path):
    path = write(
        tmp_path / 'a.conf',
        """
        # header comment
        [DEFAULT]
        plain=1
        ; a semicolon comment
        old_name:  hello\t
        worker_count = 4

        [backend_1]
        volumes_dir = /v
            /continued
    """,
    )
    plan, before = check(tmp_path, [('file', path)])
    assert before[('DEFAULT', 'new_name')] == 'hello'
    migrated = plan.files[0].migrated
    assert migrated == plan.files[0].original.replace(
        'old_name:', 'new_name:'
    ).replace('worker_count', 'workers').replace('volumes_dir', 'volume_dir')
    assert kinds(plan) == ['rename', 'rename', 'rename']


def test_group_move_carries_comments_and_creates_the_section(tmp_path):
    path = write(
        tmp_path / 'a.conf',
        """
        [DEFAULT]
        plain = 1

        # Where the database lives.
        # (two comment lines)
        sql_connection = mysql://u:pw@db/x

        sql_max_pool_size = 10
        new_name = x
    """,
    )
    plan, before = check(tmp_path, [('file', path)])
    assert plan.files[0].migrated == textwrap.dedent("""\
        [DEFAULT]
        plain = 1

        new_name = x

        [database]
        # Where the database lives.
        # (two comment lines)
        sql_connection = mysql://u:pw@db/x
        max_pool_size = 10
    """).replace('sql_connection', 'connection')
    assert [c.kind for c in plan.files[0].changes] == ['move', 'move']


def test_move_into_an_existing_section_and_drop_the_emptied_one(tmp_path):
    path = write(
        tmp_path / 'a.conf',
        """
        [DEFAULT]
        plain = 1

        [sql]
        # old home
        connection = sqlite:///x.db

        [database]
        max_pool_size = 5

        [key_manager]
        auth_url = http://k
    """,
    )
    plan, _ = check(tmp_path, [('file', path)])
    migrated = plan.files[0].migrated
    assert '[sql]' not in migrated
    assert (
        '[database]\nmax_pool_size = 5\n# old home\n'
        'connection = sqlite:///x.db\n' in migrated
    )


def test_multi_value_options_keep_every_line_in_order(tmp_path):
    path = write(
        tmp_path / 'a.conf',
        """
        [DEFAULT]
        hook = first
        old_hook = o1
        plain = 1
        old_hook = o2
        hook = last
    """,
    )
    plan, before = check(tmp_path, [('file', path)])
    # oslo.config reads the old name's values before the new name's.
    assert before[('DEFAULT', 'hook')] == ['o1', 'o2', 'first', 'last']
    assert plan.files[0].migrated.count('hook = ') == 4


def test_multi_value_old_lines_only_are_renamed_in_place(tmp_path):
    path = write(
        tmp_path / 'a.conf',
        """
        [DEFAULT]
        old_hook = a
        old_hook = b
    """,
    )
    plan, before = check(tmp_path, [('file', path)])
    assert plan.files[0].migrated == '[DEFAULT]\nhook = a\nhook = b\n'


def test_conflict_in_one_file_keeps_the_value_oslo_config_uses(tmp_path):
    path = write(
        tmp_path / 'a.conf',
        """
        [DEFAULT]
        old_name = loses
        new_name = wins
        service_token = old-secret-value
        admin_token = new-secret-value
    """,
    )
    plan, before = check(tmp_path, [('file', path)])
    assert before[('DEFAULT', 'new_name')] == 'wins'
    assert plan.files[0].migrated == (
        '[DEFAULT]\nnew_name = wins\nadmin_token = new-secret-value\n'
    )
    conflicts = [c for c in plan.all_changes() if c.kind == 'conflict']
    assert len(conflicts) == 2
    assert "'wins'" not in conflicts[0].message  # values shown plainly
    assert 'wins' in conflicts[0].message
    report = '\n'.join(str(c) for c in plan.all_changes()) + plan.diff()
    assert 'secret-value' not in report
    assert '****' in report


def test_first_deprecated_name_wins_over_the_next(tmp_path):
    path = write(
        tmp_path / 'a.conf',
        """
        [sql]
        connection = second

        [DEFAULT]
        sql_connection = first
    """,
    )
    plan, before = check(tmp_path, [('file', path)])
    assert before[('database', 'connection')] == 'first'
    assert 'second' not in plan.files[0].migrated


def test_config_dir_old_name_in_later_file_still_wins(tmp_path):
    confdir = tmp_path / 'conf.d'
    write(
        confdir / '10-base.conf',
        """
        [DEFAULT]
        new_name = from-base
        hook = h1
        workers = 2
    """,
    )
    write(
        confdir / '20-override.conf',
        """
        [DEFAULT]
        old_name = from-override
        old_hook = h2
        workers = 3
    """,
    )
    main = write(
        tmp_path / 'main.conf',
        """
        [DEFAULT]
        worker_count = 1
    """,
    )
    plan, before = check(tmp_path, [('file', main), ('dir', str(confdir))])
    assert before[('DEFAULT', 'new_name')] == 'from-override'
    assert before[('DEFAULT', 'hook')] == ['h1', 'h2']
    assert before[('DEFAULT', 'workers')] == 3
    duplicates = [c for c in plan.all_changes() if c.kind == 'duplicate']
    names = sorted(c.old_name for c in duplicates)
    assert names == ['hook', 'new_name', 'workers']
    workers = next(c for c in duplicates if c.old_name == 'workers')
    assert '3 files' in workers.message
    assert workers.file.endswith('20-override.conf')


def test_live_option_that_is_also_an_old_name_is_not_moved(tmp_path):
    path = write(
        tmp_path / 'a.conf',
        """
        [key_manager]
        auth_url = http://keystone:5000/v3
    """,
    )
    plan, before = check(tmp_path, [('file', path)])
    migrated = plan.files[0].migrated
    assert migrated.startswith(plan.files[0].original)
    assert '[barbican]\nauth_endpoint = http://keystone:5000/v3\n' in migrated
    assert kinds(plan) == ['copy']


def test_live_alias_is_not_copied_when_the_new_name_is_set(tmp_path):
    path = write(
        tmp_path / 'a.conf',
        """
        [key_manager]
        auth_url = http://a

        [barbican]
        auth_endpoint = http://b
    """,
    )
    plan, before = check(tmp_path, [('file', path)])
    assert not plan.changed


def test_live_options_deprecated_for_removal_are_reported_never_removed(
    tmp_path,
):
    text = """
        [DEFAULT]
        plain = 1
        # nobody reads this
        gone = x
        new_name = y
    """
    path = write(tmp_path / 'a.conf', text)
    for remove_obsolete in (False, True):
        plan = migrate.Migrator(
            fake_opts.catalog(), remove_obsolete=remove_obsolete
        ).plan([path])
        assert not plan.changed
        (obsolete,) = plan.all_changes()
        assert obsolete.kind == 'obsolete'
        assert 'Nothing reads it any more.' in obsolete.message
        assert 'still reads it; kept' in obsolete.message


def test_unknown_options_and_groups_left_alone_and_reported(tmp_path):
    path = write(
        tmp_path / 'a.conf',
        """
        [DEFAULT]
        wrokers = 3
        mystery = 1

        [nowhere]
        a = 1
        b = 2
    """,
    )
    plan = migrate.Migrator(fake_opts.catalog()).plan([path])
    assert not plan.changed
    changes = plan.all_changes()
    assert [c.kind for c in changes] == ['unknown', 'unknown', 'unknown-group']
    assert "did you mean 'workers'" in changes[0].message
    assert all('oslo-config-check' in c.message for c in changes)


def test_hyphenated_name_is_reported_not_made_effective(tmp_path):
    path = write(
        tmp_path / 'a.conf',
        """
        [DEFAULT]
        log-file = /var/log/ignored.log
    """,
    )
    plan, before = check(tmp_path, [('file', path)])
    # oslo.config looks files up by dest: the line has no effect today.
    assert before[('DEFAULT', 'log_file')] is None
    assert not plan.changed
    assert kinds(plan) == ['ignored-spelling']


def test_group_name_case_is_matched_like_oslo_config(tmp_path):
    path = write(
        tmp_path / 'a.conf',
        """
        [Database]
        sql_max_pool_size = 3

        [DEFAULT]
        sql_max_pool_size = 7
    """,
    )
    plan, before = check(tmp_path, [('file', path)])
    assert before[('database', 'max_pool_size')] == 7


def test_file_without_trailing_newline(tmp_path):
    path = str(tmp_path / 'a.conf')
    with open(path, 'w') as stream:
        stream.write('[DEFAULT]\nsql_max_pool_size = 3')
    plan, _ = check(tmp_path, [('file', path)])
    assert (
        plan.files[0].migrated
        == '[DEFAULT]\n\n[database]\nmax_pool_size = 3\n'
    )


def test_bad_syntax_names_file_and_line_and_touches_nothing(tmp_path):
    path = write(
        tmp_path / 'a.conf',
        """
        [DEFAULT]
        old_name = x
        admin_token s3cr3t-no-equals
    """,
    )
    before = open(path).read()
    with pytest.raises(migrate.MigrationError) as err:
        migrate.Migrator(fake_opts.catalog()).plan([path])
    message = str(err.value)
    assert path in message and 'line 3' in message
    assert "No ':' or '=' found" in message
    assert 's3cr3t' not in message
    assert open(path).read() == before


def test_read_only_file_is_refused_and_untouched(tmp_path):
    path = write(tmp_path / 'a.conf', '[DEFAULT]\nold_name = x\n')
    os.chmod(path, 0o444)
    plan = migrate.Migrator(fake_opts.catalog()).plan([path])
    with pytest.raises(migrate.MigrationError, match='read-only'):
        migrate.apply(plan)
    assert open(path).read() == '[DEFAULT]\nold_name = x\n'
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o444)


def test_interrupted_write_leaves_the_original(tmp_path, monkeypatch):
    path = write(tmp_path / 'a.conf', '[DEFAULT]\nold_name = x\n')
    plan = migrate.Migrator(fake_opts.catalog()).plan([path])

    def crash(fd):
        raise KeyboardInterrupt  # as if the process were killed mid-write

    monkeypatch.setattr(os, 'fsync', crash)
    with pytest.raises(KeyboardInterrupt):
        migrate.apply(plan)
    assert open(path).read() == '[DEFAULT]\nold_name = x\n'
    assert os.listdir(tmp_path) == ['a.conf']  # no temp file left


def test_in_place_keeps_mode_and_writes_backup(tmp_path):
    path = write(tmp_path / 'a.conf', '[DEFAULT]\nold_name = x\n')
    os.chmod(path, 0o640)
    plan = migrate.Migrator(fake_opts.catalog()).plan([path])
    assert migrate.apply(plan, backup_suffix='.orig') == [path]
    assert open(path).read() == '[DEFAULT]\nnew_name = x\n'
    assert open(path + '.orig').read() == '[DEFAULT]\nold_name = x\n'
    assert os.stat(path).st_mode & 0o777 == 0o640


def test_file_changed_after_planning_is_not_overwritten(tmp_path):
    path = write(tmp_path / 'a.conf', '[DEFAULT]\nold_name = x\n')
    plan = migrate.Migrator(fake_opts.catalog()).plan([path])
    with open(path, 'a') as stream:
        stream.write('plain = 2\n')
    with pytest.raises(migrate.MigrationError, match='changed since'):
        migrate.apply(plan)


def test_missing_sources_are_errors(tmp_path):
    with pytest.raises(migrate.MigrationError, match='not found'):
        migrate.expand_sources([('file', str(tmp_path / 'nope.conf'))])
    with pytest.raises(migrate.MigrationError, match='not found'):
        migrate.expand_sources([('dir', str(tmp_path / 'nope.d'))])


# -- generated configs ----------------------------------------------------

_LINES = {
    'DEFAULT': [
        'new_name = n',
        'old_name = o',
        'workers = 1',
        'worker_count = 2',
        'hook = h',
        'old_hook = oh',
        'plain = p',
        'sql_connection = s',
        'sql_max_pool_size = 4',
        'admin_token = t',
        'service_token = st',
        '# a comment',
        '',
    ],
    'database': ['connection = c', 'max_pool_size = 9', '# db', ''],
    'sql': ['connection = sc', ''],
    'key_manager': ['auth_url = ka'],
    'barbican': ['auth_endpoint = ba'],
    'backend_1': ['volume_dir = vd', 'volumes_dir = vs', 'driver = d'],
    # a list with two old names in two groups (nova's [pci] device_spec)
    'pci': ['device_spec = d', 'passthrough_whitelist = w', ''],
}
_LINES['DEFAULT'].append('pci_passthrough_whitelist = p')

_section = st.sampled_from(sorted(_LINES)).flatmap(
    lambda name: st.tuples(
        st.just(name),
        st.lists(st.sampled_from(_LINES[name]), max_size=6),
    )
)
_file = st.lists(_section, min_size=1, max_size=5)


def _render(sections, salt):
    out = []
    for index, (name, lines) in enumerate(sections):
        out.append(f'[{name}]\n')
        for number, line in enumerate(lines):
            if '=' in line:  # distinct (numeric) values show who won
                line = f'{line}{salt}{index}{number}'
            out.append(line + '\n')
    return ''.join(out)


@hypothesis.settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
)
@hypothesis.given(files=st.lists(_file, min_size=1, max_size=3))
def test_generated_configs_keep_their_meaning(tmp_path_factory, files):
    tmp_path = tmp_path_factory.mktemp('gen')
    sources = []
    for number, sections in enumerate(files):
        path = tmp_path / f'{number}.conf'
        path.write_text(_render(sections, str(number + 1)))
        sources.append(('file', str(path)))
    plan, _before, _after, warnings = _oslo.migrate_and_compare(
        fake_opts.catalog(),
        fake_opts.list_opts(),
        sources,
        BACKENDS,
        tmp_path=tmp_path,
    )
    if not any(c.kind == 'manual' for c in plan.all_changes()):
        assert _oslo.renamed_warnings(warnings) == []


def test_dynamic_groups_named_by_an_option(tmp_path):
    from oslo_config import cfg

    catalog = fake_opts.catalog()
    catalog.add_opts(None, [cfg.ListOpt('enabled_backends')])
    catalog.add_opts(
        cfg.OptGroup('volume_backend', dynamic_group_owner='enabled_backends'),
        fake_opts.BACKEND_OPTS,
    )
    path = write(
        tmp_path / 'a.conf',
        """
        [DEFAULT]
        enabled_backends = fast, slow

        [fast]
        volumes_dir = /fast

        [slow]
        volume_dir = /slow
        volumes_dir = /ignored
    """,
    )
    list_opts = fake_opts.list_opts() + [
        (None, [cfg.ListOpt('enabled_backends')])
    ]
    plan, before, _after, warnings = _oslo.migrate_and_compare(
        catalog,
        list_opts,
        [('file', path)],
        {'fast': 'backend', 'slow': 'backend'},
        tmp_path=tmp_path,
    )
    assert _oslo.renamed_warnings(warnings) == []
    assert before[('fast', 'volume_dir')] == '/fast'
    assert sorted(c.kind for c in plan.all_changes()) == ['conflict', 'rename']
