"""The release catalog: names only past releases knew."""

import pytest

from oslo_extras.cmd import config_migrate
from oslo_extras.config import migrate
from oslo_extras.config.migrate.history import ReleaseCatalog
from tests.unit.config.migrate import fake_opts
from tests.unit.config.migrate.test_engine import check
from tests.unit.config.migrate.test_engine import write

SERIES = ['juno', 'kilo', 'liberty', 'mitaka', 'newton', 'queens']
DATA = {
    'series': SERIES,
    'renames': [
        {
            'package': 'fake',
            'old_group': 'DEFAULT',
            'old_name': 'db_url',
            'new_group': 'database',
            'new_name': 'connection',
            'release': 'kilo',
        },
        {
            'package': 'fake',
            'old_group': 'sql',
            'old_name': 'pool',
            'new_group': 'database',
            'new_name': 'pool_size',
            'release': 'mitaka',
        },
        {
            'package': 'fake',
            'old_group': 'database',
            'old_name': 'pool_size',
            'new_group': 'database',
            'new_name': 'max_pool_size',
            'release': 'queens',
        },
    ],
    'removals': [
        {
            'package': 'fake.log',
            'group': 'DEFAULT',
            'name': 'verbose',
            'release': 'newton',
            'last_release': 'mitaka',
            'hint': 'Use debug instead.',
        },
    ],
}


def plan(tmp_path, text, **kw):
    path = write(tmp_path / 'a.conf', text)
    history = ReleaseCatalog(DATA, **kw)
    return migrate.Migrator(fake_opts.catalog(), history=history).plan([path])


def test_a_name_only_a_past_release_knew_is_migrated(tmp_path):
    path = write(
        tmp_path / 'a.conf',
        """
        [DEFAULT]
        # the database
        db_url = sqlite:///old.db
        plain = 1
        """,
    )
    history = ReleaseCatalog(DATA)
    migrator = migrate.Migrator(fake_opts.catalog(), history=history)
    result = migrator.plan([path])
    assert result.files[0].migrated == (
        '[DEFAULT]\nplain = 1\n\n[database]\n# the database\n'
        'connection = sqlite:///old.db\n'
    )
    (change,) = result.all_changes()
    assert change.plugin == 'release-catalog'
    assert 'fake kilo: [DEFAULT] db_url -> [database] connection' in (
        change.message
    )
    # The secret value of the target option is masked in the diff.
    assert 'old.db' not in result.diff()


def test_renames_are_followed_across_releases(tmp_path):
    result = plan(tmp_path, '[sql]\npool = 7\n')
    assert result.files[0].migrated == '[database]\nmax_pool_size = 7\n'


def test_current_name_in_the_same_file_wins_over_a_past_name(tmp_path):
    path = write(
        tmp_path / 'a.conf',
        """
        [DEFAULT]
        db_url = sqlite:///old.db

        [database]
        connection = sqlite:///new.db
        """,
    )
    result = migrate.Migrator(
        fake_opts.catalog(), history=ReleaseCatalog(DATA)
    ).plan([path])
    assert 'db_url' not in result.files[0].migrated
    assert [c.kind for c in result.all_changes()] == ['conflict']


def test_removed_option_is_reported_and_removed_only_on_request(tmp_path):
    text = '[DEFAULT]\nverbose = true\nplain = 1\n'
    result = plan(tmp_path, text)
    assert not result.changed
    (change,) = result.all_changes()
    assert change.kind == 'removed'
    assert 'removed in newton (fake.log; last in mitaka)' in change.message
    assert 'Use debug instead.' in change.message
    path = write(tmp_path / 'a.conf', text)
    result = migrate.Migrator(
        fake_opts.catalog(),
        remove_obsolete=True,
        history=ReleaseCatalog(DATA),
    ).plan([path])
    assert result.files[0].migrated == '[DEFAULT]\nplain = 1\n'


def test_from_and_to_release_narrow_the_span(tmp_path):
    result = plan(tmp_path, '[DEFAULT]\ndb_url = x\n', from_release='kilo')
    assert [c.kind for c in result.all_changes()] == ['unknown']
    result = plan(tmp_path, '[sql]\npool = 7\n', to_release='newton')
    # The second rename (queens) is out of the span: nothing declared.
    assert not result.changed
    with pytest.raises(ValueError, match="unknown release 'diablo'"):
        ReleaseCatalog(DATA, from_release='diablo')


