"""``secrets_dir``: one file per option in a directory tree.

For Kubernetes and Docker secrets and systemd credentials::

    [DEFAULT]
    config_source = secrets

    [secrets]
    driver = secrets_dir
    directory = /run/secrets/nova
    # layout = {group}/{option}        (the default)
    # layout = {group}__{option}       (flat, e.g. systemd credentials)
    # max_mode = 0640                  (0444 Docker, 0644 Kubernetes)
    # max_size = 65536
    # owner = nova

``/run/secrets/nova/database/connection`` then gives ``[database]
connection``. One trailing newline is stripped. Paths that escape the
directory (``..``, symlinks pointing out), files more open than
``max_mode``, anything but a regular file (a FIFO never blocks: files are
opened non-blocking), files over ``max_size`` and, with ``owner`` set,
files of another user are refused. A UTF-8 byte order mark is dropped;
binary content (not UTF-8, or a NUL byte) is refused.
"""

from __future__ import annotations

import os
import re
import stat
from typing import Any

from oslo_config import cfg

from oslo_extras.config.sources import base

DEFAULT_LAYOUT = '{group}/{option}'


class UnsafePath(ValueError):
    """A path escapes the secrets directory."""


def _layout_regex(layout: str) -> re.Pattern[str]:
    if layout.count('{group}') != 1 or layout.count('{option}') != 1:
        raise ValueError(
            f'layout {layout!r} needs exactly one {{group}} and one {{option}}'
        )
    pattern = re.escape(layout)
    pattern = pattern.replace(re.escape('{group}'), r'(?P<group>[^/]+?)')
    pattern = pattern.replace(re.escape('{option}'), r'(?P<option>[^/]+)')
    return re.compile(f'^{pattern}$')


def resolve_inside(directory: str, relative: str) -> str:
    """Return the real path of ``relative`` under ``directory``.

    :raises UnsafePath: when the path, once symlinks are resolved, is not
        inside ``directory``
    """
    if os.path.isabs(relative) or '\0' in relative:
        raise UnsafePath(f'{relative!r} is not a relative path')
    root = os.path.realpath(directory)
    target = os.path.realpath(os.path.join(root, relative))
    if os.path.commonpath([root, target]) != root or target == root:
        raise UnsafePath(f'{relative!r} escapes {directory}')
    return target


#: Largest secret file read by default (bytes): far above any key or
#: certificate chain, far below what would hurt memory.
DEFAULT_MAX_SIZE = 64 * 1024

_BOM = b'\xef\xbb\xbf'
_OPEN_FLAGS = (
    os.O_RDONLY
    | os.O_NONBLOCK  # a FIFO (or a device) must never block CONF()
    | getattr(os, 'O_NOFOLLOW', 0)  # the path is already resolved
    | getattr(os, 'O_NOCTTY', 0)
    | getattr(os, 'O_CLOEXEC', 0)
)


class UnreadableSecret(ValueError):
    """A secret file is refused: not a regular file, too big, wrong mode or
    owner, or not UTF-8 text. The message never holds the content."""


def read_secret_file(
    path: str,
    max_mode: int,
    max_size: int = DEFAULT_MAX_SIZE,
    owner: int | None = None,
) -> str:
    """Read one secret file, refusing anything but a safe, small text file.

    The file is opened non-blocking and checked on the open descriptor
    (no race between check and read): it must be a regular file (a FIFO,
    socket or device such as ``/dev/zero`` is refused), at most
    ``max_size`` bytes, with no permission bits beyond ``max_mode`` and,
    if ``owner`` is given, owned by that uid. A UTF-8 byte order mark is
    dropped; content that is not UTF-8 text, or holds a NUL byte, is
    refused as binary (store binary secrets base64-encoded). One trailing
    newline (``\\n`` or ``\\r\\n``) is stripped.

    :raises UnreadableSecret: for a file refused by those rules
    :raises OSError: when it cannot be opened or read
    """
    fd = os.open(path, _OPEN_FLAGS)
    with os.fdopen(fd, 'rb', buffering=0) as stream:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableSecret('not a regular file')
        mode = stat.S_IMODE(info.st_mode)
        if mode & ~max_mode:
            raise UnreadableSecret(
                f'mode {mode:04o} is more open than max_mode {max_mode:04o}'
            )
        if owner is not None and info.st_uid != owner:
            raise UnreadableSecret(
                f'owned by uid {info.st_uid}, not the required uid {owner}'
            )
        if info.st_size > max_size:
            raise UnreadableSecret(
                f'{info.st_size} bytes, more than max_size {max_size}'
            )
        data = stream.read(max_size + 1)
    if len(data) > max_size:  # grew while we read it
        raise UnreadableSecret(f'more than max_size {max_size} bytes')
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError:
        raise UnreadableSecret(
            'not UTF-8 text (binary secrets are refused: store them '
            'base64-encoded)'
        ) from None
    if '\0' in text:
        raise UnreadableSecret(
            'holds a NUL byte (binary secrets are refused: store them '
            'base64-encoded)'
        )
    if text.endswith('\r\n'):
        return text[:-2]
    if text.endswith('\n'):
        return text[:-1]
    return text


