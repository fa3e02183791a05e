"""A real OpenStack service on oslo_extras, end to end.

Keystone from PyPI, its code unmodified, gets its ``[database]
connection`` from OpenBao through our ``vault`` config source driver
(``[DEFAULT] config_source``): the file has no connection at all. Before
it starts, ``oslo-config-check`` checks the file with keystone's own
generator namespaces (keystone's ``config-generator/keystone.conf``) and
finds nothing. Then ``keystone-manage`` creates the schema in the database
the secret names, and the API issues a token from it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid

import requests

from tests.functional.servers._process import running
from tests.functional.servers.keystone import Keystone
from tests.functional.servers.openbao import openbao  # noqa: F401

# keystone's config-generator/keystone.conf (master, 2026-07).
KEYSTONE_NAMESPACES = (
    'keystone',
    'oslo.cache',
    'oslo.log',
    'oslo.messaging',
    'oslo.policy',
    'oslo.db',
    'oslo.middleware',
    'osprofiler',
)


class KeystoneOnVault(Keystone):
    """The Keystone fixture, its database URL served by OpenBao."""

    def __init__(self, openbao_server, prefix: str) -> None:
        super().__init__()
        self.db_path = os.path.join(self.dir, 'from-openbao.db')
        token_file = os.path.join(self.dir, 'bao-token')
        with open(token_file, 'w') as stream:
            stream.write(openbao_server.token + '\n')
        os.chmod(token_file, 0o600)
        with open(self.conf_path, 'w') as stream:
            stream.write(
                '[DEFAULT]\nuse_stderr = true\nconfig_source = vault\n\n'
                '[vault]\ndriver = vault\n'
                f'url = {openbao_server.url}\n'
                f'token_file = {token_file}\n'
                'kv_version = 2\nmount_point = secret\n'
                f'path_prefix = {prefix}\n\n'
                '[token]\nprovider = fernet\n\n'
                f'[fernet_tokens]\nkey_repository = {self.dir}/fernet\n\n'
                f'[fernet_receipts]\nkey_repository = {self.dir}/receipts\n\n'
                f'[credential]\nkey_repository = {self.dir}/credential\n\n'
                # Required by oslo.middleware's tracing options, which
                # keystone's generator lists.
                '[oslo_middleware_tracing]\nservice_name = keystone\n'
            )

    def stop(self) -> None:
        super().stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def _config_check(conf_path: str) -> subprocess.CompletedProcess:
    script = os.path.join(os.path.dirname(sys.executable), 'oslo-config-check')
    args = [script, '--config-file', conf_path]
    for namespace in KEYSTONE_NAMESPACES:
        args += ['--namespace', namespace]
    return subprocess.run(
        args, capture_output=True, text=True, timeout=120, check=False
    )


def test_keystone_runs_on_a_database_url_from_openbao(openbao):  # noqa: F811
    prefix = 'keystone-' + uuid.uuid4().hex[:8]
    server = KeystoneOnVault(openbao, prefix)
    url = f'sqlite:///{server.db_path}'
    openbao.client().secrets.kv.v2.create_or_update_secret(
        f'{prefix}/database', {'connection': url}, mount_point='secret'
    )
    with open(server.conf_path) as stream:
        assert 'connection' not in stream.read()

    check = _config_check(server.conf_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout == ''
    assert '0 error(s), 0 warning(s)' in check.stderr

    for ks in running(server):
        # keystone-manage db_sync (in prepare) created the schema where the
        # secret said, and the API serves from it.
        assert os.path.getsize(server.db_path) > 0
        assert not os.path.exists(os.path.join(server.dir, 'keystone.db'))
        response = requests.post(
            f'{ks.url}/auth/tokens',
            json={
                'auth': {
                    'identity': {
                        'methods': ['password'],
                        'password': {
                            'user': {
                                'name': 'admin',
                                'domain': {'id': 'default'},
                                'password': ks.admin_password,
                            }
                        },
                    }
                }
            },
            timeout=30,
        )
        assert response.status_code == 201, response.text
        assert response.headers['X-Subject-Token']
