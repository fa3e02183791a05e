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
        shutil.copy2(path, path + backup_suffix)

    fd, tmp_path = tempfile.mkstemp(
        prefix='.' + os.path.basename(path) + '.', suffix='.tmp', dir=directory
    )
    try:
        with os.fdopen(fd, 'wb') as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        if stat is not None:
            os.chmod(tmp_path, stat.st_mode & 0o7777)
            if hasattr(os, 'chown'):
                try:
                    os.chown(tmp_path, stat.st_uid, stat.st_gid)
                except PermissionError:
                    # Only root may give a file away; keep ours then.
                    pass
        os.replace(tmp_path, path)
    except BaseException:
        try:
            os.unlink(tmp_path)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(directory)


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
