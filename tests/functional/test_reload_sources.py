"""A rotated secret reaches a running child process through ``sources``.

Real OpenBao (``bao server -dev``) and a real secrets directory; the child
is ``python -m oslo_extras.demo.reload --triggers sources``.
"""

# Session fixtures are imported and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import os
import uuid

from oslo_extras._fileutils import atomic_write
from tests.functional.servers.openbao import openbao  # noqa: F401
from tests.functional.test_reload_triggers import _ready
from tests.functional.test_reload_triggers import _report
from tests.functional.test_reload_triggers import child_factory  # noqa: F401


def _put(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    atomic_write(str(path), value + '\n')
    os.chmod(path, 0o600)


def test_rotated_secret_in_openbao_flips_debug(
    tmp_path, openbao, child_factory
):
    prefix = 'reload-' + uuid.uuid4().hex[:8]
    old_pw = 'bao-pw-' + uuid.uuid4().hex[:10]
    new_pw = 'bao-pw-' + uuid.uuid4().hex[:10]
    kv = openbao.client().secrets.kv.v2
    kv.create_or_update_secret(
        f'{prefix}/DEFAULT', {'debug': 'false'}, mount_point='secret'
    )
    kv.create_or_update_secret(
        f'{prefix}/database', {'password': old_pw}, mount_point='secret'
    )
    conf_file = tmp_path / 'svc.conf'
    atomic_write(
        str(conf_file),
        '[DEFAULT]\nconfig_source = vault\n'
        f'[vault]\ndriver = vault\nurl = {openbao.url}\n'
        f'token = {openbao.token}\npath_prefix = {prefix}\n'
        'retries = 1\nretry_backoff = 0.05\ntimeout = 2\n',
    )
    child = child_factory(
        '--triggers',
        'sources',
        '--sources-interval',
        '0.2',
        '--config-file',
        str(conf_file),
    )
    assert child.wait(_ready)['debug'] is False

    kv.create_or_update_secret(
        f'{prefix}/DEFAULT', {'debug': 'true'}, mount_point='secret'
    )
    kv.create_or_update_secret(
        f'{prefix}/database', {'password': new_pw}, mount_point='secret'
    )
    report = child.wait(_report)

    assert report['trigger'] == 'sources'
    assert report['applied'] and report['debug'] is True
    assert sorted(report['changes']) == [
        '[DEFAULT] debug: applied (False -> True)',
        "[database] password: applied ('****' -> '****')",
    ]
    output = ''.join(child.stdout_text) + child.stderr()
    assert old_pw not in output and new_pw not in output


def test_rotated_file_in_secrets_dir_flips_debug(tmp_path, child_factory):
    secrets = tmp_path / 'secrets'
    _put(secrets / 'DEFAULT' / 'debug', 'false')
    conf_file = tmp_path / 'svc.conf'
    atomic_write(
        str(conf_file),
        '[DEFAULT]\nconfig_source = secrets\n'
        f'[secrets]\ndriver = secrets_dir\ndirectory = {secrets}\n',
    )
    child = child_factory(
        '--triggers',
        'sources',
        '--sources-interval',
        '0.1',
        '--config-file',
        str(conf_file),
    )
    assert child.wait(_ready)['debug'] is False

    _put(secrets / 'DEFAULT' / 'debug', 'true')

    report = child.wait(_report)
    assert report['debug'] is True
    assert report['changes'] == ['[DEFAULT] debug: applied (False -> True)']
