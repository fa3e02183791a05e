"""Write a migration plan to disk: all files or none, and undo it later.

A run over several files must never leave half of them migrated. So every
new text is first *staged* (a temp file beside its target, flushed, with the
target's mode and owner), the originals are copied into a *journal* in the
state directory, and only then are the staged files renamed over their
targets, one ``os.replace`` each. When a rename fails, the files already
replaced are put back from the journal's copies; the error names what could
not be restored, if anything. ``rollback()`` restores the last run from the
journal, refusing files that were edited since.

Symlinks are followed: the file written is the link's target (a
``nova.conf`` that points into a git checkout stays a link). Backups and
restored files keep their owner. Every copy goes through a temp file and a
rename, so a full disk leaves no empty or truncated backup.
"""

from __future__ import annotations

import dataclasses
import grp
import hashlib
import json
import os
import pwd
import shutil
import time
from collections.abc import Callable
from collections.abc import Sequence

from oslo_extras import _fileutils
from oslo_extras.config.migrate.errors import MigrationError
from oslo_extras.config.migrate.model import MigrationPlan

JOURNAL = 'last-run.json'


def default_state_dir() -> str:
    """Return where journals and their copies live (XDG state dir)."""
    base = os.environ.get('XDG_STATE_HOME') or os.path.join(
        os.path.expanduser('~'), '.local', 'state'
    )
    return os.path.join(base, 'oslo-config-migrate')


@dataclasses.dataclass
class _Target:
    path: str  # as named by the operator
    real: str  # the file written (symlinks resolved)
    before: bytes
    after: bytes
    temp: str | None = None
    saved: str | None = None  # the journal's copy of ``before``
    replaced: bool = False


def apply(
    plan: MigrationPlan,
    backup_suffix: str | None = None,
    state_dir: str | None = None,
) -> list[str]:
    """Write every changed file of ``plan`` in place; return their paths.

    All or nothing: every file is checked (still as planned, writable) and
    staged before the first one is replaced, and a failure while replacing
    puts the replaced ones back.

    :param backup_suffix: also keep each old file as ``FILE+SUFFIX``
    :param state_dir: where the journal for :func:`rollback` is kept
        (:func:`default_state_dir` by default)
    :raises MigrationError: when a file changed since it was planned, is
        read-only, or cannot be written; the message says which files, if
        any, were left changed
    """
    targets = _targets(plan)
    if not targets:
        return []
    state_dir = state_dir or default_state_dir()
    run_dir = os.path.join(state_dir, 'runs', _run_id())
    # What is being written, for the error: os.write on a full disk names
    # no file, and a temp file's name means nothing to the operator.
    writing = ''
    try:
        for target in targets:
            writing = target.path
            target.temp = _fileutils.stage(target.real, target.after)
            _check_owner(target)
        writing = run_dir
        os.makedirs(run_dir, mode=0o700, exist_ok=True)
        for index, target in enumerate(targets):
            target.saved = os.path.join(run_dir, str(index))
            writing = target.saved
            _fileutils.copy_atomically(target.real, target.saved)
        if backup_suffix:
            for target in targets:
                writing = target.path + backup_suffix
                _fileutils.copy_atomically(target.real, writing)
        journal = _journal(run_dir, targets)
        writing = os.path.join(state_dir, JOURNAL)
        try:
            previous = _load_journal(state_dir, missing_ok=True)
        except MigrationError:
            previous = {}  # a damaged journal is replaced by this run's
        _write_journal(state_dir, journal)
    except OSError as exc:
        _discard(targets)
        shutil.rmtree(run_dir, ignore_errors=True)
        raise MigrationError(
            f'{writing}: cannot write: {exc.strerror or exc}; no file was '
            'changed'
        ) from exc
    except BaseException:
        _discard(targets)
        shutil.rmtree(run_dir, ignore_errors=True)
        raise
    try:
        for target in targets:
            writing = target.path
            os.replace(target.temp, target.real)
            target.replaced = True
    except BaseException as exc:
        _discard(targets)
        failed = _restore_replaced(targets)
        journal['status'] = 'rolled-back' if not failed else 'failed'
        _write_journal(state_dir, journal)
        if failed:
            left = ', '.join(failed)
            outcome = f'migrated and could not be restored: {left}'
        else:
            outcome = 'every file was restored; no file was changed'
        if isinstance(exc, OSError):
            raise MigrationError(
                f'{writing}: cannot replace: {exc.strerror or exc}; {outcome}'
            ) from exc
        raise
    journal['status'] = 'done'
    _write_journal(state_dir, journal)
    if previous and previous.get('run_dir') != run_dir:
        shutil.rmtree(previous.get('run_dir', ''), ignore_errors=True)
    return [t.path for t in targets]