def test_cli_rejects_an_unknown_release(tmp_path, capsys):
    path = write(tmp_path / 'a.conf', '[DEFAULT]\nplain = 1\n')
    args = ['--namespace', 'oslo.log', '--config-file', path]
    assert config_migrate.main([*args, '--from-release', 'diablo']) == 2
    assert 'unknown release' in capsys.readouterr().err


def test_generated_configs_still_keep_their_meaning_with_history(tmp_path):
    # Known names are never touched by the history.
    path = write(
        tmp_path / 'a.conf',
        """
        [DEFAULT]
        old_name = a
        sql_connection = sqlite://
        """,
    )
    check(tmp_path, [('file', path)], history=ReleaseCatalog(DATA))


def test_lines_left_for_a_manual_step_are_never_removed(tmp_path):
    from oslo_extras.config.catalog import OptionCatalog
    from oslo_extras.config.migrate.plugins import load_migrations

    data = {
        'series': SERIES,
        'renames': [],
        'removals': [
            {
                'package': 'oslo.messaging',
                'group': 'DEFAULT',
                'name': 'rabbit_host',
                'release': 'queens',
                'last_release': 'newton',
                'hint': '',
            }
        ],
    }
    path = write(tmp_path / 'a.conf', '[DEFAULT]\nrabbit_host = $my_ip\n')
    result = migrate.Migrator(
        OptionCatalog.from_namespaces(['oslo.messaging']),
        load_migrations(['rabbit-transport-url']),
        remove_obsolete=True,
        history=ReleaseCatalog(data),
    ).plan([path])
    assert not result.changed
    assert [c.kind for c in result.all_changes()] == ['manual']


def test_only_the_packages_of_the_namespaces_count(tmp_path):
    data = dict(DATA, packages={'fake': [], 'fake.log': []})
    path = write(tmp_path / 'a.conf', '[DEFAULT]\nverbose = true\n')
    history = ReleaseCatalog(data, namespaces=['fake'])
    result = migrate.Migrator(fake_opts.catalog(), history=history).plan(
        [path]
    )
    assert [c.kind for c in result.all_changes()] == ['unknown']
    history = ReleaseCatalog(data, namespaces=['fake.log.extra'])
    assert history.removal('DEFAULT', 'verbose')['package'] == 'fake.log'


def test_shipped_catalog_knows_the_classic_names():
    history = ReleaseCatalog.load()
    assert set(history.packages) >= {
        'oslo.messaging',
        'oslo.db',
        'oslo.log',
        'oslo.cache',
        'keystonemiddleware',
        'nova',
        'cinder',
        'glance',
        'neutron',
        'keystone',
    }
    for package, releases in history.packages.items():
        assert releases and all(r['version'] for r in releases), package
    renames = {
        (e['old_group'], e['old_name']): (e['new_group'], e['new_name'])
        for e in history._renames.values()
    }
    assert renames[('DEFAULT', 'sql_connection')] == ('database', 'connection')
    assert renames[('database', 'idle_timeout')] == (
        'database',
        'connection_recycle_time',
    )
    assert renames[('oslo_messaging_rabbit', 'rabbit_use_ssl')] == (
        'oslo_messaging_rabbit',
        'ssl',
    )
    assert renames[('vnc', 'vncserver_listen')] == ('vnc', 'server_listen')
    verbose = history.removal('DEFAULT', 'verbose')
    assert (verbose['package'], verbose['release']) == ('oslo.log', 'ocata')
    rpc_backend = history.removal('DEFAULT', 'rpc_backend')
    assert rpc_backend['package'] == 'oslo.messaging'
    assert 'transport_url' in rpc_backend['hint']


def test_removed_name_an_installed_library_declares_is_kept(
    tmp_path, monkeypatch
):
    # Its package dropped it, but a library the service may run on still
    # reads it (nova's [DEFAULT] log_options lives on in oslo.service).
    from oslo_extras.config.migrate import installed

    monkeypatch.setattr(
        installed, '_index', lambda: {('DEFAULT', 'verbose'): ('oslo.fake',)}
    )
    text = '[DEFAULT]\nverbose = true\nplain = 1\n'
    path = write(tmp_path / 'a.conf', text)
    result = migrate.Migrator(
        fake_opts.catalog(),
        remove_obsolete=True,
        history=ReleaseCatalog(DATA),
    ).plan([path])
    assert not result.changed
    (change,) = result.all_changes()
    assert change.kind == 'removed'
    assert 'oslo.fake still declare it; kept' in change.message
