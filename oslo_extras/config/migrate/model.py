"""What a migration plan is made of: changes, per-file results, the plan.

A plan is computed in memory and never touches the files; it carries the
original and migrated text of each file, so ``--dry-run``, ``--check``,
``--output`` and ``--in-place`` all work from the same object.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from typing import Any

from oslo_extras.config import masking
from oslo_extras.config.migrate.inifile import IniFile
from oslo_extras.config.migrate.inifile import IniSyntaxError

#: Change kinds that rewrite the file.
EDIT_KINDS = frozenset(
    {'rename', 'move', 'conflict', 'remove', 'copy', 'plugin'}
)
#: Change kinds that only report (the file keeps the line).
REPORT_KINDS = frozenset(
    {
        'obsolete',
        'removed',
        'unknown',
        'unknown-group',
        'duplicate',
        'ignored-spelling',
        'manual',
        'warning',
    }
)


@dataclasses.dataclass(frozen=True)
class Change:
    """One thing the migration does to a file, or reports about it.

    :param kind: one of :data:`EDIT_KINDS` or :data:`REPORT_KINDS`
    :param file: the config file
    :param line: the 1-based line in the original file, if any
    :param old_group: the group of the line as found
    :param old_name: the option name as found
    :param new_group: where the value goes (edits only)
    :param new_name: the name it gets (edits only)
    :param plugin: the migration plugin that made the change, if any
    :param message: a human sentence; never contains a secret value
    """

    kind: str
    file: str
    line: int | None = None
    old_group: str | None = None
    old_name: str | None = None
    new_group: str | None = None
    new_name: str | None = None
    plugin: str | None = None
    message: str = ''

    @property
    def edits(self) -> bool:
        return self.kind in EDIT_KINDS

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def __str__(self) -> str:
        where = f'{self.file}:{self.line}' if self.line else self.file
        tag = f'{self.kind}/{self.plugin}' if self.plugin else self.kind
        return f'{where}: [{tag}] {self.message}'


@dataclasses.dataclass
class FilePlan:
    """The migration of one file.

    :param path: the file
    :param original: its text before
    :param migrated: its text after
    :param changes: what was done or found, in line order
    """

    path: str
    original: str
    migrated: str
    changes: list[Change] = dataclasses.field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.original != self.migrated


@dataclasses.dataclass
class MigrationPlan:
    """The migration of a set of files (config files and config dirs).

    :param files: per-file plans, in oslo.config's parse order
    :param changes: findings that concern several files (duplicates)
    :param secret_keys: option names whose values are secret
    :param secrets: secret values that must never be shown
    """

    files: list[FilePlan] = dataclasses.field(default_factory=list)
    changes: list[Change] = dataclasses.field(default_factory=list)
    secret_keys: set[str] = dataclasses.field(default_factory=set)
    secrets: set[str] = dataclasses.field(default_factory=set)

    @property
    def changed(self) -> bool:
        """True when applying the plan would modify any file."""
        return any(f.changed for f in self.files)

    def all_changes(self) -> list[Change]:
        out = [c for f in self.files for c in f.changes]
        return out + self.changes

    def diff(self) -> str:
        """Return a unified diff of every file, secret values masked."""
        chunks = []
        for plan in self.files:
            if not plan.changed:
                continue
            lines = difflib.unified_diff(
                self.mask_text(plan.original).splitlines(keepends=True),
                self.mask_text(plan.migrated).splitlines(keepends=True),
                fromfile=plan.path,
                tofile=plan.path + ' (migrated)',
            )
            for line in lines:
                if not line.endswith('\n'):
                    line += '\n\\ No newline at end of file\n'
                chunks.append(self.mask(line))
        return ''.join(chunks)

    def is_secret_key(self, key: str) -> bool:
        """True when values of option ``key`` must not be shown."""
        key = key.strip().replace('-', '_').lower()
        # Unknown options have no ``secret`` flag: go by their name.
        return key in self.secret_keys or bool(_SECRET_NAME.search(key))

    def mask_text(self, text: str) -> str:
        """Return a config file's text with every secret value masked.

        Works on whole entries, so the continuation lines of a multi-line
        secret are masked too; the number of lines stays the same.
        """
        try:
            ini = IniFile('', text)
        except IniSyntaxError:
            return text  # the per-line masking of :meth:`mask` still runs
        lines = list(ini.lines)
        for entry in ini.entries:
            if not self.is_secret_key(entry.key):
                continue
            first = lines[entry.start]
            match = _ASSIGNMENT.match(first.rstrip('\r\n'))
            if match:
                eol = first[len(first.rstrip('\r\n')) :]
                lines[entry.start] = match.group(1) + masking.MASK + eol
            for index in range(entry.start + 1, entry.end):
                line = lines[index]
                if line.strip():
                    indent = line[: len(line) - len(line.lstrip())]
                    eol = line[len(line.rstrip('\r\n')) :]
                    lines[index] = indent + masking.MASK + eol
        return ''.join(lines)

    def mask(self, text: str) -> str:
        """Hide secret values in one diff or report line."""
        match = _ASSIGNMENT.match(text)
        if match:
            if self.is_secret_key(match.group(2)):
                text = match.group(1) + masking.MASK + '\n'
        text = _URL_PASSWORD.sub(r'\1' + masking.MASK + r'\3', text)
        return masking.scrub(text, sorted(self.secrets, key=len, reverse=True))

    def to_dict(self) -> dict[str, Any]:
        return {
            'changed': self.changed,
            'files': [
                {'path': f.path, 'changed': f.changed} for f in self.files
            ],
            'changes': [c.to_dict() for c in self.all_changes()],
        }


# The password of a URL such as mysql://user:PASSWORD@host/db. Up to the
# last '@' of the host entry: a password may hold '@' unescaped
# (urllib, and so oslo.messaging, split there).
_URL_PASSWORD = re.compile(
    r'((?:\b[a-z][\w+.-]*://|,)[^:/@\s,]*:)([^\s,]+)(@)'
)
_SECRET_NAME = re.compile(
    r'pass(word|wd|phrase)?$|secret|token|credential|(^|_)key$|encryption'
)
# A diff line that assigns a value: prefix, key, delimiter, value.
_ASSIGNMENT = re.compile(r'^([-+ ]?([A-Za-z0-9_.\-]+)\s*[=:]\s*)(.*)$')
