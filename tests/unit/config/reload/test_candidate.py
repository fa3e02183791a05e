"""Typed diff: spellings of the same value are no change; real edits are."""

import tempfile

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from oslo_config import cfg

from oslo_extras.config.reload import candidate
from oslo_extras.config.reload.report import APPLIED
from oslo_extras.config.reload.report import NEEDS_RESTART

TRUE = ['true', 'True', 'TRUE', '1', 'yes', 'on']
FALSE = ['false', 'False', '0', 'no', 'off']


def _conf(path):
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.BoolOpt('flag', default=False, mutable=True))
    conf.register_opt(cfg.IntOpt('count', default=3, mutable=True))
    conf.register_opt(cfg.ListOpt('names', default=[], mutable=True))
    conf.register_opt(cfg.IntOpt('fixed', default=1))
    conf(['--config-file', path], default_config_files=[])
    return conf


def _write(path, flag, count, names):
    with open(path, 'w') as stream:
        stream.write(
            f'[DEFAULT]\nflag = {flag}\ncount = {count}\nnames = {names}\n'
        )


@settings(max_examples=40, deadline=None)
@given(
    value=st.booleans(),
    spelling=st.data(),
    count=st.integers(min_value=0, max_value=10**6),
    pad=st.integers(min_value=0, max_value=3),
    names=st.lists(st.text('abcxyz', min_size=1, max_size=5), max_size=4),
)
def test_respelling_the_same_typed_values_is_no_change(
    value, spelling, count, pad, names
):
    words = TRUE if value else FALSE
    with tempfile.TemporaryDirectory() as tmp:
        path = f'{tmp}/c.conf'
        _write(path, words[0], count, ','.join(names))
        conf = _conf(path)
        previous, errors = candidate.current_values(conf)
        assert not errors
        _write(
            path,
            spelling.draw(st.sampled_from(words)),
            '0' * pad + str(count),
            ', '.join(names),
        )

        cand = candidate.build(conf, previous)

    assert cand.ok and cand.changes == []


@settings(max_examples=25, deadline=None)
@given(old=st.integers(-1000, 1000), new=st.integers(-1000, 1000))
def test_a_changed_int_is_reported_typed(old, new):
    with tempfile.TemporaryDirectory() as tmp:
        path = f'{tmp}/c.conf'
        _write(path, 'false', old, '')
        conf = _conf(path)
        previous, _ = candidate.current_values(conf)
        _write(path, 'false', new, '')

        cand = candidate.build(conf, previous)

    if old == new:
        assert cand.changes == []
    else:
        [change] = cand.changes
        assert (change.option, change.old, change.new) == ('count', old, new)
        assert change.status == APPLIED
        assert cand.values[('DEFAULT', 'count')] == new


def test_immutable_keeps_old_value_in_installed_values(tmp_path):
    path = str(tmp_path / 'c.conf')
    with open(path, 'w') as stream:
        stream.write('[DEFAULT]\nfixed = 1\n')
    conf = _conf(path)
    previous, _ = candidate.current_values(conf)
    with open(path, 'w') as stream:
        stream.write('[DEFAULT]\nfixed = 9\n')

    cand = candidate.build(conf, previous)

    [change] = cand.changes
    assert change.status == NEEDS_RESTART
    assert cand.values[('DEFAULT', 'fixed')] == 1
    assert cand.hook_diff == {}