class SecretsDirSource(base.RefreshableSource):
    """Values read from files under one directory.

    :param directory: the root; nothing outside it is ever read
    :param layout: relative path of an option's file, with ``{group}`` and
        ``{option}``
    :param max_mode: permission bits a file may have at most
    :param max_size: bytes a file may have at most
    :param owner: uid every file must belong to, or None for any
    """

    def __init__(
        self,
        directory: str,
        layout: str = DEFAULT_LAYOUT,
        max_mode: int = 0o640,
        max_size: int = DEFAULT_MAX_SIZE,
        owner: int | None = None,
        **common: Any,
    ) -> None:
        common.setdefault('driver', 'secrets_dir')
        super().__init__(**common)
        self.directory = directory
        self.layout = layout
        self.max_mode = max_mode
        self.max_size = max_size
        self.owner = owner
        self._regex = _layout_regex(layout)
        self.scope = directory

    def fetch(self) -> base.FetchResult:
        if not os.path.isdir(self.directory):
            raise base.BackendUnavailable(
                f'{self.directory} is not a readable directory'
            )
        result = base.FetchResult()
        files: dict[base.Key, str] = {}
        for relative in self._walk():
            match = self._regex.match(relative)
            if match:
                key = (_group(match['group']), match['option'])
                files[key] = relative
        files.update(self.mapping)
        for key, relative in files.items():
            result.locations[key] = os.path.join(self.directory, relative)
            try:
                path = resolve_inside(self.directory, relative)
                result.values[key] = read_secret_file(
                    path, self.max_mode, self.max_size, self.owner
                )
            except UnsafePath as exc:
                result.errors[key] = f'refused: {exc}'
            except UnreadableSecret as exc:
                result.errors[key] = f'{result.locations[key]}: refused: {exc}'
            except FileNotFoundError:
                result.errors[key] = f'{result.locations[key]}: no such file'
            except OSError as exc:
                result.errors[key] = (
                    f'{result.locations[key]}: cannot read: '
                    f'{type(exc).__name__}'
                )
        return result

    def _walk(self) -> list[str]:
        """Relative paths of the files, following only links that stay in.

        Hidden entries (Kubernetes' ``..data`` machinery) are skipped; the
        visible names are symlinks into them and resolve inside the tree.
        A link pointing out of the tree is still listed so that reading it
        is refused with a clear error.
        """
        found = []
        seen: set[str] = set()
        for root, dirs, names in os.walk(self.directory, followlinks=True):
            real_root = os.path.realpath(root)
            if real_root in seen:
                dirs[:] = []
                continue
            seen.add(real_root)
            kept = []
            for name in dirs:
                relative = os.path.relpath(
                    os.path.join(root, name), self.directory
                )
                if name.startswith('.'):
                    continue
                try:
                    resolve_inside(self.directory, relative)
                except UnsafePath:
                    found.append(relative)
                    continue
                kept.append(name)
            dirs[:] = kept
            for name in names:
                if not name.startswith('.'):
                    found.append(
                        os.path.relpath(
                            os.path.join(root, name), self.directory
                        )
                    )
        return sorted(set(found))


def _group(name: str) -> str:
    return 'DEFAULT' if name.upper() == 'DEFAULT' else name.lower()


def _octal(value: str) -> int:
    return int(value, 8)


def _uid(owner: str | None) -> int | None:
    """A uid from a user name or a number; None when unset."""
    if not owner:
        return None
    if owner.isdigit():
        return int(owner)
    import pwd

    try:
        return pwd.getpwnam(owner).pw_uid
    except KeyError:
        raise ValueError(f'owner {owner!r}: no such user') from None


class SecretsDirDriver(base.SourceDriver):
    """One file per option under a directory (Kubernetes/Docker secrets,
    systemd credentials): ``<directory>/<group>/<option>``."""

    name = 'secrets_dir'

    def driver_opts(self) -> list[cfg.Opt]:
        return [
            cfg.StrOpt(
                'directory',
                required=True,
                sample_default='/run/secrets/myservice',
                help='Directory holding one file per option.',
            ),
            cfg.StrOpt(
                'layout',
                default=DEFAULT_LAYOUT,
                help="Path of an option's file relative to the directory, "
                'with {group} and {option}.',
            ),
            cfg.StrOpt(
                'max_mode',
                default='0640',
                regex=r'^0?[0-7]{3}$',
                help='Most open permission bits (octal) a secret file may '
                'have; files with more are refused. Docker secrets are '
                '0444 and Kubernetes secret volumes 0644 by default: '
                'set 0444 or 0644 for those (their directory is private '
                'to the container).',
            ),
            cfg.IntOpt(
                'max_size',
                default=DEFAULT_MAX_SIZE,
                min=1,
                help='Largest secret file in bytes; bigger files are '
                'refused, never read whole.',
            ),
            cfg.StrOpt(
                'owner',
                help='User name or uid every secret file must belong to. '
                'Unset: any owner.',
            ),
        ]

    def make_source(self, group: Any, **common: Any) -> SecretsDirSource:
        return SecretsDirSource(
            directory=group.directory,
            layout=group.layout,
            max_mode=_octal(group.max_mode),
            max_size=group.max_size,
            owner=_uid(group.owner),
            **common,
        )
