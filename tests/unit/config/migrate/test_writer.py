"""Writing a plan: all files or none, symlinks, owners, rollback, output."""

import errno
import os

import pytest

from oslo_extras import _fileutils
from oslo_extras.cmd import config_migrate
from oslo_extras.config import migrate
from tests.unit.config.migrate import fake_opts

OLD = '[DEFAULT]\nold_name = x\n'
NEW = '[DEFAULT]\nnew_name = x\n'


def plan_for(*paths):
    return migrate.Migrator(fake_opts.catalog()).plan(list(paths))


def make(path, text=OLD):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode())
    return str(path)


def test_crlf_file_is_migrated_in_place(tmp_path):
    path = make(tmp_path / 'a.conf', OLD.replace('\n', '\r\n'))
    assert migrate.apply(plan_for(path)) == [path]
    assert open(path, 'rb').read() == NEW.replace('\n', '\r\n').encode()


def test_symlink_is_written_through_to_its_target(tmp_path):
    target = make(tmp_path / 'git' / 'nova.conf')
    os.chmod(target, 0o640)
    link = tmp_path / 'etc' / 'nova.conf'
    link.parent.mkdir()
    link.symlink_to(target)
    assert migrate.apply(plan_for(str(link)), backup_suffix='.orig') == [
        str(link)
    ]
    assert link.is_symlink()
    assert open(target).read() == NEW
    assert os.stat(target).st_mode & 0o777 == 0o640
    assert open(str(link) + '.orig').read() == OLD


@pytest.mark.skipif(os.geteuid() != 0, reason='only root can chown')
def test_file_and_backup_keep_the_owner(tmp_path):
    path = make(tmp_path / 'a.conf')
    os.chown(path, 4242, 4343)
    migrate.apply(plan_for(path), backup_suffix='.orig')
    for name in (path, path + '.orig'):
        stat = os.stat(name)
        assert (stat.st_uid, stat.st_gid) == (4242, 4343), name


def test_backup_owner_copied_without_root(tmp_path, monkeypatch):
    # The same check where chown cannot really run: it is asked for.
    calls = []
    monkeypatch.setattr(os, 'chown', lambda p, u, g: calls.append(p))
    path = make(tmp_path / 'a.conf')
    migrate.apply(plan_for(path), backup_suffix='.orig')
    assert any(c.startswith(str(tmp_path / '.a.conf.orig')) for c in calls)


def test_failure_on_the_second_file_restores_the_first(tmp_path, monkeypatch):
    first = make(tmp_path / 'a.conf')
    second = make(tmp_path / 'b.conf')
    plan = plan_for(first, second)
    real_replace = os.replace

    def replace(src, dst):
        if dst == second:
            raise OSError(errno.EIO, 'I/O error', dst)
        return real_replace(src, dst)

    monkeypatch.setattr(os, 'replace', replace)
    with pytest.raises(migrate.MigrationError) as error:
        migrate.apply(plan)
    monkeypatch.undo()
    assert 'b.conf: cannot replace' in str(error.value)
    assert 'no file was changed' in str(error.value)
    assert 'left untouched' not in str(error.value)
    assert open(first).read() == OLD
    assert open(second).read() == OLD
    assert sorted(os.listdir(tmp_path)) == ['a.conf', 'b.conf']


def test_refusal_of_one_file_writes_none(tmp_path):
    first = make(tmp_path / 'a.conf')
    second = make(tmp_path / 'b.conf')
    plan = plan_for(first, second)
    with open(second, 'a') as stream:
        stream.write('plain = 1\n')
    with pytest.raises(migrate.MigrationError, match='b.conf: changed'):
        migrate.apply(plan)
    assert open(first).read() == OLD


def test_full_disk_leaves_no_empty_backup(tmp_path, monkeypatch):
    path = make(tmp_path / 'a.conf')
    old_backup = make(tmp_path / 'a.conf.orig', 'an older backup\n')
    plan = plan_for(path)
    real_stage = _fileutils.stage

    def stage(target, data, stat=None):
        if target.endswith('.orig'):
            raise OSError(errno.ENOSPC, 'No space left on device', target)
        return real_stage(target, data, stat)

    monkeypatch.setattr(_fileutils, 'stage', stage)
    with pytest.raises(migrate.MigrationError, match='No space left'):
        migrate.apply(plan, backup_suffix='.orig')
    assert open(path).read() == OLD
    assert open(old_backup).read() == 'an older backup\n'
    assert sorted(os.listdir(tmp_path)) == ['a.conf', 'a.conf.orig']


def test_copy_atomically_never_truncates_on_a_full_disk(tmp_path, monkeypatch):
    source = make(tmp_path / 'a.conf')
    real_fdopen = os.fdopen

    class Full:
        def __init__(self, stream):
            self.stream = stream

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.stream.close()

        def write(self, data):
            raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(
        os, 'fdopen', lambda fd, mode: Full(real_fdopen(fd, mode))
    )
    with pytest.raises(OSError):
        _fileutils.copy_atomically(source, source + '.bak')
    assert sorted(os.listdir(tmp_path)) == ['a.conf']


def test_rollback_restores_the_last_run(tmp_path):
    first = make(tmp_path / 'a.conf')
    second = make(tmp_path / 'd' / 'b.conf')
    migrate.apply(plan_for(first, second))
    assert open(first).read() == NEW
    assert sorted(migrate.rollback()) == sorted([first, second])
    assert open(first).read() == OLD
    assert open(second).read() == OLD
    with pytest.raises(migrate.MigrationError, match='already rolled-back'):
        migrate.rollback()


