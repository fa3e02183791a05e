"""Read config files exactly as oslo.config does, keeping line numbers.

oslo.config's parser reports values but not where they were set. This
reader drives the same public ``oslo_config.iniparser.BaseParser`` (so
continuation lines, quoting and comments behave identically) and records the
line every section and assignment starts on.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
from typing import NamedTuple

from oslo_config import iniparser

from oslo_extras.config.catalog import normalize_group


class ConfigFileError(Exception):
    """A config file cannot be read or parsed.

    :param file: the path
    :param line: the 1-based line of the problem, when known
    :param reason: what is wrong, without the offending line's value
    """

    def __init__(self, file: str, line: int | None, reason: str) -> None:
        self.file = file
        self.line = line
        self.reason = reason
        where = f'{file}:{line}' if line else file
        super().__init__(f'{where}: {reason}')


class Entry(NamedTuple):
    """One ``key = value`` assignment as it stands in a file.

    A named tuple: config files have thousands of these, made on every
    validation and reload.
    """

    file: str
    line: int
    section: str
    key: str
    value: str

    @property
    def group(self) -> str:
        """The group oslo.config files this under (``DEFAULT`` or lower)."""
        return normalize_group(self.section)

    @property
    def dest(self) -> str:
        return self.key


class Section(NamedTuple):
    """A ``[section]`` header as it stands in a file."""

    file: str
    line: int
    name: str


@dataclasses.dataclass
class IniFile:
    """The sections and assignments of one file, in file order."""

    path: str
    sections: list[Section]
    entries: list[Entry]


class _LineRecordingParser(iniparser.BaseParser):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.section: str | None = None
        self.sections: list[Section] = []
        self.entries: list[Entry] = []

    def new_section(self, section: str) -> None:
        self.section = section
        self.sections.append(Section(self.path, self.lineno, section))

    def assignment(self, key: str, value: list[str]) -> None:
        # BaseParser flushes an assignment when the line after its last
        # continuation line arrives (parse_file adds a final blank line so
        # that this holds at the end of the file too).
        line = self.lineno - len(value)
        if self.section is None:
            raise ConfigFileError(
                self.path, line, 'assignment before any [section] header'
            )
        self.entries.append(
            Entry(self.path, line, self.section, key, '\n'.join(value))
        )


def parse_file(path: str) -> IniFile:
    """Parse one config file.

    :raises ConfigFileError: when the file is missing, unreadable, not
        UTF-8 or not valid INI; the error names the file and line
    """
    try:
        with open(path, encoding='utf-8') as stream:
            lines = stream.readlines()
    except FileNotFoundError:
        raise ConfigFileError(path, None, 'no such file')
    except PermissionError:
        raise ConfigFileError(path, None, 'permission denied')
    except IsADirectoryError:
        raise ConfigFileError(path, None, 'is a directory, not a file')
    except UnicodeDecodeError as exc:
        line = _line_of_offset(path, exc.start)
        raise ConfigFileError(path, line, 'not valid UTF-8')
    except OSError as exc:
        raise ConfigFileError(path, None, exc.strerror or str(exc))
    if lines and lines[0].startswith('\ufeff'):
        # oslo.config reads the mark as text and fails on line 1 with
        # "No ':' or '=' found", which does not say why.
        raise ConfigFileError(
            path,
            1,
            'the file starts with a byte-order mark (BOM), which oslo.config '
            'reads as text: save it as UTF-8 without BOM',
        )
    parser = _LineRecordingParser(path)
    try:
        parser.parse(lines + [''])
    except iniparser.ParseError as exc:
        # exc.msg describes the problem; the line itself may hold a secret.
        raise ConfigFileError(path, exc.lineno, exc.msg)
    return IniFile(path, parser.sections, parser.entries)


def _line_of_offset(path: str, offset: int) -> int | None:
    try:
        with open(path, 'rb') as stream:
            return stream.read(offset).count(b'\n') + 1
    except OSError:
        return None


def config_dir_files(config_dir: str) -> list[str]:
    """Return the files oslo.config reads from a config dir, in order.

    :raises ConfigFileError: when the directory does not exist or cannot
        be listed (an unreadable dir is not an empty one)
    """
    if not os.path.isdir(config_dir):
        raise ConfigFileError(config_dir, None, 'no such config directory')
    try:
        names = os.listdir(config_dir)
    except PermissionError:
        raise ConfigFileError(
            config_dir, None, 'permission denied: cannot list the directory'
        ) from None
    except OSError as exc:
        raise ConfigFileError(
            config_dir, None, exc.strerror or str(exc)
        ) from None
    # oslo.config globs "*.conf": hidden files do not match.
    return sorted(
        os.path.join(config_dir, name)
        for name in names
        if fnmatch.fnmatch(name, '*.conf') and not name.startswith('.')
    )
