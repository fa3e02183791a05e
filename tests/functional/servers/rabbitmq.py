"""A private RabbitMQ node (Debian ``rabbitmq-server``) on 127.0.0.1.

The node gets a unique name, its own HOME (Erlang cookie), mnesia and log
directories and free ports. :meth:`RabbitMQ.restart` stops it and starts
the same node again on the same mnesia directory, as a broker restart does.
It is stopped with ``rabbitmqctl stop`` (then by PID if that fails). The
node registers with its own ``epmd`` on a private port (``ERL_EPMD_PORT``),
never a shared one, and that ``epmd`` is stopped at the end.

:class:`RabbitMQCluster` joins three such nodes (same Erlang cookie, one
private ``epmd`` on loopback that it runs and stops by PID) into a cluster,
for quorum queues and streams; :meth:`RabbitMQ.kill` kills one node with
SIGKILL, as a crash would.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import threading
import uuid
from collections.abc import Callable

import amqp
import pytest

from tests.functional.servers._process import ServerProcess
from tests.functional.servers._process import free_port
from tests.functional.servers._process import port_open

BIN = '/usr/lib/rabbitmq/bin'


def _epmd(port: int, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ['epmd', '-port', str(port), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def epmd_running(port: int) -> bool:
    return 'up and running' in _epmd(port, '-names').stdout


class RabbitMQ:
    """A running node: ``url`` for oslo.messaging, ``channel()`` for checks."""

    def __init__(
        self, epmd_port: int | None = None, cookie: str | None = None
    ) -> None:
        """:param epmd_port: a running ``epmd`` the caller owns (a cluster)
        :param cookie: the Erlang cookie, shared by a cluster's nodes
        """
        self.port = free_port()
        self.node = f'oslo-extras-{uuid.uuid4().hex[:10]}@localhost'
        self.url = f'rabbit://guest:guest@127.0.0.1:{self.port}/'
        self.own_epmd = epmd_port is None
        self.epmd_port = epmd_port or free_port()
        self.cookie = cookie
        self.dir: str | None = None
        self.process: ServerProcess | None = None
        self._env: dict[str, str] = {}

    def _new_process(self) -> ServerProcess:
        process = ServerProcess(
            'rabbitmq',
            [f'{BIN}/rabbitmq-server'],
            ready=self._ready,
            timeout=60,
            workdir=self.dir,
        )
        if self.dir is None:
            self.dir = process.dir
            for sub in ('mnesia', 'log'):
                os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
            with open(os.path.join(self.dir, 'enabled_plugins'), 'w') as f:
                f.write('[].\n')
            open(os.path.join(self.dir, 'rabbitmq.conf'), 'w').close()
            if self.cookie:
                # Erlang reads $HOME/.erlang.cookie and wants it private.
                path = os.path.join(self.dir, '.erlang.cookie')
                with open(
                    os.open(path, os.O_WRONLY | os.O_CREAT, 0o400), 'w'
                ) as f:
                    f.write(self.cookie)
            self._env = {
                'HOME': self.dir,
                'RABBITMQ_NODENAME': self.node,
                'RABBITMQ_NODE_IP_ADDRESS': '127.0.0.1',
                'RABBITMQ_NODE_PORT': str(self.port),
                'RABBITMQ_DIST_PORT': str(free_port()),
                'RABBITMQ_MNESIA_BASE': os.path.join(self.dir, 'mnesia'),
                'RABBITMQ_LOG_BASE': os.path.join(self.dir, 'log'),
                'RABBITMQ_LOGS': os.path.join(self.dir, 'log', 'rabbit.log'),
                'RABBITMQ_ENABLED_PLUGINS_FILE': os.path.join(
                    self.dir, 'enabled_plugins'
                ),
                'RABBITMQ_CONFIG_FILE': os.path.join(self.dir, 'rabbitmq'),
                'RABBITMQ_PID_FILE': os.path.join(self.dir, 'rabbit.pid'),
                'ERL_EPMD_PORT': str(self.epmd_port),
                # Loopback only: epmd and Erlang distribution listen on
                # every interface unless told otherwise.
                'ERL_EPMD_ADDRESS': '127.0.0.1',
                'RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS': (
                    '-kernel inet_dist_use_interface {127,0,0,1}'
                ),
            }
        process.env.update(self._env)
        return process

    def _ready(self) -> bool:
        conn = amqp.Connection(f'127.0.0.1:{self.port}', connect_timeout=1)
        try:
            conn.connect()
            return True
        finally:
            conn.collect()

    def start(self) -> RabbitMQ:
        self.process = self._new_process().start()
        return self

    def ctl(self, *args: str, timeout: float = 60) -> str:
        env = dict(os.environ, **self._env)
        result = subprocess.run(
            [f'{BIN}/rabbitmqctl', '-n', self.node, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode:
            raise RuntimeError(
                f'rabbitmqctl -n {self.node} {" ".join(args)} exited '
                f'{result.returncode}: {result.stderr.strip()}'
            )
        return result.stdout

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            self.ctl('stop')
        except Exception:
            pass
        self.process.stop()
        self.process = None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the node's process group by PID (SIGKILL: a crash)."""
        if self.process is not None:
            self.process.stop(sig)
            self.process = None

    def restart(self) -> None:
        """Stop the node and start it again on the same mnesia directory."""
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        # Our private epmd (its port is ours alone); it serves no other node.
        if self.own_epmd and epmd_running(self.epmd_port):
            _epmd(self.epmd_port, '-kill')

    def connection(self) -> amqp.Connection:
        conn = amqp.Connection(f'127.0.0.1:{self.port}')
        conn.connect()
        return conn

    def declare(self, queue: str, arguments: dict) -> None:
        """Declare a durable ``queue`` on this node (its leader, if quorum)."""
        conn = self.connection()
        try:
            conn.channel().queue_declare(
                queue, durable=True, auto_delete=False, arguments=arguments
            )
        finally:
            conn.close()

    def queue_depth(self, queue: str) -> int:
        """Messages ready in ``queue`` (declared passively)."""
        conn = self.connection()
        try:
            _, count, _ = conn.channel().queue_declare(queue, passive=True)
            return count
        finally:
            conn.close()

    def get_all(self, queue: str) -> list[amqp.Message]:
        """Take every message out of ``queue`` (acknowledged)."""
        conn = self.connection()
        try:
            channel = conn.channel()
            messages = []
            while message := channel.basic_get(queue, no_ack=True):
                messages.append(message)
            return messages
        finally:
            conn.close()


