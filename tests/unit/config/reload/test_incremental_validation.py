"""A reload's validation must find exactly what a full validation finds.

A reload re-checks only the entries an edit changed (and those that
substitute ``$var`` or name the same option), carries the other findings
over, and reads oslo.config's parse of the candidate instead of parsing the
files again while the running config has no located finding
(``oslo_extras.config.reload.parsed``). These tests compare it with a fresh
``Validator.validate()`` of the same files after every edit.
"""

import os
import tempfile

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from oslo_config import cfg

from oslo_extras.config import configset
from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.reload import Reloader
from oslo_extras.config.reload import parsed
from oslo_extras.config.validate import Validator
from tests.unit.config.reload.conftest import write
from tests.unit.config.reload.findings_spy import record_findings
from tests.unit.config.reload.test_incremental import _register

#: Lines an edit may put in a file: plain, ``$var`` substitutions (some
#: that go bad when what they name changes), deprecated names and groups,
#: typos, bad values, duplicates. A line missing from the next edit is a
#: removed option.
LINES = st.sampled_from(
    [
        ('DEFAULT', 'state_path = /srv/a'),
        ('DEFAULT', 'state_path = 5'),
        ('DEFAULT', 'state_path = 0'),
        ('DEFAULT', 'workers = 3'),
        ('DEFAULT', 'workers = many'),
        ('DEFAULT', 'workres = 3'),
        ('DEFAULT', 'old_host = legacy'),
        ('DEFAULT', 'host = modern'),
        ('DEFAULT', 'db_url = old://'),
        ('db', 'url = new://'),
        ('db', 'pool = 2'),
        ('db', 'pool = 0'),
        ('db', 'pool = $state_path'),
        ('db', 'where = ${workers}x'),
        ('db', 'where = $nothing'),
        ('Db', 'where = x'),
        ('cache', 'enabled = true'),
    ]
)

FILES = ('svc.conf', os.path.join('svc.conf.d', '10-a.conf'))


def _render(lines):
    groups = {}
    for group, line in lines:
        groups.setdefault(group, []).append(line)
    return ''.join(
        f'[{group}]\n' + ''.join(f'{line}\n' for line in body)
        for group, body in groups.items()
    )


def _conf(tmp):
    conf = cfg.ConfigOpts()
    _register(conf)
    conf(
        [
            '--config-file',
            os.path.join(tmp, FILES[0]),
            '--config-dir',
            os.path.join(tmp, 'svc.conf.d'),
        ],
        default_config_files=[],
    )
    return conf


def _texts(findings):
    return sorted(f.as_text() for f in findings)


