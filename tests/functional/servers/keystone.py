"""Keystone (PyPI ``keystone``) on sqlite, served with wsgiref.

``keystone-manage`` creates the schema, fernet and credential keys and the
``admin`` user/project with a public endpoint; then the WSGI app is served
on 127.0.0.1 (Keystone parses the command line, so ``sys.argv`` is cleared
and the config is passed through ``OS_KEYSTONE_CONFIG_FILES``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid

import pytest
import requests

from tests.functional.servers._process import Server
from tests.functional.servers._process import ServerProcess
from tests.functional.servers._process import free_port
from tests.functional.servers._process import running

_SERVE = """
import sys
from wsgiref import simple_server
sys.argv = [sys.argv[0]]
from keystone.wsgi.api import application

class Handler(simple_server.WSGIRequestHandler):
    def log_message(self, *args):
        pass

simple_server.make_server(
    '127.0.0.1', int(PORT), application, handler_class=Handler
).serve_forever()
"""


class Keystone(Server):
    """A running Keystone: ``url`` (``.../v3``), ``admin_password``."""

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix='oslo-extras-keystone-')
        self.port = free_port()
        self.url = f'http://127.0.0.1:{self.port}/v3'
        self.admin_password = 'ks-admin-' + uuid.uuid4().hex[:12]
        self.conf_path = os.path.join(self.dir, 'keystone.conf')
        with open(self.conf_path, 'w') as stream:
            stream.write(
                '[DEFAULT]\nuse_stderr = true\n'
                f'[database]\nconnection = sqlite:///{self.dir}/ks.db\n'
                '[token]\nprovider = fernet\n'
                f'[fernet_tokens]\nkey_repository = {self.dir}/fernet\n'
                f'[fernet_receipts]\nkey_repository = {self.dir}/receipts\n'
                f'[credential]\nkey_repository = {self.dir}/credential\n'
            )
        bin_dir = os.path.dirname(sys.executable)
        self.manage = os.path.join(bin_dir, 'keystone-manage')
        self.process = ServerProcess(
            'keystone',
            [sys.executable, '-c', _SERVE.replace('PORT', str(self.port))],
            ready=self._ready,
            env={'OS_KEYSTONE_CONFIG_FILES': self.conf_path},
            timeout=60,
            workdir=self.dir,
        )

    def _manage(self, *args: str) -> None:
        subprocess.run(
            [self.manage, '--config-file', self.conf_path, *args],
            check=True,
            capture_output=True,
            cwd=self.dir,
        )

    def _ready(self) -> bool:
        return requests.get(self.url, timeout=2).status_code == 200

    def prepare(self) -> None:
        self._manage('db_sync')
        owner = ('--keystone-user', 'root', '--keystone-group', 'root')
        self._manage('fernet_setup', *owner)
        self._manage('credential_setup', *owner)
        self._manage(
            'bootstrap',
            '--bootstrap-password',
            self.admin_password,
            '--bootstrap-public-url',
            self.url,
            '--bootstrap-region-id',
            'RegionOne',
        )


@pytest.fixture(scope='session')
def keystone():
    yield from running(Keystone())
