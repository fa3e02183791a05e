"""Edits an operator really makes, tried against the reload promises."""

import json
import logging
import os
import subprocess
import sys

import pytest
from oslo_config import cfg

from oslo_extras.config.reload import Reloader
from tests.unit.config.reload.conftest import write


def _db_conf(tmp_path, text, extra_opts=()):
    path = tmp_path / 'svc.conf'
    write(path, text)
    conf = cfg.ConfigOpts()
    conf.register_opts(
        [
            cfg.StrOpt('user', default='nova', mutable=True),
            cfg.StrOpt('password', secret=True, mutable=True),
            *extra_opts,
        ],
        group='db',
    )
    conf(['--config-file', str(path)], default_config_files=[])
    return conf, path


def test_self_referencing_substitution_is_refused_not_raised(tmp_path):
    # ``password = ${password}x`` (a copy-paste slip): oslo.config recurses
    # without end when the value is read. A reload must refuse it, not
    # raise, and the drop-in for oslo.service must not raise either.
    conf, path = _db_conf(tmp_path, '[db]\npassword = OLD-s3cret\n')
    reloader = Reloader(conf)
    write(path, '[db]\npassword = ${password}x\nuser = admin\n')

    report = reloader.reload()

    assert not report.applied
    assert any('[db] password' in e for e in report.errors), report.errors
    assert conf.db.password == 'OLD-s3cret' and conf.db.user == 'nova'
    assert reloader.mutate_config_files() == {}


def test_secret_substituted_into_a_plain_option_is_masked(tmp_path, caplog):
    # A non-secret option built from a secret one with ``$password``: the
    # report and the log must not show the secret inside it either.
    url = cfg.StrOpt(
        'url', default='mysql+pymysql://$user:$password@db/nova', mutable=True
    )
    conf, path = _db_conf(tmp_path, '[db]\npassword = OLD-s3cret\n', [url])
    reloader = Reloader(conf)
    assert conf.db.url == 'mysql+pymysql://nova:OLD-s3cret@db/nova'
    write(path, '[db]\npassword = NEW-s3cret\n')

    with caplog.at_level(logging.DEBUG):
        report = reloader.reload()

    assert report.applied
    assert conf.db.url == 'mysql+pymysql://nova:NEW-s3cret@db/nova'
    change = next(c for c in report.changes if c.option == 'url')
    shown = ' '.join(
        [
            report.as_text(),
            repr(report.as_dict()),
            caplog.text,
            repr(change),
            repr(reloader.snapshot()),
        ]
    )
    assert 'OLD-s3cret' not in shown and 'NEW-s3cret' not in shown, shown
    assert 'mysql+pymysql://nova:****@db/nova' in shown


def _vnc_conf(tmp_path, text):
    # nova's [vnc] options as the install guide sets them: typed host
    # addresses given as ``$my_ip``.
    path = tmp_path / 'nova.conf'
    write(path, text)
    conf = cfg.ConfigOpts()
    conf.register_opts(
        [
            cfg.StrOpt('my_ip', default='10.0.0.11'),
            cfg.StrOpt('state_path', default='/var/lib/nova'),
        ]
    )
    conf.register_opts(
        [
            cfg.BoolOpt('enabled', default=True, mutable=True),
            cfg.HostAddressOpt(
                'server_listen', default='127.0.0.1', mutable=True
            ),
        ],
        group='vnc',
    )
    conf(['--config-file', str(path)], default_config_files=[])
    return conf, path


def test_substituted_typed_value_from_the_install_guide_applies(tmp_path):
    conf, path = _vnc_conf(tmp_path, '[vnc]\nenabled = true\n')
    reloader = Reloader(conf)
    write(path, '[vnc]\nenabled = true\nserver_listen = $my_ip\n')

    report = reloader.reload()

    assert report.applied, report.as_text()
    assert conf.vnc.server_listen == '10.0.0.11'


def test_substituted_value_that_does_not_convert_is_still_refused(tmp_path):
    conf, path = _vnc_conf(tmp_path, '[vnc]\nenabled = true\n')
    reloader = Reloader(conf)
    write(path, '[vnc]\nenabled = false\nserver_listen = $state_path\n')

    report = reloader.reload()

    assert not report.applied
    assert any('[vnc] server_listen' in e for e in report.errors)
    assert conf.vnc.enabled is True and conf.vnc.server_listen == '127.0.0.1'