@settings(max_examples=40, deadline=None)
@given(
    edits=st.lists(
        st.tuples(
            st.lists(LINES, max_size=5),
            st.lists(LINES, max_size=4),
            st.booleans(),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_incremental_validation_equals_a_full_validation(edits):
    with tempfile.TemporaryDirectory() as tmp:
        os.mkdir(os.path.join(tmp, 'svc.conf.d'))
        for name in FILES:
            write(os.path.join(tmp, name), '[DEFAULT]\n')
        conf = _conf(tmp)
        reloader = Reloader(conf)
        seen = record_findings(reloader)
        full = Validator(OptionCatalog.from_conf(conf))
        for main, extra, second in edits:
            write(os.path.join(tmp, FILES[0]), _render(main))
            dropin = os.path.join(tmp, FILES[1])
            if second:
                write(dropin, _render(extra))
            elif os.path.exists(dropin):
                os.unlink(dropin)  # a config-dir file removed
            reloader.reload()
            expected = full.validate(
                [os.path.join(tmp, FILES[0])],
                [os.path.join(tmp, 'svc.conf.d')],
            )
            assert _texts(seen[-1]) == _texts(expected), (main, extra)


def _clean(tmp_path):
    path = tmp_path / 'svc.conf'
    write(path, '[DEFAULT]\nworkers = 2\n')
    conf = cfg.ConfigOpts()
    _register(conf)
    conf(['--config-file', str(path)], default_config_files=[])
    return conf, path


def _count_parses(monkeypatch):
    calls = []
    load = configset.ConfigSet.load.__func__

    def counting(cls, *args, **kwargs):
        calls.append(args)
        return load(cls, *args, **kwargs)

    monkeypatch.setattr(configset.ConfigSet, 'load', classmethod(counting))
    return calls


def test_a_clean_config_is_checked_on_oslo_configs_parse(
    tmp_path, monkeypatch
):
    conf, path = _clean(tmp_path)
    reloader = Reloader(conf)
    calls = _count_parses(monkeypatch)
    for workers in (3, 4, 5):
        write(path, f'[DEFAULT]\nworkers = {workers}\n')
        assert reloader.reload().applied
    # The first reload after the baseline still parses with lines (the
    # baseline is taken before any candidate exists); later ones do not.
    assert len(calls) <= 1 and conf.workers == 5


def test_a_new_typo_is_checked_again_with_line_numbers(tmp_path, monkeypatch):
    conf, path = _clean(tmp_path)
    reloader = Reloader(conf)
    write(path, '[DEFAULT]\nworkers = 3\n')
    reloader.reload()
    calls = _count_parses(monkeypatch)
    write(path, '[DEFAULT]\nworkers = 4\n\nhots = x\n')

    report = reloader.reload()

    assert not report.applied and conf.workers == 3
    assert calls, 'a finding needs line numbers: the files are parsed'
    [error] = [e for e in report.errors if 'hots' in e]
    assert f'{path}:4:' in error
    # Fixed: the next reload parses with lines once more (the last run had
    # a located finding), then goes back to oslo.config's parse.
    write(path, '[DEFAULT]\nworkers = 4\n')
    assert reloader.reload().applied
    calls.clear()
    write(path, '[DEFAULT]\nworkers = 6\n')
    assert reloader.reload().applied and not calls


def test_config_set_is_none_when_the_dir_listing_changed(tmp_path):
    conf, path = _clean(tmp_path)
    confd = tmp_path / 'd'
    confd.mkdir()
    conf(
        ['--config-file', str(path), '--config-dir', str(confd)],
        default_config_files=[],
    )
    from oslo_extras.config import _upstream

    namespace = _upstream.parse_files(conf)
    (confd / 'new.conf').write_text('[DEFAULT]\nworkers = 9\n')

    assert (
        parsed.config_set(conf, namespace, [str(path)], [str(confd)]) is None
    )
    assert (
        parsed.config_set(conf, namespace, [str(path)], [str(tmp_path / 'x')])
        is None
    )


def test_config_set_holds_every_entry_without_lines(tmp_path):
    conf, path = _clean(tmp_path)
    write(path, '[DEFAULT]\nworkers = 2\nworkers = 3\n[DB]\npool = 1\n')
    from oslo_extras.config import _upstream

    config, values = parsed.config_set(
        conf, _upstream.parse_files(conf), [str(path)], []
    )

    assert [(e.section, e.key, e.value, e.line) for e in config.entries()] == [
        ('DEFAULT', 'workers', '2', 0),
        ('DEFAULT', 'workers', '3', 0),
        ('DB', 'pool', '1', 0),
    ]
    assert [s.name for s in config.sections()] == ['DEFAULT', 'DB']
    assert values == {
        (str(path), 'DEFAULT', 'workers'): ('2', '3'),
        (str(path), 'DB', 'pool'): ('1',),
    }


def test_a_duplicate_moved_up_names_the_new_line_of_the_first(tmp_path):
    conf, path = _clean(tmp_path)
    write(path, '[DEFAULT]\nstate_path = /a\nworkers = 3\nworkers = 3\n')
    reloader = Reloader(conf)
    write(path, '[DEFAULT]\nworkers = 3\nworkers = 3\n')

    report = reloader.reload()

    [warning] = [w for w in report.warnings if 'duplicate-option' in w]
    assert f'{path}:3:' in warning and 'already set at line 2' in warning


def test_an_ignored_finding_needs_no_line_numbers(tmp_path, monkeypatch):
    conf, path = _clean(tmp_path)
    write(path, '[DEFAULT]\nworkers = 2\nworkres = 1\n')
    reloader = Reloader(conf, ignore_codes=['unknown-option'])
    calls = _count_parses(monkeypatch)
    write(path, '[DEFAULT]\nworkers = 3\nworkres = 1\n')
    assert reloader.reload().applied
    write(path, '[DEFAULT]\nworkers = 4\nworkres = 2\nhots = 1\n')

    report = reloader.reload()

    assert report.applied and conf.workers == 4 and not calls
    assert not any('workres' in w or 'hots' in w for w in report.warnings)


def test_a_file_given_twice_adds_up_as_a_full_parse_does(tmp_path):
    conf, path = _clean(tmp_path)
    conf(
        ['--config-file', str(path), '--config-file', str(path)],
        default_config_files=[],
    )
    from oslo_extras.config import _upstream

    fast = parsed.config_set(
        conf, _upstream.parse_files(conf), [str(path), str(path)], []
    )
    full = configset.ConfigSet.load([str(path), str(path)])

    assert fast.values == {(str(path), 'DEFAULT', 'workers'): ('2', '2')}
    assert [e.value for e in fast.config.entries()] == [
        e.value for e in full.entries()
    ]
