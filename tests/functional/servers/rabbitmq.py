"""A private RabbitMQ node (Debian ``rabbitmq-server``) on 127.0.0.1.

The node gets a unique name, its own HOME (Erlang cookie), mnesia and log
directories and free ports. :meth:`RabbitMQ.restart` stops it and starts
the same node again on the same mnesia directory, as a broker restart does.
It is stopped with ``rabbitmqctl stop`` (then by PID if that fails). The
node registers with its own ``epmd`` on a private port (``ERL_EPMD_PORT``),
never a shared one, and that ``epmd`` is stopped at the end.
"""

from __future__ import annotations

import os
import subprocess
import uuid

import amqp
import pytest

from tests.functional.servers._process import ServerProcess
from tests.functional.servers._process import free_port

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

    def __init__(self) -> None:
        self.port = free_port()
        self.node = f'oslo-extras-{uuid.uuid4().hex[:10]}@localhost'
        self.url = f'rabbit://guest:guest@127.0.0.1:{self.port}/'
        self.epmd_port = free_port()
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
            check=True,
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

    def restart(self) -> None:
        """Stop the node and start it again on the same mnesia directory."""
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        # Our private epmd (its port is ours alone); it serves no other node.
        if epmd_running(self.epmd_port):
            _epmd(self.epmd_port, '-kill')

    def connection(self) -> amqp.Connection:
        conn = amqp.Connection(f'127.0.0.1:{self.port}')
        conn.connect()
        return conn

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


@pytest.fixture(scope='session')
def rabbitmq():
    server = RabbitMQ()
    try:
        server.start()
        yield server
    finally:
        server.close()