def test_rotated_secret_that_does_not_convert_is_refused_not_raised(
    tmp_path, caplog
):
    # A secret rotated in its source to a value of the wrong type: the
    # source raises its own error when read; the reload must refuse.
    secrets = tmp_path / 'secrets' / 'db'
    secrets.mkdir(parents=True)
    (secrets / 'pool').write_text('5\n')
    (secrets / 'pool').chmod(0o600)
    conf_path = tmp_path / 'svc.conf'
    write(
        conf_path,
        '[DEFAULT]\nconfig_source = secrets\n'
        '[secrets]\ndriver = secrets_dir\n'
        f'directory = {tmp_path / "secrets"}\n',
    )
    conf = cfg.ConfigOpts()
    conf.register_opt(
        cfg.IntOpt('pool', default=1, secret=True, mutable=True), group='db'
    )
    conf(['--config-file', str(conf_path)], default_config_files=[])
    assert conf.db.pool == 5
    reloader = Reloader(conf)
    (secrets / 'pool').write_text('many-LEAK\n')

    with caplog.at_level(logging.DEBUG):
        report = reloader.reload()

    assert not report.applied
    assert any('[db] pool' in e for e in report.errors), report.errors
    assert conf.db.pool == 5
    assert 'many-LEAK' not in report.as_text() + caplog.text


@pytest.mark.parametrize('validate', [True, False])
@pytest.mark.parametrize(
    'damage',
    ['latin1-save', 'file-becomes-dir', 'dir-named-conf', 'link-loop'],
)
def test_unreadable_config_is_refused_not_raised(tmp_path, damage, validate):
    # What oslo.config does not wrap in cfg.Error: the reload (and the
    # oslo.service drop-in) must refuse, never raise, and name the file.
    path = tmp_path / 'svc.conf'
    confdir = tmp_path / 'svc.conf.d'
    confdir.mkdir()
    write(path, '[DEFAULT]\ndebug = false\n')
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.BoolOpt('debug', default=False, mutable=True))
    conf.register_opt(cfg.StrOpt('name', default='x', mutable=True))
    conf(
        ['--config-file', str(path), '--config-dir', str(confdir)],
        default_config_files=[],
    )
    reloader = Reloader(conf, validate=validate)
    bad = path
    if damage == 'latin1-save':
        path.write_bytes(
            '[DEFAULT]\ndebug = true\nname = café\n'.encode('cp1252')
        )
    elif damage == 'file-becomes-dir':
        path.unlink()
        path.mkdir()
    elif damage == 'dir-named-conf':
        bad = confdir / 'old.conf'
        bad.mkdir()
    else:
        bad = confdir / 'a.conf'
        os.symlink('b.conf', confdir / 'a.conf')
        os.symlink('a.conf', confdir / 'b.conf')

    report = reloader.reload()

    assert not report.applied
    assert any(str(bad) in e for e in report.errors), report.errors
    assert conf.debug is False and conf.name == 'x'
    assert reloader.mutate_config_files() == {}


def test_listener_and_callback_errors_never_log_a_secret(tmp_path, caplog):
    # A service's report listener or subscriber fails while connecting
    # with the new value, and says so with the value in its message.
    url = cfg.StrOpt('connection', secret=True, mutable=True)
    conf, path = _db_conf(
        tmp_path,
        '[db]\npassword = OLD-s3cret\n'
        'connection = mysql+pymysql://nova:OLD-url-pw@db/nova\n',
        [url],
    )
    reloader = Reloader(conf)

    def listener(report):
        raise RuntimeError(f'cannot connect with {conf.db.password}')

    def callback(change):
        # only the password inside the URL, as a driver error shows it
        raise RuntimeError('access denied for nova:NEW-url-pw')

    reloader.add_report_listener(listener)
    reloader.subscribe('db', 'connection', callback)
    write(
        path,
        '[db]\npassword = NEW-s3cret\n'
        'connection = mysql+pymysql://nova:NEW-url-pw@db/nova\n',
    )

    with caplog.at_level(logging.DEBUG):
        report = reloader.reload()

    assert report.applied and report.callback_errors
    shown = caplog.text + report.as_text() + repr(report.as_dict())
    for secret in ('OLD-s3cret', 'NEW-s3cret', 'OLD-url-pw', 'NEW-url-pw'):
        assert secret not in shown, secret
    assert 'listener' in caplog.text and 'RuntimeError' in caplog.text


