"""Let reno read a merge commit that adds a note on one side and edits it.

reno 4.1's scanner aggregates a merge commit's changes per note: a note
new on one side (``add`` against that parent) and edited in the merge
(``modify`` against the other) is neither of the combinations it knows,
and the whole release-notes build fails with "Unrecognized changes".
Such a merge is ordinary when a branch that wrote a note merges main.
For reno, the note is simply added there: keep the ``add`` and drop the
``modify`` of the same path in that commit. Everything else goes to reno
unchanged. ``tests/unit/docs/test_reno_merge_notes.py`` fails loudly when
reno's scanner changes.
"""

from __future__ import annotations

from dulwich import diff_tree
from reno import scanner

_ADD_AND_MODIFY = {diff_tree.CHANGE_ADD, diff_tree.CHANGE_MODIFY}
_original = scanner._ChangeAggregator.aggregate_changes


def _aggregate_changes(self, walk_entry, changes):
    kept = []
    for change in changes:
        if (
            isinstance(change, list)
            and {c.type for c in change} == _ADD_AND_MODIFY
        ):
            change = [c for c in change if c.type == diff_tree.CHANGE_ADD]
        kept.append(change)
    return _original(self, walk_entry, kept)


def setup(app):
    scanner._ChangeAggregator.aggregate_changes = _aggregate_changes
    return {'parallel_read_safe': True}