def test_rollback_refuses_a_file_edited_since(tmp_path):
    first = make(tmp_path / 'a.conf')
    second = make(tmp_path / 'b.conf')
    migrate.apply(plan_for(first, second))
    with open(second, 'a') as stream:
        stream.write('plain = 1\n')
    with pytest.raises(migrate.MigrationError, match='b.conf: edited since'):
        migrate.rollback()
    assert open(first).read() == NEW  # nothing restored


def test_cli_rollback(tmp_path, capsys):
    path = make(tmp_path / 'a.conf')
    state = str(tmp_path / 'state')
    args = ['--namespace', 'oslo.log', '--config-file', path]
    path_log = make(tmp_path / 'a.conf', '[DEFAULT]\nlogdir = /x\n')
    assert path_log == path
    assert (
        config_migrate.main([*args, '--in-place', '--state-dir', state]) == 0
    )
    assert open(path).read() == '[DEFAULT]\nlog_dir = /x\n'
    assert 'written: ' + path in capsys.readouterr().err
    assert config_migrate.main(['--rollback', '--state-dir', state]) == 0
    assert open(path).read() == '[DEFAULT]\nlogdir = /x\n'
    assert config_migrate.main(['--rollback', '--state-dir', state]) == 2


def test_output_dir_mirrors_same_named_files(tmp_path, capsys):
    main = make(tmp_path / 'etc' / 'svc.conf', '[DEFAULT]\nlogdir = /a\n')
    extra = make(
        tmp_path / 'etc' / 'svc.conf.d' / 'svc.conf',
        '[DEFAULT]\nlogdir = /b\n',
    )
    out = tmp_path / 'out'
    code = config_migrate.main(
        [
            '--namespace',
            'oslo.log',
            '--config-file',
            main,
            '--config-dir',
            os.path.dirname(extra),
            '--output',
            str(out) + '/',
        ]
    )
    assert code == 0
    assert (out / 'svc.conf').read_text() == '[DEFAULT]\nlog_dir = /a\n'
    assert (out / 'svc.conf.d' / 'svc.conf').read_text() == (
        '[DEFAULT]\nlog_dir = /b\n'
    )
    written = capsys.readouterr().err.split('written: ')[1].split(', ')
    assert sorted(w.strip() for w in written) == [
        str(out / 'svc.conf'),
        str(out / 'svc.conf.d' / 'svc.conf'),
    ]


def test_output_never_overwrites_an_input(tmp_path, capsys):
    a = make(tmp_path / 'a.conf', '[DEFAULT]\nlogdir = /a\n')
    b = make(tmp_path / 'b.conf', '[DEFAULT]\nlogdir = /b\n')
    args = ['--namespace', 'oslo.log', '--config-file', a, '--config-file', b]
    assert config_migrate.main([*args, '--output', str(tmp_path)]) == 2
    assert 'would overwrite the input' in capsys.readouterr().err
    assert open(a).read() == '[DEFAULT]\nlogdir = /a\n'


@pytest.mark.skipif(os.geteuid() != 0, reason='only root can chown')
def test_owner_that_cannot_be_kept_is_refused(tmp_path, monkeypatch):
    # A non-root operator in the file's group may rewrite it, but cannot
    # give the new file away: it would silently become theirs, and a
    # service that reads it through the group (root:nova 0640) could no
    # longer read its config. Found running as ``nobody`` (member of
    # ``adm``) on a root:adm 0660 file: it became nobody:nogroup.
    path = make(tmp_path / 'a.conf')
    os.chown(path, 4242, 4343)

    def chown(target, uid, gid, **kw):
        raise PermissionError(errno.EPERM, 'Operation not permitted')

    monkeypatch.setattr(os, 'chown', chown)  # as for a non-root operator
    with pytest.raises(migrate.MigrationError) as info:
        migrate.apply(plan_for(path), state_dir=str(tmp_path / 'state'))
    assert 'owner' in str(info.value)
    assert 'no file was changed' in str(info.value)
    assert open(path).read() == OLD
    assert [n for n in os.listdir(tmp_path) if 'a.conf' in n] == ['a.conf']


def test_write_errors_name_the_file_not_a_temp_file(tmp_path, monkeypatch):
    # A full disk fails os.write with no file name ("staging: cannot
    # write"), a read-only mount names the vanished temp file: the one
    # line must name the operator's file.
    path = make(tmp_path / 'a.conf')
    for error in (
        OSError(errno.ENOSPC, 'No space left on device'),
        OSError(errno.EROFS, 'Read-only file system', str(tmp_path / '.a.x')),
    ):

        def stage(target, data, stat=None, error=error):
            raise error

        monkeypatch.setattr(_fileutils, 'stage', stage)
        with pytest.raises(migrate.MigrationError) as info:
            migrate.apply(plan_for(path), state_dir=str(tmp_path / 'st'))
        assert str(info.value).startswith(f'{path}: cannot write: ')
        assert open(path).read() == OLD


@pytest.mark.parametrize(
    'journal',
    ['[]', '{"status": "done", "files": [{"path": "x"}]}', '{"files": 3}'],
)
def test_cli_rollback_with_a_damaged_journal_is_one_line(
    tmp_path, capsys, journal
):
    # A journal edited by hand, or written by another version: valid JSON
    # of the wrong shape gave a traceback and exit 1.
    (tmp_path / 'last-run.json').write_text(journal)
    code = config_migrate.main(['--rollback', '--state-dir', str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count('\n') == 1
    assert 'unreadable journal' in err
