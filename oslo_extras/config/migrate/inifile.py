"""A line-preserving editor for oslo.config INI files.

The parser follows oslo.config's own grammar (``oslo_config.iniparser``)
line for line, so an entry here is exactly what oslo.config reads: the same
sections, keys, continuation lines, comment rules and quote stripping, and
the same syntax errors. Edits are recorded against the original lines and
applied once by :meth:`IniFile.render`; every line no edit touches comes
out byte for byte as it went in.

Why not configupdater: renaming a key there regenerates the whole option as
``key = value``, which drops a ``key: value`` delimiter and the indentation
of continuation lines (a multi-line value then no longer parses). Moving a
value with the comments above it needs line-level control anyway.
"""

from __future__ import annotations

import dataclasses

from oslo_extras.config.catalog import normalize_group


class IniSyntaxError(Exception):
    """The file is not valid oslo.config INI syntax.

    :param path: the file
    :param lineno: the 1-based line number
    :param line: the offending line
    :param reason: what is wrong, in oslo.config's words
    """

    def __init__(self, path: str, lineno: int, line: str, reason: str):
        self.path = path
        self.lineno = lineno
        self.line = line
        self.reason = reason
        super().__init__(f'{path}:{lineno}: {reason}: {line.strip()!r}')


@dataclasses.dataclass(eq=False)
class Entry:
    """One ``key = value`` assignment (with its continuation lines).

    :param section: the section name as written
    :param key: the key as written
    :param value: the value as oslo.config reads it
    :param start: index of the first line (0-based)
    :param end: index after the last continuation line
    """

    section: str
    key: str
    value: str
    start: int
    end: int
    #: the normalised group name (what oslo.config looks up)
    group: str = ''

    def __post_init__(self) -> None:
        self.group = self.group or normalize_group(self.section)

    @property
    def lineno(self) -> int:
        return self.start + 1


@dataclasses.dataclass(eq=False)
class Section:
    """One ``[name]`` header and the lines up to the next header."""

    name: str
    header: int
    end: int
    group: str = ''

    def __post_init__(self) -> None:
        self.group = self.group or normalize_group(self.name)


@dataclasses.dataclass(eq=False)
class _EntryEdit:
    key: str | None = None
    value: str | None = None
    group: str | None = None
    before: Entry | None = None
    removed: bool = False
    #: when the move was recorded: moves before one anchor keep this order
    sequence: int = 0


