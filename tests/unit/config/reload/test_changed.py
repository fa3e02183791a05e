"""What changed between two parses, file by file (``changed.RawFiles``)."""

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from oslo_extras.config.reload import changed

NAMES = st.sampled_from(['a', 'b', 'log-file', 'log_file'])
VALUES = st.sampled_from(['1', '2', '$a', 'x$b'])
FILE = st.dictionaries(
    st.sampled_from(['DEFAULT', 'db']),
    st.dictionaries(NAMES, st.lists(VALUES, min_size=1, max_size=2)),
)


@settings(max_examples=200, deadline=None)
@given(
    old=st.lists(FILE, min_size=1, max_size=3),
    new=st.lists(FILE, min_size=1, max_size=3),
)
def test_following_names_every_entry_a_merge_sees_change(old, new):
    before, after = changed.merge(old), changed.merge(new)
    merged_change = {e for e, _ in set(before.items()) ^ set(after.items())}

    nxt, found = changed.RawFiles(old).following(new)

    # Never fewer than a merge sees (more only when files swap values).
    assert merged_change <= found
    # The ``$`` entries are tracked as if computed from scratch.
    assert nxt.dollar_entries() == changed.RawFiles(new).dollar_entries()
    assert nxt.dollar_entries() == {
        key
        for key, values in after.items()
        if any('$' in value for value in values)
    }


def test_only_the_changed_entries_of_a_changed_file_are_named():
    old = [{'DEFAULT': {'a': ['1'], 'b': ['2']}}, {'db': {'a': ['$b']}}]
    new = [{'DEFAULT': {'a': ['1'], 'b': ['3']}}, {'db': {'a': ['$b']}}]

    nxt, found = changed.RawFiles(old).following(new)

    assert found == {('DEFAULT', 'b')}
    # An unchanged file keeps its ``$`` entries without a new scan.
    assert nxt.dollar[1] == {('db', 'a')}


def test_a_config_dir_file_added_or_removed_compares_merged_values():
    one = [{'DEFAULT': {'a': ['1']}}]
    two = [{'DEFAULT': {'a': ['1']}}, {'DEFAULT': {'b': ['$a']}}]

    nxt, found = changed.RawFiles(one).following(two)
    assert found == {('DEFAULT', 'b')}
    assert nxt.dollar_entries() == {('DEFAULT', 'b')}

    back, found = nxt.following(one)
    assert found == {('DEFAULT', 'b')} and back.dollar_entries() == set()


def test_a_dash_and_an_underscore_name_are_one_entry():
    old = [{'DEFAULT': {'log-file': ['x']}}]
    new = [{'DEFAULT': {'log_file': ['y']}}]

    _, found = changed.RawFiles(old).following(new)

    assert found == {('DEFAULT', 'log_file')}
