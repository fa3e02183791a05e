"""A reload reads again only what changed: it must equal a full read.

``Reloader.reload()`` keeps the installed value of every option whose raw
file input is unchanged (``oslo_extras.config.reload.changed``) and
re-checks only changed entries with the per-entry checks. These tests
compare it with reading everything from scratch, through substitutions,
deprecated names, overrides and registrations.
"""

import tempfile

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from oslo_config import cfg

from oslo_extras.config.reload import NEEDS_RESTART
from oslo_extras.config.reload import Reloader
from oslo_extras.config.reload import candidate
from tests.unit.config.reload.conftest import write


def _register(conf):
    conf.register_opts(
        [
            cfg.StrOpt('state_path', default='/var/lib/svc', mutable=True),
            cfg.StrOpt('lock_path', default='$state_path/lock', mutable=True),
            cfg.IntOpt('workers', default=1, mutable=True),
            cfg.IntOpt('fixed', default=1),
            cfg.StrOpt(
                'host',
                default='h',
                mutable=True,
                deprecated_name='old_host',
            ),
        ]
    )
    conf.register_opts(
        [
            cfg.IntOpt('pool', default=1, min=1, mutable=True),
            cfg.StrOpt(
                'url',
                default='x',
                mutable=True,
                deprecated_group='DEFAULT',
                deprecated_name='db_url',
            ),
            cfg.StrOpt('where', default='', mutable=True),
        ],
        group='db',
    )


def _conf(path):
    conf = cfg.ConfigOpts()
    _register(conf)
    conf(['--config-file', str(path)], default_config_files=[])
    return conf


def _fresh_values(path):
    values, invalid = candidate.current_values(_conf(path))
    assert not invalid
    return values


LINES = st.sampled_from(
    [
        ('DEFAULT', 'state_path = /srv/a'),
        ('DEFAULT', 'state_path = /srv/b'),
        ('DEFAULT', 'workers = 3'),
        ('DEFAULT', 'workers = 4'),
        ('DEFAULT', 'old_host = legacy'),
        ('DEFAULT', 'host = modern'),
        ('DEFAULT', 'db_url = old://'),
        ('DEFAULT', 'fixed = 7'),
        ('db', 'url = new://'),
        ('db', 'pool = 2'),
        ('db', 'pool = 9'),
        ('db', 'where = $state_path/db'),
        ('db', 'where = ${workers}x'),
    ]
)


def _render(lines):
    groups = {'DEFAULT': [], 'db': []}
    for group, line in lines:
        groups[group].append(line)
    text = ''
    for group, body in groups.items():
        text += f'[{group}]\n' + ''.join(f'{line}\n' for line in body)
    return text


@settings(max_examples=30, deadline=None)
@given(edits=st.lists(st.lists(LINES, max_size=6), min_size=1, max_size=5))
def test_incremental_reload_equals_a_full_read(edits):
    with tempfile.TemporaryDirectory() as tmp:
        path = f'{tmp}/svc.conf'
        write(path, _render([]))
        conf = _conf(path)
        reloader = Reloader(conf)
        for lines in edits:
            write(path, _render(lines))
            report = reloader.reload()
            assert report.applied, report.as_text()
            fresh = _fresh_values(path)
            got = dict(reloader.snapshot().values())
            for key, value in fresh.items():
                if key == ('DEFAULT', 'fixed'):
                    continue  # immutable: keeps its value until restart
                assert got[key] == value, (key, lines)
                assert (
                    conf._get(key[1], None if key[0] == 'DEFAULT' else key[0])
                    == got[key]
                )


def test_a_substitution_follows_the_option_it_names(tmp_path):
    path = tmp_path / 'svc.conf'
    write(path, '[DEFAULT]\nstate_path = /a\n[db]\nwhere = $state_path/db\n')
    conf = _conf(path)
    reloader = Reloader(conf)
    write(path, '[DEFAULT]\nstate_path = /b\n[db]\nwhere = $state_path/db\n')

    report = reloader.reload()

    assert conf.db.where == '/b/db' and conf.lock_path == '/b/lock'
    assert {(c.group, c.option) for c in report.changes} == {
        ('DEFAULT', 'state_path'),
        ('DEFAULT', 'lock_path'),
        ('db', 'where'),
    }


