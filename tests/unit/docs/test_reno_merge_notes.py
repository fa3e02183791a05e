"""Fail loudly when reno's scanner changes what reno_merge_notes patches."""

import os
import sys

from dulwich import diff_tree
from reno import scanner

sys.path.insert(
    0,
    os.path.join(
        os.path.dirname(__file__), '..', '..', '..', 'doc', 'source', '_ext'
    ),
)

import reno_merge_notes  # noqa: E402


class _Entry:
    class commit:  # noqa: N801 (reno reads walk_entry.commit.id)
        id = b'0' * 40


def _change(kind, path):
    side = diff_tree.TreeEntry(path.encode(), 0o100644, b'1' * 40)
    empty = diff_tree.TreeEntry(None, None, None)
    old = empty if kind == diff_tree.CHANGE_ADD else side
    return diff_tree.TreeChange(kind, old, side)


NOTE = 'releasenotes/notes/a-note-0123456789abcdef.yaml'


def test_reno_refuses_add_and_modify_in_one_merge_without_the_patch():
    aggregator = scanner._ChangeAggregator()
    merge = [
        [_change(diff_tree.CHANGE_MODIFY, NOTE), _change('add', NOTE)],
    ]
    try:
        reno_merge_notes._original(aggregator, _Entry, merge)
    except ValueError as exc:
        assert 'Unrecognized changes' in str(exc)
    else:  # reno learnt it: the patch can go
        raise AssertionError('reno handles add+modify merges now')


def test_patched_aggregator_reads_the_merge_as_an_add():
    aggregator = scanner._ChangeAggregator()
    merge = [
        [_change(diff_tree.CHANGE_MODIFY, NOTE), _change('add', NOTE)],
    ]
    (result,) = reno_merge_notes._aggregate_changes(aggregator, _Entry, merge)
    assert result[1] == diff_tree.CHANGE_ADD and result[2] == NOTE