def rollback(state_dir: str | None = None) -> list[str]:
    """Restore the files the last :func:`apply` changed; return them.

    :raises MigrationError: when there is nothing to roll back, or a file
        was edited after the run (then nothing is restored)
    """
    state_dir = state_dir or default_state_dir()
    journal = _load_journal(state_dir)
    if journal.get('status') not in ('done', 'swapping', 'failed'):
        raise MigrationError(
            f'{os.path.join(state_dir, JOURNAL)}: the last run was already '
            f'{journal.get("status")}; nothing to roll back'
        )
    targets = []
    for entry in journal['files']:
        try:
            with open(entry['real'], 'rb') as stream:
                current = stream.read()
            with open(entry['saved'], 'rb') as stream:
                saved = stream.read()
        except OSError as exc:
            raise MigrationError(
                f'{exc.filename}: cannot read: {exc.strerror}; nothing '
                'was restored'
            ) from exc
        if _digest(current) == entry['before']:
            continue  # never replaced (an interrupted run)
        if _digest(current) != entry['after']:
            raise MigrationError(
                f'{entry["path"]}: edited since the migration; nothing was '
                'restored (restore it from its backup by hand)'
            )
        targets.append(_Target(entry['path'], entry['real'], current, saved))
    _replace_all(targets, 'cannot restore', 'restored so far')
    journal['status'] = 'rolled-back'
    _write_journal(state_dir, journal)
    return [t.path for t in targets]


def write_outputs(pairs: Sequence[tuple[str, str]]) -> list[str]:
    """Write ``(path, text)`` pairs as new files, all or none.

    :raises MigrationError: when a file cannot be written (none is then
        left behind)
    """
    targets = [
        _Target(path, path, b'', text.encode('utf-8')) for path, text in pairs
    ]
    _replace_all(
        targets,
        'cannot write',
        'written before the failure',
        prepare=_make_parent_dir,
    )
    return [t.path for t in targets]


def _make_parent_dir(target: _Target) -> None:
    os.makedirs(
        os.path.dirname(os.path.abspath(target.real)) or '.', exist_ok=True
    )


def _replace_all(
    targets: list[_Target],
    failure: str,
    done: str,
    prepare: Callable[[_Target], None] | None = None,
) -> None:
    """Stage every target's new bytes, then rename each into place.

    :param failure: what the error says could not be done (``cannot write``)
    :param done: what the error calls the files already replaced
    :param prepare: run for each target just before it is staged
    :raises MigrationError: on an ``OSError``; the staged temporary files
        are removed, the files already replaced are named
    """
    try:
        for target in targets:
            if prepare is not None:
                prepare(target)
            target.temp = _fileutils.stage(target.real, target.after)
        for target in targets:
            os.replace(target.temp, target.real)
            target.replaced = True
    except OSError as exc:
        _discard(targets)
        raise MigrationError(
            f'{exc.filename or "?"}: {failure}: {exc.strerror or exc}; '
            f'{done}: '
            + (', '.join(t.path for t in targets if t.replaced) or 'none')
        ) from exc


def write(path: str, text: str) -> None:
    """Atomically write ``text`` to ``path`` (one file).

    :raises MigrationError: with the file name when writing fails
    """
    write_outputs([(path, text)])


