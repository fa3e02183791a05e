import logging

import pytest
from oslo_config import cfg

from oslo_extras.config.masking import MASK
from oslo_extras.config.reload import APPLIED
from oslo_extras.config.reload import NEEDS_RESTART
from oslo_extras.config.reload import REJECTED
from oslo_extras.config.reload import Reloader
from tests.unit.config.reload.conftest import BASE
from tests.unit.config.reload.conftest import make_conf
from tests.unit.config.reload.conftest import write


def test_debug_flips_and_is_reported_typed(conf, conf_file, reloader):
    write(conf_file, BASE.replace('debug = false', 'debug = true'))

    report = reloader.reload()

    assert report.applied and report.ok
    assert conf.debug is True
    change = report.change('DEFAULT', 'debug')
    assert (change.status, change.old, change.new) == (APPLIED, False, True)
    assert report.generation == 1
    assert reloader.snapshot().DEFAULT.debug is True


def test_same_typed_value_spelled_differently_is_no_change(
    conf, conf_file, reloader
):
    # oslo.config's raw diff sees 'false' -> 'False' and '5' -> '05'.
    write(
        conf_file,
        BASE.replace('debug = false', 'debug = False').replace(
            'pool = 5', 'pool = 05'
        ),
    )

    report = reloader.reload()

    assert report.applied
    assert report.changes == []


def test_removed_key_compares_with_the_default(conf, conf_file, reloader):
    write(conf_file, BASE.replace('pool = 5\n', ''))

    report = reloader.reload()

    change = report.change('db', 'pool')
    assert (change.old, change.new) == (5, 1)
    assert conf.db.pool == 1


def test_typo_keeps_whole_old_config_and_says_why(conf, conf_file, reloader):
    text = BASE.replace('debug = false', 'debug = true')
    write(conf_file, text.replace('pool = 5', 'pool = 6\npoool = 7'))

    report = reloader.reload()

    assert not report.applied
    assert conf.debug is False and conf.db.pool == 5
    assert any('poool' in e and 'unknown' in e for e in report.errors)
    assert {c.status for c in report.changes} == {REJECTED}
    assert report.generation == 0


def test_bad_value_rejects_everything_and_names_option(
    conf, conf_file, reloader
):
    text = BASE.replace('debug = false', 'debug = true')
    write(conf_file, text.replace('pool = 5', 'pool = lots'))

    report = reloader.reload()

    assert not report.applied
    assert conf.debug is False and conf.db.pool == 5
    pool = report.change('db', 'pool')
    assert pool.status == REJECTED and 'lots' in pool.reason
    debug = report.change('DEFAULT', 'debug')
    assert debug.status == REJECTED and 'rejected as a whole' in debug.reason
    assert 'rejected, old config kept' in report.as_text()


def test_bad_value_rejected_without_validator(conf, conf_file):
    reloader = Reloader(conf, validate=False)
    write(conf_file, BASE.replace('pool = 5', 'pool = 0'))

    report = reloader.reload()

    assert not report.applied
    assert conf.db.pool == 5
    assert 'pool' in report.errors[0]


def test_unparsable_file_is_rejected(conf, conf_file, reloader):
    write(conf_file, BASE + '\nthis is not ini\n[broken\n')

    report = reloader.reload()

    assert not report.applied
    assert report.errors
    assert conf.db.pool == 5


def test_immutable_change_needs_restart_and_keeps_old(
    conf, conf_file, reloader
):
    write(
        conf_file,
        BASE.replace('workers = 2', 'workers = 8').replace(
            'debug = false', 'debug = true'
        ),
    )

    report = reloader.reload()

    assert report.applied
    workers = report.change('DEFAULT', 'workers')
    assert (workers.status, workers.old, workers.new) == (NEEDS_RESTART, 2, 8)
    assert conf.workers == 2
    assert reloader.snapshot().DEFAULT.workers == 2
    assert conf.debug is True


def test_required_option_removed_is_rejected(tmp_path):
    path = tmp_path / 'r.conf'
    write(path, '[DEFAULT]\nname = a\n')
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.StrOpt('name', required=True, mutable=True))
    conf(['--config-file', str(path)], default_config_files=[])
    reloader = Reloader(conf, validate=False)
    write(path, '[DEFAULT]\n')

    report = reloader.reload()

    assert not report.applied
    assert conf.name == 'a'
    assert any('required' in e for e in report.errors)


def test_secrets_are_masked_in_report_and_logs(
    conf, conf_file, reloader, caplog
):
    caplog.set_level(logging.DEBUG)
    write(conf_file, BASE.replace('s3cret-old', 's3cret-new'))

    report = reloader.reload()

    change = report.change('db', 'password')
    assert (change.old, change.new, change.status) == (MASK, MASK, APPLIED)
    assert conf.db.password == 's3cret-new'
    dumped = repr(report.as_dict()) + report.as_text() + caplog.text
    dumped += repr(reloader.snapshot())
    assert 's3cret' not in dumped


def test_bad_secret_value_reason_hides_the_value(tmp_path):
    path = tmp_path / 's.conf'
    write(path, '[DEFAULT]\ntoken = 12345\n')
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.IntOpt('token', secret=True, mutable=True))
    conf(['--config-file', str(path)], default_config_files=[])
    reloader = Reloader(conf, validate=False)
    write(path, '[DEFAULT]\ntoken = hunter2secret\n')

    report = reloader.reload()

    assert not report.applied
    assert 'hunter2secret' not in report.as_text()
    assert 'token' in report.as_text()


