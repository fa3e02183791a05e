"""The command line shared by the corpus renderers (render*.py).

Each renderer maps output paths to rendered text; this writes them, or with
``--check`` reports the committed files that differ from a fresh rendering.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable


def write_or_check(
    prog: str, render_all: Callable[[], dict[str, str]], argv: list[str]
) -> int:
    """Write the rendered files, or check them (``--check``): 1 if stale."""
    check = argv == ['--check']
    stale = []
    for path, text in render_all().items():
        if check:
            with open(path) as stream:
                if stream.read() != text:
                    stale.append(path)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as stream:
            stream.write(text)
    for path in stale:
        print(f'{prog}: {path} differs from its template', file=sys.stderr)
    return 1 if stale else 0
