"""A token that reaches its max TTL (``token`` auth cannot log in again):
the renewal thread says so once and stops, instead of warning and calling
OpenBao four times a second for as long as the service runs."""

# Session fixtures are imported and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import logging
import time
import uuid

from oslo_config import cfg

from oslo_extras.config import sources
from tests.functional.servers.openbao import openbao  # noqa: F401


def test_an_expired_token_is_reported_once_not_hammered(
    tmp_path, openbao, caplog
):
    admin = openbao.client()
    prefix = 'expiry-' + uuid.uuid4().hex[:8]
    admin.secrets.kv.v2.create_or_update_secret(
        f'{prefix}/database',
        {'password': 'pw-' + prefix},
        mount_point='secret',
    )
    token = admin.auth.token.create(
        policies=['root'], ttl='4s', explicit_max_ttl='6s', renewable=True
    )['auth']['client_token']
    conf = cfg.ConfigOpts()
    conf.register_opts([cfg.StrOpt('password', secret=True)], group='database')
    path = tmp_path / 'svc.conf'
    # A group name of its own: sources other tests left behind log too.
    name = 'src' + prefix.split('-')[1]
    path.write_text(
        f'[DEFAULT]\nconfig_source = {name}\n[{name}]\ndriver = vault\n'
        f'url = {openbao.url}\ntoken = {token}\npath_prefix = {prefix}\n'
        'retries = 0\ntimeout = 2\n'
    )
    caplog.set_level(logging.DEBUG, logger='oslo_extras')
    conf(['--config-file', str(path)], default_config_files=[])
    (source,) = sources.load(conf)
    try:
        # Past the max TTL, with room for a slow start on a loaded machine
        # (loading must finish while the token is still valid).
        time.sleep(7)
        caplog.clear()
        time.sleep(3)
        ours = [r for r in caplog.records if f'[{name}]' in r.getMessage()]
        warnings = [r for r in ours if r.levelno >= logging.WARNING]
        assert len(warnings) <= 1, [r.getMessage() for r in warnings]
        for record in ours:
            assert '\n' not in record.getMessage()
        report = sources.refresh_all(conf)
        assert not report.ok
        assert 'permission denied' in report.failed[0][2]
        assert conf.database.password == 'pw-' + prefix
    finally:
        source.close()
