"""etcd v3 (Debian ``etcd-server``) on 127.0.0.1 with a temp data dir."""

from __future__ import annotations

import etcd3gw
import pytest

from tests.functional.servers._process import Server
from tests.functional.servers._process import ServerProcess
from tests.functional.servers._process import free_port
from tests.functional.servers._process import running


class Etcd(Server):
    """A running single-node etcd: ``host``, ``port`` and ``client()``."""

    def __init__(self) -> None:
        self.host = '127.0.0.1'
        self.port = free_port()
        peer = free_port()
        client_url = f'http://127.0.0.1:{self.port}'
        peer_url = f'http://127.0.0.1:{peer}'
        self.process = ServerProcess(
            'etcd',
            [
                'etcd',
                '--name',
                'n1',
                '--data-dir',
                '{dir}/data',
                '--listen-client-urls',
                client_url,
                '--advertise-client-urls',
                client_url,
                '--listen-peer-urls',
                peer_url,
                '--initial-advertise-peer-urls',
                peer_url,
                '--initial-cluster',
                f'n1={peer_url}',
            ],
            ready=self._ready,
            timeout=30,
        )

    def client(self) -> etcd3gw.Etcd3Client:
        return etcd3gw.Etcd3Client(self.host, self.port, timeout=5)

    def _ready(self) -> bool:
        return bool(self.client().status())


@pytest.fixture(scope='session')
def etcd():
    yield from running(Etcd())
