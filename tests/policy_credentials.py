"""Odd credentials and targets, and the full outcome of a policy call.

Services pass what their context gives: roles as a list of strings, but
also (through bugs, plugins or hand-made contexts) ``None``, ints, nested
lists, tuples, a bare string, missing keys, and targets that are no dict.
SafeEnforcer must give oslo.policy's outcome for every one of them: the same
decision, or the same exception with the same message.
"""

from __future__ import annotations

import collections.abc
import copy
from typing import Any

from hypothesis import strategies as st

ROLE_NAMES = ['admin', 'member', 'reader', 'Admin', 'service', 'x']

#: a value of the wrong kind, for a role, a credential or a target key
ODD = st.one_of(
    st.integers(-2, 2),
    st.none(),
    st.booleans(),
    st.floats(-2, 2, allow_nan=False),
    st.text(max_size=3),
    st.sampled_from(['admin', 'member', 'p1', 'u1', 'd1', 'all', 'v1']),
    st.lists(st.sampled_from(['admin', 'member', 1, None]), max_size=2),
    st.just({'admin': 1}),
    st.just(('admin',)),
    st.just(b'admin'),
)
ROLE = st.one_of(st.sampled_from(ROLE_NAMES), ODD)
ROLES = st.one_of(
    # Real roles, then one that is no string: oslo.policy lowers them all.
    st.builds(
        lambda good, odd: [*good, odd],
        st.lists(st.sampled_from(ROLE_NAMES), min_size=1, max_size=3),
        ODD,
    ),
    st.lists(ROLE, max_size=4),
    st.lists(st.sampled_from(ROLE_NAMES), max_size=3),
    st.tuples(ROLE, ROLE),
    st.frozensets(st.sampled_from(ROLE_NAMES), max_size=2),
    ODD,
)
_DROP = object()


class Mapping(collections.abc.MutableMapping):
    """Credentials that are a mapping but no dict (``to_policy_values()``)."""

    def __init__(self, items: dict) -> None:
        self._items = dict(items)

    def __getitem__(self, key):
        return self._items[key]

    def __setitem__(self, key, value):
        self._items[key] = value

    def __delitem__(self, key):
        del self._items[key]

    def __iter__(self):
        return iter(self._items)

    def __len__(self):
        return len(self._items)

    def __repr__(self):
        return f'Mapping({self._items!r})'


def _merge(base: dict, changes: dict) -> dict:
    merged = {**base, **changes}
    return {k: v for k, v in merged.items() if v is not _DROP}


def credentials(
    personas: list[dict], keys: list[str]
) -> st.SearchStrategy[Any]:
    """A persona with keys changed, dropped or of odd types, or odd keys.

    :param personas: well-formed credentials to start from
    :param keys: the credential keys the rules read
    """
    keys = sorted(
        set(keys)
        | {'roles', 'project_id', 'user_id', 'domain_id', 'system_scope'}
    )
    changes = st.dictionaries(
        st.sampled_from(keys), st.one_of(ODD, st.just(_DROP)), max_size=3
    )
    roles = st.one_of(
        st.just({}),
        ROLES.map(lambda value: {'roles': value}),
        st.just({'roles': _DROP}),
    )
    changed = st.builds(
        lambda p, c, r: _merge(p, {**c, **r}),
        st.sampled_from(personas),
        changes,
        roles,
    )
    made_up = st.dictionaries(
        st.sampled_from(keys), st.one_of(ODD, ROLES), max_size=4
    )
    dicts = st.one_of(changed, made_up)
    return st.one_of(dicts, dicts.map(Mapping))


def targets(places: list[dict], keys: list[str]) -> st.SearchStrategy[Any]:
    """A target with keys changed or dropped, or a target that is no dict."""
    changes = st.dictionaries(
        st.sampled_from(sorted(keys) or ['project_id']),
        st.one_of(ODD, st.just(_DROP)),
        max_size=3,
    )
    return st.one_of(
        st.sampled_from(places),
        st.builds(_merge, st.sampled_from(places), changes),
        ODD,
        st.just(()),
    )


def outcome(call, *args: Any, **kwargs: Any) -> tuple:
    """What a call returns, or the type and text of what it raises.

    Arguments are deep-copied: ``enforce()`` may add ``system`` to the
    credentials.
    """
    args = copy.deepcopy(args)
    try:
        result = call(*args, **kwargs)
    except Exception as exc:
        return (type(exc), str(exc))
    return ('returned', type(result), bool(result))