def test_renaming_a_config_dir_file_with_old_errors_does_not_block(tmp_path):
    # A section for a library the service never loads and a bad value it
    # never reads, in 10-lib.conf; the operator renames it to 20-lib.conf
    # (or a ConfigMap key is renamed). Nothing new is wrong.
    path = tmp_path / 'svc.conf'
    confdir = tmp_path / 'svc.conf.d'
    confdir.mkdir()
    write(path, '[DEFAULT]\ndebug = false\n')
    write(
        confdir / '10-lib.conf',
        '[oslo_unused_lib]\nfoo = 1\n[DEFAULT]\nleft = notanint\n',
    )
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.BoolOpt('debug', default=False, mutable=True))
    conf.register_opt(cfg.IntOpt('left', default=0, mutable=True))
    conf(
        ['--config-file', str(path), '--config-dir', str(confdir)],
        default_config_files=[],
    )
    reloader = Reloader(conf)
    os.rename(confdir / '10-lib.conf', confdir / '20-lib.conf')
    write(path, '[DEFAULT]\ndebug = true\n')

    report = reloader.reload()

    assert report.applied, report.as_text()
    assert conf.debug is True
    assert any('already in the running config' in w for w in report.warnings)
    # A new bad value is still refused.
    write(confdir / '30-new.conf', '[DEFAULT]\nleft = alsobad\n')
    write(path, '[DEFAULT]\ndebug = false\n')
    report = reloader.reload()
    assert not report.applied and conf.debug is True


def test_plain_option_error_never_quotes_a_substituted_secret(
    tmp_path, caplog
):
    # ``mode = $password`` does not convert: oslo.config's error quotes the
    # substituted value, which is the secret (new, or already running).
    mode = cfg.StrOpt('mode', choices=['a', 'b'], mutable=True)
    link = cfg.URIOpt('link', mutable=True)
    with caplog.at_level(logging.DEBUG):
        conf, path = _db_conf(
            tmp_path,
            '[db]\npassword = OLD-s3cret\nlink = $password\n',
            [mode, link],
        )
        reloader = Reloader(conf)  # link is bad already: a warning
        write(
            path,
            '[db]\npassword = NEW-s3cret\n'
            'link = $password\nmode = $password\n',
        )
        report = reloader.reload()

    assert not report.applied
    assert any('[db] mode' in e for e in report.errors), report.errors
    shown = caplog.text + report.as_text() + repr(report.as_dict())
    assert 'OLD-s3cret' not in shown and 'NEW-s3cret' not in shown, shown


_UNLISTABLE = """
import json, os, sys
from oslo_config import cfg
from oslo_extras.config.reload import Reloader
path, confdir = sys.argv[1:3]
conf = cfg.ConfigOpts()
conf.register_opt(cfg.IntOpt('level', default=0, mutable=True))
conf(['--config-file', path, '--config-dir', confdir],
     default_config_files=[])
reloader = Reloader(conf)
os.chmod(confdir, 0o311)  # traversable, not listable
report = reloader.reload()
os.chmod(confdir, 0o755)
print(json.dumps({'applied': report.applied, 'level': conf.level,
                  'errors': report.errors}))
"""


def test_config_dir_made_unlistable_is_refused_not_read_as_empty(tmp_path):
    # ``chmod 0711 /etc/nova/nova.conf.d``: oslo.config's glob then finds
    # no file, and every value from the dir would fall back to its default.
    path = tmp_path / 'svc.conf'
    confdir = tmp_path / 'svc.conf.d'
    confdir.mkdir()
    write(path, '[DEFAULT]\n')
    write(confdir / '50-level.conf', '[DEFAULT]\nlevel = 5\n')
    command = [sys.executable, '-c', _UNLISTABLE, str(path), str(confdir)]
    if os.geteuid() == 0:
        # root reads any dir: drop that power so the mode bits count
        caps = '-dac_override,-dac_read_search'
        command = [
            'setpriv',
            f'--inh-caps={caps}',
            f'--bounding-set={caps}',
            *command,
        ]

    result = json.loads(
        subprocess.run(
            command, check=True, capture_output=True, text=True
        ).stdout
    )

    assert result['applied'] is False
    assert result['level'] == 5
    assert any(str(confdir) in e for e in result['errors']), result
