"""Which paths and directories a file watch must follow, symlinks included.

A config file is often not where its name says: a Kubernetes ConfigMap
mounts ``svc.conf -> ..data/svc.conf`` with ``..data -> ..<timestamp>``,
and an operator may link ``/etc/svc.conf`` into a git checkout. An update
then changes a link or the target, never the name the service was given.
:func:`resolve` walks a path one component at a time, the way the kernel
does, and records every symlink it meets; :class:`WatchPlan` turns the
config files and dirs into the exact paths whose events matter and the
directories to watch for them. Call :func:`plan` again after each change:
a swap moves the target to a new directory.
"""

from __future__ import annotations

import dataclasses
import glob
import os

#: The kernel's limit on links followed while resolving one path.
MAX_LINKS = 40


def resolve(path: str) -> tuple[list[str], str]:
    """Return ``(links, target)`` for ``path``.

    :param path: a file or directory path (need not exist)
    :returns: every symlink met while resolving ``path`` (each as a path
        whose parent has no symlink left in it), and the final path; a
        missing component ends the walk there
    """
    links, _, target = walk(path)
    return links, target


def walk(path: str) -> tuple[list[str], list[str], str]:
    """Return ``(links, directories, target)`` for ``path``.

    ``directories`` are the real directories passed through on the way
    (``/``, ``/etc``, ...): renaming one away or replacing it by a symlink
    changes what ``path`` means as much as re-pointing a link does.
    """
    links: list[str] = []
    passed: list[str] = [os.sep]
    current = os.sep
    parts = os.path.abspath(path).split(os.sep)
    while parts:
        part = parts.pop(0)
        if part in ('', '.'):
            continue
        if part == '..':
            # The parent of the resolved directory, as the kernel does.
            current = os.path.dirname(current)
            continue
        candidate = os.path.join(current, part)
        if len(links) < MAX_LINKS and os.path.islink(candidate):
            links.append(candidate)
            try:
                target = os.readlink(candidate)
            except OSError:
                current = candidate
                continue
            if os.path.isabs(target):
                current = os.sep
            parts = target.split(os.sep) + parts
            continue
        current = candidate
        if parts:
            passed.append(current)
    return links, passed, current


@dataclasses.dataclass(frozen=True)
class WatchPlan:
    """What a watch of the config files and dirs must look at.

    :param paths: paths whose events change what a reload reads: each
        config file's links and target, each config dir's links and target,
        each ``*.conf`` entry's links and target
    :param dirs: the resolved config dirs: a ``*.conf`` entry added,
        removed or renamed there changes the config
    :param passed: the real directories those paths are reached through:
        one renamed, deleted or replaced by a symlink (``mv /etc/svc
        /etc/svc.old; ln -s /srv/svc /etc/svc``) changes the config too
    """

    paths: frozenset[str]
    dirs: frozenset[str]
    passed: frozenset[str] = frozenset()

    def directories(self) -> set[str]:
        """Return the directories to watch for every change (not
        recursively)."""
        return {os.path.dirname(p) for p in self.paths} | set(self.dirs)

    def entry_directories(self) -> set[str]:
        """Return the directories to watch only for entries created,
        deleted or renamed (the parents of :attr:`passed`; writes to
        files there, ``/tmp`` say, are not asked of the kernel)."""
        return {
            os.path.dirname(p) for p in self.passed if p != os.sep
        } - self.directories()

    def matches(self, path: str) -> bool:
        """Tell whether an event on ``path`` may change the config."""
        if not path:
            return False
        path = os.path.abspath(path)
        if path in self.paths or path in self.passed:
            return True
        # oslo.config reads ``<dir>/*.conf`` (glob: hidden names excluded).
        name = os.path.basename(path)
        return (
            os.path.dirname(path) in self.dirs
            and name.endswith('.conf')
            and not name.startswith('.')
        )


def plan(files: list[str], dirs: list[str]) -> WatchPlan:
    """Resolve the config files and dirs into a :class:`WatchPlan`."""
    paths: set[str] = set()
    real_dirs: set[str] = set()
    passed: set[str] = set()

    def follow(path: str) -> str:
        links, through, target = walk(path)
        paths.update(links)
        paths.add(target)
        passed.update(through)
        return target

    for path in files:
        follow(path)
    for directory in dirs:
        real = follow(directory)
        real_dirs.add(real)
        for entry in glob.glob(os.path.join(glob.escape(real), '*.conf')):
            follow(entry)
    return WatchPlan(
        frozenset(paths), frozenset(real_dirs), frozenset(passed - paths)
    )