def _targets(plan: MigrationPlan) -> list[_Target]:
    targets: list[_Target] = []
    seen: dict[str, str] = {}
    for file_plan in plan.files:
        if not file_plan.changed:
            continue
        path = file_plan.path
        real = os.path.realpath(path)
        if real in seen:
            raise MigrationError(
                f'{path}: same file as {seen[real]}; name it once'
            )
        seen[real] = path
        try:
            with open(real, 'rb') as stream:
                current = stream.read()
            mode = os.stat(real).st_mode
        except OSError as exc:
            raise MigrationError(
                f'{path}: cannot read: {exc.strerror}; no file was changed'
            ) from exc
        before = file_plan.original.encode('utf-8')
        if current != before:
            raise MigrationError(
                f'{path}: changed since it was read; run again (no file '
                'was changed)'
            )
        if not mode & 0o222:
            raise MigrationError(
                f'{path}: file is read-only (mode {mode & 0o777:04o}); make '
                'it writable or use --output (no file was changed)'
            )
        targets.append(
            _Target(path, real, before, file_plan.migrated.encode('utf-8'))
        )
    return targets


def _check_owner(target: _Target) -> None:
    # Only root (or the owner) can give the new file the old one's owner;
    # without it, a file a service reads through its group would silently
    # become the operator's, and the service could no longer read it.
    want = os.stat(target.real)
    got = os.stat(target.temp)
    if (got.st_uid, got.st_gid) != (want.st_uid, want.st_gid):
        raise MigrationError(
            f'{target.path}: cannot keep its owner '
            f'{_user(want.st_uid)}:{_group(want.st_gid)} (only root can '
            'give a file away); run as root or that user, or use --output '
            '(no file was changed)'
        )


def _user(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _group(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def _journal(run_dir: str, targets: list[_Target]) -> dict:
    return {
        'version': 1,
        'time': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
        'status': 'swapping',
        'run_dir': run_dir,
        'files': [
            {
                'path': t.path,
                'real': t.real,
                'saved': t.saved,
                'before': _digest(t.before),
                'after': _digest(t.after),
            }
            for t in targets
        ],
    }


def _restore_replaced(targets: list[_Target]) -> list[str]:
    failed = []
    for target in targets:
        if not target.replaced:
            continue
        try:
            _fileutils.atomic_write(target.real, target.before)
        except OSError:
            failed.append(target.path)
    return failed


def _discard(targets: list[_Target]) -> None:
    for target in targets:
        if target.temp and not target.replaced:
            try:
                os.unlink(target.temp)
            except FileNotFoundError:
                pass


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _run_id() -> str:
    return time.strftime('%Y%m%dT%H%M%S', time.gmtime()) + f'-{os.getpid()}'


def _load_journal(state_dir: str, missing_ok: bool = False) -> dict:
    path = os.path.join(state_dir, JOURNAL)
    try:
        with open(path, encoding='utf-8') as stream:
            journal = json.load(stream)
    except FileNotFoundError:
        if missing_ok:
            return {}
        raise MigrationError(f'{path}: no migration run to roll back')
    except (OSError, ValueError) as exc:
        raise MigrationError(f'{path}: unreadable journal ({exc})') from exc
    # Edited by hand or written by another version: refuse it whole.
    files = journal.get('files') if isinstance(journal, dict) else None
    if not isinstance(files, list) or not all(
        isinstance(f, dict) and _JOURNAL_KEYS <= f.keys() for f in files
    ):
        raise MigrationError(
            f'{path}: unreadable journal (not the shape this version '
            'writes); nothing was restored'
        )
    return journal


_JOURNAL_KEYS = frozenset({'path', 'real', 'saved', 'before', 'after'})


def _write_journal(state_dir: str, journal: dict) -> None:
    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    _fileutils.atomic_write(
        os.path.join(state_dir, JOURNAL), json.dumps(journal, indent=2)
    )