def test_override_set_between_reloads_is_read(tmp_path):
    path = tmp_path / 'svc.conf'
    write(path, '[DEFAULT]\nworkers = 2\n')
    conf = _conf(path)
    reloader = Reloader(conf)
    conf.set_override('host', 'pinned')
    write(path, '[DEFAULT]\nworkers = 3\n')

    report = reloader.reload()

    assert report.change('DEFAULT', 'host').new == 'pinned'
    assert conf.host == 'pinned' and conf.workers == 3


def test_needs_restart_is_reported_on_every_reload(tmp_path):
    path = tmp_path / 'svc.conf'
    write(path, '[DEFAULT]\nfixed = 1\n')
    conf = _conf(path)
    reloader = Reloader(conf)
    write(path, '[DEFAULT]\nfixed = 2\n')
    assert reloader.reload().change('DEFAULT', 'fixed').status == NEEDS_RESTART
    write(path, '[DEFAULT]\nfixed = 2\nworkers = 5\n')

    report = reloader.reload()

    assert report.change('DEFAULT', 'fixed').status == NEEDS_RESTART
    assert conf.fixed == 1 and conf.workers == 5


def test_unchanged_typo_stays_a_warning_with_its_new_line(tmp_path):
    path = tmp_path / 'svc.conf'
    write(path, '[DEFAULT]\nworkres = 2\n')
    conf = _conf(path)
    reloader = Reloader(conf)
    write(path, '[DEFAULT]\nworkers = 3\n\nworkres = 2\n')

    report = reloader.reload()

    assert report.applied and conf.workers == 3
    [warning] = [w for w in report.warnings if 'workres' in w]
    assert f'{path}:4:' in warning and 'already' in warning
    # A new typo on a changed line still refuses.
    write(path, '[DEFAULT]\nworkers = 3\nhots = x\n\nworkres = 2\n')
    report = reloader.reload()
    assert not report.applied
    assert any('hots' in e for e in report.errors)
    assert not any('workres' in e for e in report.errors)


def test_a_substituted_value_gone_bad_is_rechecked(tmp_path):
    path = tmp_path / 'svc.conf'
    write(path, '[DEFAULT]\nstate_path = 5\n[db]\npool = $state_path\n')
    conf = _conf(path)
    reloader = Reloader(conf)
    assert conf.db.pool == 5
    write(path, '[DEFAULT]\nstate_path = 0\n[db]\npool = $state_path\n')

    report = reloader.reload()

    assert not report.applied and conf.db.pool == 5
    assert any('pool' in e for e in report.errors)


def test_duplicate_under_an_old_name_added_by_an_edit_is_reported(tmp_path):
    path = tmp_path / 'svc.conf'
    write(path, '[DEFAULT]\nhost = a\nworkers = 2\n')
    conf = _conf(path)
    reloader = Reloader(conf)
    write(path, '[DEFAULT]\nhost = a\nworkers = 2\nold_host = b\n')

    report = reloader.reload()

    assert any('duplicate-option' in w for w in report.warnings)
    # Unchanged on the next edit: still reported, not twice.
    write(path, '[DEFAULT]\nhost = a\nworkers = 3\nold_host = b\n')
    report = reloader.reload()
    assert len([w for w in report.warnings if 'duplicate-option' in w]) == 1


def test_cleared_override_is_read_again(tmp_path):
    path = tmp_path / 'svc.conf'
    write(path, '[DEFAULT]\nhost = from-file\n')
    conf = _conf(path)
    conf.set_override('host', 'pinned')
    reloader = Reloader(conf)
    assert conf.host == 'pinned'
    conf.clear_override('host')
    # A refused reload in between must not lose track of it.
    write(path, '[DEFAULT]\nhost = from-file\nworkers = none\n')
    assert not reloader.reload().applied
    write(path, '[DEFAULT]\nhost = from-file\nworkers = 2\n')

    reloader.reload()

    assert conf.host == 'from-file'
