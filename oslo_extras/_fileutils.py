"""Atomic file replacement shared by every tool that rewrites operator files.

A rewrite must never leave a half-written file behind: the new content goes
to a temporary file in the same directory, is flushed to disk, gets the
original's mode and owner, and then replaces the original with one
``os.replace`` (atomic on POSIX). An optional backup keeps the old bytes.
"""

from __future__ import annotations

import os
import shutil
import tempfile


def atomic_write(
    path: str,
    data: str | bytes,
    backup_suffix: str | None = None,
    encoding: str = 'utf-8',
) -> None:
    """Replace ``path`` with ``data`` atomically.

    :param path: the file to replace; it may not exist yet
    :param data: the new content (text is encoded with ``encoding``)
    :param backup_suffix: when given, the old file is first copied to
        ``path + backup_suffix`` with its metadata
    :raises OSError: when the directory is not writable or the disk is full;
        the original file is then untouched
    """
    payload = data.encode(encoding) if isinstance(data, str) else data
    directory = os.path.dirname(os.path.abspath(path))
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        stat = None
    if backup_suffix and stat is not None:
        copy_atomically(path, path + backup_suffix)
    tmp_path = stage(path, payload, stat)
    try:
        os.replace(tmp_path, path)
    except BaseException:
        _unlink(tmp_path)
        raise
    _fsync_directory(directory)


def stage(path: str, data: bytes, stat: os.stat_result | None = None) -> str:
    """Write ``data`` to a new temp file beside ``path``; return its name.

    The temp file is flushed to disk and has the mode and owner of
    ``path`` (or of ``stat``), ready to be renamed over it.

    :raises OSError: when it cannot be written (no temp file is left)
    """
    if stat is None:
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            stat = None
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp_path = tempfile.mkstemp(
        prefix='.' + os.path.basename(path) + '.', suffix='.tmp', dir=directory
    )
    try:
        with os.fdopen(fd, 'wb') as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if stat is not None:
            _copy_owner_and_mode(stat, tmp_path)
    except BaseException:
        _unlink(tmp_path)
        raise
    return tmp_path


def copy_atomically(source: str, destination: str) -> None:
    """Copy ``source`` to ``destination`` with its mode, times and owner.

    The copy goes through a temp file and a rename: a full disk leaves
    no empty or truncated ``destination``.
    """
    stat = os.stat(source)
    with open(source, 'rb') as stream:
        data = stream.read()
    tmp_path = stage(destination, data, stat)
    try:
        shutil.copystat(source, tmp_path)
        os.replace(tmp_path, destination)
    except BaseException:
        _unlink(tmp_path)
        raise


def _copy_owner_and_mode(stat: os.stat_result, path: str) -> None:
    os.chmod(path, stat.st_mode & 0o7777)
    if hasattr(os, 'chown'):
        try:
            os.chown(path, stat.st_uid, stat.st_gid)
        except PermissionError:
            # Only root may give a file away; keep ours then.
            pass
        # chown may clear setuid/setgid bits: set the mode again.
        os.chmod(path, stat.st_mode & 0o7777)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _fsync_directory(directory: str) -> None:
    # Makes the rename itself durable; not all filesystems allow it.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