class RabbitMQCluster:
    """Three private nodes joined into one cluster on 127.0.0.1.

    ``url`` lists every node; oslo.messaging shuffles the hosts of each
    connection and fails over to the next one when its node dies. A quorum
    queue's leader is the node it was declared on (:meth:`RabbitMQ.declare`
    pins it).
    """

    size = 3

    def __init__(self) -> None:
        self.epmd_port = free_port()
        cookie = secrets.token_hex(16)
        self.nodes = [
            RabbitMQ(epmd_port=self.epmd_port, cookie=cookie)
            for _ in range(self.size)
        ]
        self.url = (
            'rabbit://'
            + ','.join(
                f'guest:guest@127.0.0.1:{node.port}' for node in self.nodes
            )
            + '/'
        )
        self.epmd = ServerProcess(
            'epmd',
            ['epmd', '-address', '127.0.0.1', '-port', str(self.epmd_port)],
            ready=lambda: port_open(self.epmd_port),
            timeout=10,
        )

    def start(self) -> RabbitMQCluster:
        self.epmd.start()
        # Each node takes 4-7 s to boot: boot them side by side. Join
        # nodes 2 and 3 one after the other: two joins at once sometimes
        # leave the second node unable to start_app (exit 69).
        _side_by_side(RabbitMQ.start, self.nodes)
        for node in self.nodes[1:]:
            self._join(node)
        running = self.running_nodes()
        assert sorted(running) == sorted(n.node for n in self.nodes), running
        return self

    def _join(self, node: RabbitMQ) -> None:
        node.ctl('stop_app')
        node.ctl('join_cluster', self.nodes[0].node)
        node.ctl('start_app')

    def alive(self) -> list[RabbitMQ]:
        return [node for node in self.nodes if node.process is not None]

    def running_nodes(self) -> list[str]:
        """Node names the cluster reports as running (asked of a live one)."""
        status = json.loads(
            self.alive()[0].ctl('cluster_status', '--formatter', 'json')
        )
        return status['running_nodes']

    def node_named(self, name: str) -> RabbitMQ:
        return next(node for node in self.nodes if node.node == name)

    def queue_leader(self, queue: str) -> RabbitMQ:
        """The node that hosts the leader of quorum queue ``queue``."""
        rows = json.loads(
            self.alive()[0].ctl(
                'list_queues', 'name', 'leader', '--formatter', 'json'
            )
        )
        (leader,) = [row['leader'] for row in rows if row['name'] == queue]
        return self.node_named(leader)

    def queue_types(self) -> list[tuple[str, str]]:
        """Every queue's name and type (classic, quorum, stream)."""
        rows = json.loads(
            self.alive()[0].ctl(
                'list_queues', 'name', 'type', '--formatter', 'json'
            )
        )
        return [(row['name'], row['type']) for row in rows]

    def queue_type(self, queue: str) -> str:
        (kind,) = [k for name, k in self.queue_types() if name == queue]
        return kind

    def close(self) -> None:
        """Stop every node by PID (SIGTERM: RabbitMQ shuts down cleanly)."""
        _side_by_side(lambda node: node.kill(signal.SIGTERM), self.nodes)
        self.epmd.stop()
        shutil.rmtree(self.epmd.dir, ignore_errors=True)
        for node in self.nodes:
            if node.dir:
                shutil.rmtree(node.dir, ignore_errors=True)


def _side_by_side(
    work: Callable[[RabbitMQ], object], nodes: list[RabbitMQ]
) -> None:
    """Run ``work(node)`` for every node in threads; raise the first error."""
    errors: list[BaseException] = []

    def run(node: RabbitMQ) -> None:
        try:
            work(node)
        except BaseException as exc:  # re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in nodes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


@pytest.fixture(scope='session')
def rabbitmq():
    server = RabbitMQ()
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture(scope='module')
def rabbitmq_cluster():
    """One three-node cluster per test module (about 20 s to form)."""
    cluster = RabbitMQCluster()
    try:
        yield cluster.start()
    finally:
        cluster.close()
