"""``secrets_dir``: one file per option in a directory tree.

For Kubernetes and Docker secrets and systemd credentials::

    [DEFAULT]
    config_source = secrets

    [secrets]
    driver = secrets_dir
    directory = /run/secrets/nova
    # layout = {group}/{option}        (the default)
    # layout = {group}__{option}       (flat, e.g. systemd credentials)
    # max_mode = 0640                  (0444 for Docker secrets)

``/run/secrets/nova/database/connection`` then gives ``[database]
connection``. One trailing newline is stripped. Paths that escape the
directory (``..``, symlinks pointing out) and files more open than
``max_mode`` are refused.
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


def read_secret_file(path: str, max_mode: int) -> str:
    """Read one secret file; refuse it if its mode is more open than allowed.

    :raises PermissionError: for a file with unsafe permissions
    :raises OSError: when it cannot be read
    """
    with open(path, 'rb') as stream:
        mode = stat.S_IMODE(os.fstat(stream.fileno()).st_mode)
        extra = mode & ~max_mode
        if extra:
            raise PermissionError(
                f'mode {mode:04o} is more open than max_mode {max_mode:04o}'
            )
        data = stream.read()
    text = data.decode('utf-8')
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
    """

    def __init__(
        self,
        directory: str,
        layout: str = DEFAULT_LAYOUT,
        max_mode: int = 0o640,
        **common: Any,
    ) -> None:
        common.setdefault('driver', 'secrets_dir')
        super().__init__(**common)
        self.directory = directory
        self.layout = layout
        self.max_mode = max_mode
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
                result.values[key] = read_secret_file(path, self.max_mode)
            except UnsafePath as exc:
                result.errors[key] = f'refused: {exc}'
            except FileNotFoundError:
                result.errors[key] = f'{result.locations[key]}: no such file'
            except PermissionError as exc:
                result.errors[key] = f'{result.locations[key]}: {exc}'
            except (OSError, UnicodeDecodeError) as exc:
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
                '0444.',
            ),
        ]

    def make_source(self, group: Any, **common: Any) -> SecretsDirSource:
        return SecretsDirSource(
            directory=group.directory,
            layout=group.layout,
            max_mode=_octal(group.max_mode),
            **common,
        )
