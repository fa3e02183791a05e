"""Literal blocks (``::``) of README.rst and specs/*.rst, for the tests."""

from __future__ import annotations

import dataclasses
import glob
import os

ROOT = os.path.dirname(
    os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    )
)
DOCUMENTS = ['README.rst', *sorted(glob.glob('specs/*.rst', root_dir=ROOT))]


@dataclasses.dataclass(frozen=True)
class Snippet:
    path: str
    line: int
    text: str

    @property
    def first_line(self) -> str:
        return self.text.strip().splitlines()[0].strip()

    @property
    def id(self) -> str:
        return f'{self.path}:{self.line}'


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def extract(path: str) -> list[Snippet]:
    """Every literal block of an RST file, dedented, with its line."""
    with open(os.path.join(ROOT, path)) as stream:
        lines = stream.read().split('\n')
    found = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.rstrip().endswith('::') and not line.lstrip().startswith('..'):
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            body = []
            while j < len(lines) and (
                not lines[j].strip() or _indent(lines[j]) > _indent(line)
            ):
                body.append(lines[j])
                j += 1
            if body:
                margin = min(_indent(b) for b in body if b.strip())
                text = '\n'.join(b[margin:] for b in body).strip('\n')
                found.append(Snippet(path, i + 2, text + '\n'))
            i = j
            continue
        i += 1
    return found


def all_snippets() -> list[Snippet]:
    return [s for path in DOCUMENTS for s in extract(path)]