class IniFile:
    """A parsed config file that records edits and renders the new text.

    :param path: the file name, used in errors and reports
    :param text: the file content
    :raises IniSyntaxError: when oslo.config could not parse the file
    """

    def __init__(self, path: str, text: str):
        self.path = path
        self.text = text
        # Split on '\n' only, as reading a file line by line does.
        self.lines = text.split('\n')
        self.lines = [line + '\n' for line in self.lines[:-1]] + (
            [self.lines[-1]] if self.lines[-1] else []
        )
        #: the file's line ending, used for the lines migration adds
        self.eol = (
            '\r\n' if self.lines and self.lines[0].endswith('\r\n') else '\n'
        )
        self.entries: list[Entry] = []
        self.sections: list[Section] = []
        self._index: dict[tuple[str, str], list[Entry]] | None = None
        self._parse()
        self._edits: dict[int, _EntryEdit] = {}
        self._added: list[tuple[str, list[str], Entry | None]] = []
        self._moves = 0

    @classmethod
    def read(cls, path: str) -> IniFile:
        """Read and parse ``path`` (UTF-8)."""
        # newline='' keeps CRLF files CRLF when they are written back.
        with open(path, encoding='utf-8', newline='') as stream:
            return cls(path, stream.read())

    # -- parsing (mirrors oslo_config.iniparser.BaseParser.parse) ---------

    def _error(self, index: int, reason: str) -> IniSyntaxError:
        return IniSyntaxError(
            self.path, index + 1, self.lines[index].rstrip('\r\n'), reason
        )

    def _parse(self) -> None:
        section: Section | None = None
        current: Entry | None = None
        values: list[str] = []

        def flush() -> None:
            nonlocal current, values
            if current is not None:
                current.value = '\n'.join(values)
                self.entries.append(current)
            current, values = None, []

        for index, raw in enumerate(self.lines):
            line = raw.rstrip()
            if not line:
                flush()
                continue
            if line.startswith((' ', '\t')):
                if current is None:
                    raise self._error(index, 'Unexpected continuation line')
                values.append(line.lstrip())
                current.end = index + 1
                continue
            flush()
            if line.startswith('['):
                if not line.endswith(']'):
                    raise self._error(
                        index, 'Invalid section (must end with ])'
                    )
                if len(line) <= 2:
                    raise self._error(index, 'Empty section name')
                if section is not None:
                    section.end = index
                section = Section(line[1:-1], index, len(self.lines))
                self.sections.append(section)
            elif line.startswith(('#', ';')):
                continue
            else:
                key, value = _split_key_value(line)
                if key is None:
                    raise self._error(
                        index, "No ':' or '=' found in assignment"
                    )
                if not key:
                    raise self._error(index, 'Key cannot be empty')
                if section is None:
                    raise self._error(
                        index, 'Section must be started before assignment'
                    )
                current = Entry(
                    section.name, key, '', index, index + 1, section.group
                )
                values = [value]
        flush()

    # -- queries ----------------------------------------------------------

    def find(self, group: str, key: str) -> list[Entry]:
        """Return the entries for ``[group] key`` in file order."""
        if self._index is None:
            self._index = {}
            for entry in self.entries:
                self._index.setdefault((entry.group, entry.key), []).append(
                    entry
                )
        return list(self._index.get((normalize_group(group), key), ()))

    def lookup(self, group: str, key: str) -> str | None:
        """Return the value oslo.config reads for ``[group] key`` here."""
        found = self.find(group, key)
        return found[-1].value if found else None

    def has_group(self, group: str) -> bool:
        group = normalize_group(group)
        return any(s.group == group for s in self.sections)

    # -- recording edits --------------------------------------------------

    def _edit(self, entry: Entry) -> _EntryEdit:
        return self._edits.setdefault(id(entry), _EntryEdit())

    def edited(self, entry: Entry) -> bool:
        """Return True when an edit already touches ``entry``."""
        return id(entry) in self._edits

    def removed(self, entry: Entry) -> bool:
        """Return True when ``entry`` is to be removed."""
        edit = self._edits.get(id(entry))
        return edit is not None and edit.removed

    def rename(
        self,
        entry: Entry,
        key: str,
        group: str | None = None,
        before: Entry | None = None,
    ) -> None:
        """Give ``entry`` a new key and, when ``group`` differs, move it.

        :param before: put the entry just before this one (which must be in
            the target group); by default a moved entry goes to the end of
            the target section, and a renamed one stays where it is
        """
        edit = self._edit(entry)
        edit.key = key
        if group is not None and normalize_group(group) != entry.group:
            edit.group = normalize_group(group)
        if before is not None:
            edit.group = before.group
            edit.before = before
            self._moves += 1
            edit.sequence = self._moves

    def keep(self, entry: Entry) -> None:
        """Leave ``entry`` as it is: no later rule may touch it.

        For lines a migration left to the operator (a manual step needs
        them), so that no generic rule removes them meanwhile.
        """
        self._edit(entry)

    def set_value(self, entry: Entry, value: str) -> None:
        """Replace the value of ``entry`` (one line, no newline)."""
        if '\n' in value:
            raise ValueError('a value set by migration must be one line')
        self._edit(entry).value = value

    def remove(self, entry: Entry) -> None:
        """Delete ``entry`` with the comment lines directly above it."""
        self._edit(entry).removed = True

    def add(
        self,
        group: str,
        key: str,
        value: str,
        near: Entry | None = None,
        comments: list[str] | None = None,
    ) -> None:
        """Add ``key = value`` to ``group`` (creating the section).

        :param near: put the new line where this entry is (when it is in the
            same group), which keeps folded values where the old ones were
        :param comments: comment lines to put above it (those of the lines
            folded into it, from :meth:`comment_lines`)
        """
        if '\n' in value:
            raise ValueError('a value set by migration must be one line')
        block = [
            line if line.endswith('\n') else line + self.eol
            for line in comments or ()
        ]
        block.append(f'{key} = {value}{self.eol}')
        self._added.append((normalize_group(group), block, near))

    def comment_lines(self, entry: Entry) -> list[str]:
        """Return the comment lines directly above ``entry``."""
        return list(self.lines[self._comment_start(entry) : entry.start])

    @property
    def changed(self) -> bool:
        return self.render() != self.text

    # -- rendering --------------------------------------------------------

    def _comment_start(self, entry: Entry) -> int:
        start = entry.start
        while (
            start > 0
            and self.lines[start - 1].lstrip().startswith(('#', ';'))
            and not self.lines[start - 1].startswith((' ', '\t'))
        ):
            start -= 1
        return start

    def _blank(self, index: int) -> bool:
        return 0 <= index < len(self.lines) and not self.lines[index].strip()

    def _unit(self, entry: Entry) -> tuple[int, int, bool]:
        """Return (start, end, lead_blank) of an entry with its comments.

        The blank line before a commented entry travels with it when the
        entry is a paragraph of its own (a blank line or section end after
        it too), so neither the old nor the new place gets a double blank.
        """
        start = self._comment_start(entry)
        after_ends = (
            entry.end >= len(self.lines)
            or self._blank(entry.end)
            or self.lines[entry.end].startswith('[')
        )
        lead = self._blank(start - 1) and after_ends and start < entry.start
        return (start - 1 if lead else start), entry.end, lead

    def _entry_lines(self, entry: Entry, edit: _EntryEdit) -> list[str]:
        lines = list(self.lines[entry.start : entry.end])
        first = lines[0]
        if edit.value is not None:
            cut = _delimiter_end(first)
            newline = first[len(first.rstrip('\r\n')) :]
            lines = [first[:cut] + edit.value + newline]
            first = lines[0]
        if edit.key is not None and edit.key != entry.key:
            lines[0] = edit.key + first[len(entry.key) :]
        if not lines[-1].endswith('\n'):
            lines[-1] += self.eol
        return lines

    def render(self) -> str:
        """Return the file text with every recorded edit applied."""
        if not self._edits and not self._added:
            return self.text
        drop: set[int] = set()
        replace: dict[int, list[str]] = {}
        before: dict[int, list[str]] = {}
        anchored: dict[int, list[tuple[int, list[str]]]] = {}
        tails: dict[str, list[str]] = {}
        for entry in self.entries:
            edit = self._edits.get(id(entry))
            if edit is None:
                continue
            if edit.removed or edit.group or edit.before:
                start, end, lead = self._unit(entry)
                drop.update(range(start, end))
                if edit.removed:
                    continue
                comment = self.lines[self._comment_start(entry) : entry.start]
                block = ([self.eol] if lead else []) + comment
                block += self._entry_lines(entry, edit)
                if edit.before is not None:
                    anchor = self._comment_start(edit.before)
                    anchored.setdefault(anchor, []).append(
                        (edit.sequence, block)
                    )
                else:
                    tails.setdefault(edit.group, []).extend(block)
            elif edit.key is not None or edit.value is not None:
                replace[entry.start] = self._entry_lines(entry, edit)
                drop.update(range(entry.start + 1, entry.end))
        for anchor, blocks in anchored.items():
            for _sequence, block in sorted(blocks, key=lambda b: b[0]):
                before.setdefault(anchor, []).extend(block)
        for group, block, near in self._added:
            if near is not None and near.group == group:
                anchor = self._comment_start(near)
                before.setdefault(anchor, []).extend(block)
            else:
                tails.setdefault(group, []).extend(block)
        self._drop_emptied_sections(drop, tails)

        # Where each target group's tail goes: after the last non-blank
        # line of its last section, or in a new section at the end.
        insert_after: dict[int, list[str]] = {}
        new_sections: list[str] = []
        for group, block in tails.items():
            spans = [
                s
                for s in self.sections
                if s.group == group and s.header not in drop
            ]
            if not spans:
                new_sections.append(group)
                continue
            span = spans[-1]
            last = span.header
            for index in range(span.header, span.end):
                if self.lines[index].strip() and index not in drop:
                    last = index
            insert_after.setdefault(last, []).extend(block)

        out: list[str] = []
        gap = False  # lines were dropped since the last one kept
        for index, line in enumerate(self.lines):
            out.extend(before.get(index, ()))
            if index in replace:
                out.extend(replace[index])
            elif index in drop:
                gap = True
                continue
            elif (
                gap
                and not line.strip()
                and (not out or not out[-1].strip() or out[-1].startswith('['))
            ):
                # no double blank where lines were taken out, nor a blank
                # right below a section header
                continue
            else:
                out.append(line)
            gap = False
            if index in insert_after:
                if out and not out[-1].endswith('\n'):
                    out[-1] += self.eol
                out.extend(insert_after[index])
        out.extend(before.get(len(self.lines), ()))
        if gap and self.lines and self.lines[-1].strip():
            while out and not out[-1].strip():
                out.pop()
        for group in new_sections:
            if out and not out[-1].endswith('\n'):
                out[-1] += self.eol
            if out and out[-1].strip():
                out.append(self.eol)
            block = tails[group]
            if block and not block[0].strip():
                block = block[1:]
            out.append(f'[{group}]{self.eol}')
            out.extend(block)
        return ''.join(out)

    def _drop_emptied_sections(
        self, drop: set[int], tails: dict[str, list[str]]
    ) -> None:
        # A section whose every line went elsewhere is removed with its
        # header, so the old group name does not linger as "unknown".
        for section in self.sections:
            if section.group == 'DEFAULT' or section.group in tails:
                continue
            body = range(section.header + 1, section.end)
            if not any(i in drop for i in body):
                continue
            if all(i in drop or not self.lines[i].strip() for i in body):
                drop.add(section.header)
                drop.update(body)


def _split_key_value(line: str) -> tuple[str | None, str]:
    colon = line.find(':')
    equal = line.find('=')
    if colon < 0 and equal < 0:
        return None, ''
    if colon < 0 or (equal >= 0 and equal < colon):
        key, value = line[:equal], line[equal + 1 :]
    else:
        key, value = line[:colon], line[colon + 1 :]
    value = value.strip()
    if value and value[0] == value[-1] and value.startswith(('"', "'")):
        value = value[1:-1]
    return key.strip(), value


def _delimiter_end(line: str) -> int:
    """Return the index just after the delimiter and the spaces after it."""
    colon = line.find(':')
    equal = line.find('=')
    if colon < 0 or (equal >= 0 and equal < colon):
        cut = equal + 1
    else:
        cut = colon + 1
    while cut < len(line) and line[cut] in ' \t':
        cut += 1
    return cut
