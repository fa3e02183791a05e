"""A running reloader (in process) against real OpenBao while files change.

The operator edits the file while a secret rotates, or deletes a secret:
one reload must apply both, or refuse and keep the old secret (fail
closed), and no secret may reach a report or a log line.
"""

# Session fixtures are imported and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import logging
import time
import uuid

import pytest
from oslo_config import cfg

from oslo_extras._fileutils import atomic_write
from oslo_extras.config.reload import Reloader
from tests.functional.servers.openbao import openbao  # noqa: F401


@pytest.fixture
def vault_service(tmp_path, openbao):
    prefix = 'edits-' + uuid.uuid4().hex[:8]
    kv = openbao.client().secrets.kv.v2
    old_pw = 'bao-pw-' + uuid.uuid4().hex[:10]
    kv.create_or_update_secret(
        f'{prefix}/database',
        {'password': old_pw, 'pool': '5'},
        mount_point='secret',
    )
    head = (
        '[DEFAULT]\nconfig_source = vault\n'
        f'[vault]\ndriver = vault\nurl = {openbao.url}\n'
        f'token = {openbao.token}\npath_prefix = {prefix}\n'
        'retries = 1\nretry_backoff = 0.05\ntimeout = 2\n'
    )
    path = tmp_path / 'svc.conf'
    atomic_write(str(path), head + '[DEFAULT]\ndebug = false\n')
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.BoolOpt('debug', default=False, mutable=True))
    conf.register_opts(
        [
            cfg.StrOpt('password', secret=True, mutable=True),
            cfg.IntOpt('pool', default=1, secret=True, mutable=True),
        ],
        group='database',
    )
    conf(['--config-file', str(path)], default_config_files=[])

    def put(**values):
        kv.create_or_update_secret(
            f'{prefix}/database', values, mount_point='secret'
        )

    def edit(text):
        atomic_write(str(path), head + text)

    assert conf.database.password == old_pw
    return conf, put, edit, old_pw


def _wait(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_secret_rotated_while_the_file_changes_one_reload_applies_both(
    vault_service, caplog
):
    conf, put, edit, old_pw = vault_service
    new_pw = 'bao-pw-' + uuid.uuid4().hex[:10]
    reloader = Reloader(conf)
    reports = []
    reloader.add_report_listener(reports.append)
    reloader.enable_triggers(['watch'], options={'watch': {'debounce': 0.2}})
    try:
        with caplog.at_level(logging.DEBUG):
            put(password=new_pw, pool='5')
            edit('[DEFAULT]\ndebug = true\n')
            assert _wait(lambda: conf.debug is True)
    finally:
        reloader.stop()

    assert conf.database.password == new_pw
    report = reports[-1]
    assert report.applied and report.trigger == 'watch'
    assert sorted(f'[{c.group}] {c.option}' for c in report.changes) == [
        '[DEFAULT] debug',
        '[database] password',
    ]
    shown = caplog.text + ''.join(r.as_text() + repr(r) for r in reports)
    assert old_pw not in shown and new_pw not in shown


def test_secret_deleted_fails_closed_and_comes_back(vault_service, caplog):
    conf, put, edit, old_pw = vault_service
    reloader = Reloader(conf)
    with caplog.at_level(logging.DEBUG):
        put(pool='5')  # the password key is gone from the secret
        edit('[DEFAULT]\ndebug = true\n')
        refused = reloader.reload()
        # A rotated value that does not convert: refused, never quoted.
        put(password=old_pw, pool='many-LEAK')
        bad_type = reloader.reload()
        put(password=old_pw, pool='7')
        back = reloader.reload()

    assert not refused.applied
    assert any('[database] password' in e for e in refused.errors)
    assert not bad_type.applied
    assert any('[database] pool' in e for e in bad_type.errors)
    assert back.applied
    assert conf.database.password == old_pw and conf.database.pool == 7
    assert conf.debug is True
    shown = caplog.text + ''.join(
        r.as_text() + repr(r.as_dict()) for r in (refused, bad_type, back)
    )
    assert old_pw not in shown and 'many-LEAK' not in shown


def test_whole_secret_deleted_keeps_the_old_values(vault_service, openbao):
    conf, put, edit, old_pw = vault_service
    reloader = Reloader(conf)
    kv = openbao.client().secrets.kv.v2
    prefix = conf.vault.path_prefix
    kv.delete_metadata_and_all_versions(
        f'{prefix}/database', mount_point='secret'
    )
    edit('[DEFAULT]\ndebug = true\n')

    report = reloader.reload()

    # Never the default (None / 1): the old values stay.
    assert conf.database.password == old_pw and conf.database.pool == 5
    assert old_pw not in report.as_text() + repr(report.as_dict())
