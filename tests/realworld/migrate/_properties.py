"""Property test: generated configs over a real service's options.

Run in its own process per service (``python -m
tests.realworld.migrate._properties SERVICE [EXAMPLES]``; see
:mod:`._check` for why). Hypothesis writes one to three files that set
options of the installed service under their current and old names, in
their current and old groups, several times, lists included; the migration
must keep every option's effective value (lists in order) and a second run
must change nothing. Exits 1 with the shrunk failing example.
"""

import os
import shutil
import sys
import tempfile
import warnings

import hypothesis
from hypothesis import strategies as st
from oslo_config import types

from oslo_extras.config import migrate
from oslo_extras.config.migrate.plugins import load_migrations
from tests.realworld.migrate import _check
from tests.unit.config.migrate import _oslo


def _value(opt, number):
    """A value oslo.config accepts for ``opt``, distinct per ``number``."""
    kind = opt.type
    if isinstance(kind, types.Boolean):
        return 'true' if number % 2 else 'false'
    if isinstance(kind, types.Integer):
        low = kind.min if kind.min is not None else 0
        high = kind.max if kind.max is not None else low + 1000
        return str(low + number % max(1, high - low + 1))
    if isinstance(kind, types.Float):
        return f'{number}.5'
    if isinstance(kind, types.String) and kind.choices:
        choices = [c for c in kind.choices if c is not None]
        return str(choices[number % len(choices)]) if choices else None
    if isinstance(kind, types.String) and not kind.regex:
        return f'value{number}'
    if isinstance(kind, types.List) and isinstance(
        kind.item_type, types.String
    ):
        return f'a{number},b{number}'
    return None


def _spellings(catalog):
    """``(group, name, opt)`` for every spelling of options with old names."""
    out = []
    for group in catalog.groups():
        for info in group.options.values():
            old = info.deprecated_names()
            if not old or _value(info.opt, 1) is None:
                continue
            for spelled in [(info.group, info.dest), *old]:
                out.append((spelled[0], spelled[1], info.opt))
    return sorted(out, key=lambda s: (s[0], s[1]))


def build(service, examples=100):
    catalog, list_opts = _check.load(service)
    spellings = _spellings(catalog)
    line = st.tuples(st.sampled_from(spellings), st.integers(0, 50))
    files = st.lists(
        st.lists(line, min_size=1, max_size=12), min_size=1, max_size=3
    )
    migrator = migrate.Migrator(catalog, load_migrations())

    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(files=files)
    def keeps_meaning(files):
        work = tempfile.mkdtemp()
        try:
            sources = []
            for index, lines in enumerate(files):
                by_group = {}
                for (group, name, opt), number in lines:
                    by_group.setdefault(group, []).append(
                        f'{name} = {_value(opt, number * 3 + index)}\n'
                    )
                path = os.path.join(work, f'{index}.conf')
                with open(path, 'w') as stream:
                    for group, body in by_group.items():
                        stream.write(f'[{group}]\n' + ''.join(body) + '\n')
                sources.append(('file', path))
            before, _ = _oslo.effective(list_opts, sources)
            paths = [p for _k, p in sources]
            plan = migrator.plan(paths)
            migrate.apply(plan, state_dir=os.path.join(work, 'state'))
            after, warned = _oslo.effective(list_opts, sources)
            changed = {k for k in before if after[k] != before[k]}
            assert not changed, {k: (before[k], after[k]) for k in changed}
            assert _oslo.renamed_warnings(warned) == [], warned
            again = migrator.plan(paths)
            assert not again.changed, again.diff()
        finally:
            shutil.rmtree(work)

    return keeps_meaning, len(spellings)


if __name__ == '__main__':
    warnings.simplefilter('ignore')
    service = sys.argv[1]
    examples = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    test, count = build(service, examples)
    print(f'{service}: {count} spellings of options with old names')
    test()
