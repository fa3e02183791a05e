"""etcd v3 (Debian ``etcd-server``) on 127.0.0.1 with a temp data dir.

Variants: ``Etcd(tls=True)`` serves HTTPS and requires a client
certificate (``tls`` holds the CA and both certificates); ``Etcd(auth=True)``
enables etcd's user/password auth with a ``root`` user and a read-only
``nova`` user (``passwords``).
"""

from __future__ import annotations

import base64
import uuid

import etcd3gw
import pytest

from tests.functional.servers._certs import make_tls_files
from tests.functional.servers._process import Server
from tests.functional.servers._process import ServerProcess
from tests.functional.servers._process import free_port
from tests.functional.servers._process import running


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


class Etcd(Server):
    """A running single-node etcd: ``host``, ``port`` and ``client()``."""

    def __init__(self, tls: bool = False, auth: bool = False) -> None:
        self.host = '127.0.0.1'
        self.port = free_port()
        self.scheme = 'https' if tls else 'http'
        peer = free_port()
        client_url = f'{self.scheme}://127.0.0.1:{self.port}'
        peer_url = f'http://127.0.0.1:{peer}'
        tls_args = (
            [
                '--cert-file={dir}/server.pem',
                '--key-file={dir}/server-key.pem',
                '--client-cert-auth',
                '--trusted-ca-file={dir}/ca.pem',
            ]
            if tls
            else []
        )
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
                *tls_args,
            ],
            ready=self._ready,
            timeout=30,
        )
        self.tls = None
        self._want_tls = tls
        self.auth = auth
        self.passwords = {
            'root': 'root-' + uuid.uuid4().hex,
            'nova': 'nova-' + uuid.uuid4().hex,
        }
        self._root_token: str | None = None

    def prepare(self) -> None:
        if self._want_tls:
            self.tls = make_tls_files(self.process.dir)

    def start(self) -> Etcd:
        super().start()
        if self.auth:
            self._enable_auth()
        return self

    def client(self) -> etcd3gw.Etcd3Client:
        options = {}
        if self.tls is not None:
            options = {
                'ca_cert': self.tls.ca,
                'cert_cert': self.tls.client_cert,
                'cert_key': self.tls.client_key,
            }
        client = etcd3gw.Etcd3Client(
            self.host, self.port, protocol=self.scheme, timeout=5, **options
        )
        # REQUESTS_CA_BUNDLE would override session.verify otherwise.
        client.session.trust_env = False
        if self._root_token:
            client.session.headers['Authorization'] = self._root_token
        return client

    def _ready(self) -> bool:
        return bool(self.client().status())

    def _enable_auth(self) -> None:
        client = self.client()

        def post(path, body):
            return client.post(client.get_url(path), json=body)

        for user in ('root', 'nova'):
            post(
                '/auth/user/add',
                {'name': user, 'password': self.passwords[user]},
            )
        post('/auth/user/grant', {'user': 'root', 'role': 'root'})
        post('/auth/role/add', {'name': 'reader'})
        post(
            '/auth/role/grant',
            {
                'name': 'reader',
                'perm': {
                    'permType': 'READ',
                    'key': _b64('/'),
                    'range_end': _b64('0'),  # every key starting with /
                },
            },
        )
        post('/auth/user/grant', {'user': 'nova', 'role': 'reader'})
        post('/auth/enable', {})
        self._root_token = post(
            '/auth/authenticate',
            {'name': 'root', 'password': self.passwords['root']},
        )['token']


@pytest.fixture(scope='session')
def etcd():
    yield from running(Etcd())


@pytest.fixture(scope='session')
def etcd_tls():
    """HTTPS with client-certificate auth (``tls`` holds the files)."""
    yield from running(Etcd(tls=True))


@pytest.fixture(scope='session')
def etcd_auth():
    """User/password auth on: ``root`` and read-only ``nova``."""
    yield from running(Etcd(auth=True))


class EtcdCluster(Server):
    """Three etcd members on loopback: ``ports``, ``member(i)``, ``kill``."""

    def __init__(self, size: int = 3) -> None:
        self.host = '127.0.0.1'
        self.ports = [free_port() for _ in range(size)]
        peers = [free_port() for _ in range(size)]
        cluster = ','.join(
            f'm{i}=http://127.0.0.1:{peer}' for i, peer in enumerate(peers)
        )
        token = 'oslo-extras-' + uuid.uuid4().hex[:8]
        self.members = []
        for i, (port, peer) in enumerate(zip(self.ports, peers, strict=True)):
            client_url = f'http://127.0.0.1:{port}'
            peer_url = f'http://127.0.0.1:{peer}'
            self.members.append(
                ServerProcess(
                    f'etcd-m{i}',
                    [
                        'etcd',
                        f'--name=m{i}',
                        '--data-dir={dir}/data',
                        f'--listen-client-urls={client_url}',
                        f'--advertise-client-urls={client_url}',
                        f'--listen-peer-urls={peer_url}',
                        f'--initial-advertise-peer-urls={peer_url}',
                        f'--initial-cluster={cluster}',
                        f'--initial-cluster-token={token}',
                        '--initial-cluster-state=new',
                        # Fast elections keep a leader kill short.
                        '--heartbeat-interval=50',
                        '--election-timeout=500',
                    ],
                    ready=lambda i=i: bool(self.client(i).status()),
                    timeout=60,
                )
            )
        self.process = self.members[0]

    def client(self, index: int) -> etcd3gw.Etcd3Client:
        client = etcd3gw.Etcd3Client(self.host, self.ports[index], timeout=2)
        client.session.trust_env = False
        return client

    def start(self) -> EtcdCluster:
        import threading

        errors = []

        def start(member):
            try:
                member.start()
            except Exception as exc:  # reported below
                errors.append(exc)

        threads = [
            threading.Thread(target=start, args=(m,)) for m in self.members
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            self.stop()
            raise errors[0]
        return self

    def leader(self) -> int:
        """Index of the current leader (asked of a live member)."""
        for index, member in enumerate(self.members):
            if member.proc is None or member.proc.poll() is not None:
                continue
            status = self.client(index).status()
            leader_id = status['leader']
            for other in range(len(self.members)):
                if self.members[other].proc.poll() is not None:
                    continue
                header = self.client(other).status()['header']
                if header['member_id'] == leader_id:
                    return other
        raise RuntimeError('no etcd leader')

    def stop(self) -> None:
        import shutil

        for member in self.members:
            member.stop()
            shutil.rmtree(member.dir, ignore_errors=True)


@pytest.fixture
def etcd_cluster():
    """A fresh 3-member cluster (tests kill members)."""
    yield from running(EtcdCluster())