def test_option_registered_after_start_is_picked_up(conf, conf_file, reloader):
    reloader.reload()
    conf.register_opt(cfg.StrOpt('late', default='x', mutable=True))
    write(conf_file, BASE + '\n[DEFAULT]\nlate = y\n')

    report = reloader.reload()

    assert report.change('DEFAULT', 'late').new == 'y'
    assert conf.late == 'y'


def test_override_stays_on_top(conf, conf_file, reloader):
    reloader.reload()
    conf.set_override('color', 'blue')
    write(conf_file, BASE + '\n[DEFAULT]\ncolor = green\n')

    report = reloader.reload()

    assert conf.color == 'blue'
    assert report.applied


def test_mutate_config_files_dropin_returns_oslo_shape(
    conf, conf_file, reloader
):
    write(conf_file, BASE.replace('debug = false', 'debug = true'))

    fresh = reloader.mutate_config_files()

    assert fresh == {(None, 'debug'): (False, True)}


def test_mutate_dropin_never_raises_on_bad_file(conf, conf_file, reloader):
    write(conf_file, BASE.replace('pool = 5', 'pool = x'))

    assert reloader.mutate_config_files() == {}
    assert reloader.last_report.applied is False


def test_reload_before_parse_is_a_clear_error():
    conf = cfg.ConfigOpts()
    reloader = Reloader(conf)
    with pytest.raises(RuntimeError, match=r'conf\(\)'):
        reloader.reload()


def test_config_dir_files_are_reloaded(tmp_path):
    confdir = tmp_path / 'svc.conf.d'
    confdir.mkdir()
    write(confdir / '10-debug.conf', '[DEFAULT]\ndebug = false\n')
    conf = make_conf([])
    conf(['--config-dir', str(confdir)], default_config_files=[])
    reloader = Reloader(conf)
    write(confdir / '10-debug.conf', '[DEFAULT]\ndebug = true\n')

    report = reloader.reload()

    assert report.applied and conf.debug is True


def test_report_listener_sees_every_reload(conf, conf_file, reloader):
    seen = []
    reloader.add_report_listener(seen.append)
    write(conf_file, BASE.replace('pool = 5', 'pool = x'))
    reloader.reload(trigger='poll')
    write(conf_file, BASE)
    reloader.reload(trigger='watch')

    assert [(r.trigger, r.applied) for r in seen] == [
        ('poll', False),
        ('watch', True),
    ]


def test_errors_already_in_the_running_config_do_not_block(conf_file):
    # A section of a library the service never loads: oslo-config-check
    # calls it an error, but it was there at startup.
    write(conf_file, BASE + '\n[vmware]\nhost_ip = 10.0.0.1\n')
    conf = make_conf([conf_file])
    reloader = Reloader(conf)
    write(
        conf_file,
        BASE.replace('debug = false', 'debug = true')
        + '\n[vmware]\nhost_ip = 10.0.0.1\n',
    )

    report = reloader.reload()

    assert report.applied and conf.debug is True
    assert any('vmware' in w and 'already' in w for w in report.warnings)

    write(
        conf_file,
        BASE + '\n[vmware]\nhost_ip = 10.0.0.1\n[DEFAULT]\ndebgu = 1\n',
    )
    report = reloader.reload()
    assert not report.applied and conf.debug is True
    assert any('debgu' in e for e in report.errors)


def test_bad_value_already_running_does_not_block_later_reloads(conf_file):
    # ``pool = lots`` was there at startup (the service never reads it);
    # turning debug on must still apply, as upstream's mutate does.
    write(conf_file, BASE.replace('pool = 5', 'pool = lots'))
    conf = make_conf([conf_file])
    for validate in (True, False):
        reloader = Reloader(conf, validate=validate)
        debug = 'debug = true' if validate else 'debug = false'
        write(
            conf_file,
            BASE.replace('pool = 5', 'pool = lots').replace(
                'debug = false', debug
            ),
        )

        report = reloader.reload()

        assert report.applied, report.as_text()
        assert conf.debug is validate
        assert report.change('db', 'pool') is None
        assert any('pool' in w and 'already' in w for w in report.warnings)
        # Still there on the next reload: still not blocking.
        assert reloader.reload().applied


def test_bad_value_changed_by_the_edit_still_refuses(conf_file):
    write(conf_file, BASE.replace('pool = 5', 'pool = lots'))
    conf = make_conf([conf_file])
    reloader = Reloader(conf, validate=False)
    write(
        conf_file,
        BASE.replace('pool = 5', 'pool = 0').replace(
            'debug = false', 'debug = true'
        ),
    )

    report = reloader.reload()

    assert not report.applied and conf.debug is False
    assert any('pool' in e for e in report.errors)


def test_fixing_a_bad_running_value_applies_it(conf_file):
    write(conf_file, BASE.replace('pool = 5', 'pool = lots'))
    conf = make_conf([conf_file])
    reloader = Reloader(conf)
    write(conf_file, BASE.replace('pool = 5', 'pool = 7'))

    report = reloader.reload()

    assert report.applied and conf.db.pool == 7
    assert report.change('db', 'pool').new == 7


def test_refused_reload_lists_each_bad_value_once(conf, conf_file, reloader):
    write(conf_file, BASE.replace('pool = 5', 'pool = lots'))

    report = reloader.reload()

    assert not report.applied
    assert len([e for e in report.errors if 'pool' in e]) == 1, report.errors
    # The one kept is the validator's: it names the file and line.
    assert f'{conf_file}:7:' in report.errors[0]
    assert 'lots' in report.change('db', 'pool').reason


def test_unparsable_file_is_listed_once(conf, conf_file, reloader):
    write(conf_file, BASE + '\n[broken\n')

    report = reloader.reload()

    assert not report.applied
    assert len(report.errors) == 1, report.errors
