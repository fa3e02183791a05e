"""Start a real server on 127.0.0.1 for a test session and stop it by PID.

Each server module in this package builds a :class:`ServerProcess` with its
command line and a readiness probe; the session fixtures in
``tests/functional/conftest.py`` start it once and stop it at the end.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence


class ServerNotReady(RuntimeError):
    """The server did not answer its readiness probe in time."""


# Below the kernel's ephemeral range (32768-60999 on Linux): a port the
# kernel handed out as "free" (bind to 0) is also where outgoing
# connections get their source ports, so a busy machine can take it before
# the server binds it (RabbitMQ's dist_port_already_used in a CI run).
_PORTS = range(20000, 32768)
_handed_out: set[int] = set()


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now.

    Picked at random outside the ephemeral range and never twice in one
    process, so servers started side by side do not collide.
    """
    for _ in range(200):
        port = random.choice(_PORTS)
        if port in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(('127.0.0.1', port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError('no free port on 127.0.0.1 in 20000-32767')


def port_open(port: int, host: str = '127.0.0.1') -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


class ServerProcess:
    """One server child process with its own temporary directory.

    :param name: a label for errors and the log file
    :param argv: the command line; ``{dir}`` is replaced by the temp dir
    :param ready: returns True once the server answers
    :param env: extra environment variables
    :param timeout: seconds to wait for ``ready``
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        ready: Callable[[], bool],
        env: Mapping[str, str] | None = None,
        timeout: float = 60.0,
        workdir: str | None = None,
    ) -> None:
        self.name = name
        self.dir = workdir or tempfile.mkdtemp(prefix=f'oslo-extras-{name}-')
        self.argv = [arg.replace('{dir}', self.dir) for arg in argv]
        self.ready = ready
        self.env = dict(os.environ, **(env or {}))
        self.timeout = timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = os.path.join(self.dir, f'{name}.log')

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def start(self) -> ServerProcess:
        log = open(self.log_path, 'ab')
        self.proc = subprocess.Popen(
            self.argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=self.dir,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerNotReady(
                    f'{self.name} exited with {self.proc.returncode}: '
                    + self.log_tail()
                )
            try:
                if self.ready():
                    return self
            except Exception:
                pass
            time.sleep(0.1)
        self.stop()
        raise ServerNotReady(
            f'{self.name} not ready after {self.timeout}s: ' + self.log_tail()
        )

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
        """Stop the server (and its process group) by PID."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def kill(self) -> None:
        """Kill the server at once, as a crash would."""
        self.stop(signal.SIGKILL)

    def log_tail(self, lines: int = 20) -> str:
        try:
            with open(self.log_path, errors='replace') as stream:
                return ''.join(stream.readlines()[-lines:])
        except OSError:
            return '(no log)'


class Server:
    """A real server for the tests, owning one :class:`ServerProcess`.

    Subclasses build ``self.process`` and may override :meth:`prepare`
    for work before the first start (a schema, keys, a bootstrap).
    """

    process: ServerProcess

    def prepare(self) -> None:
        """Run once before the process starts."""

    def start(self) -> Server:
        self.prepare()
        self.process.start()
        return self

    def stop(self) -> None:
        """Stop the process by PID and remove its temporary directory."""
        self.process.stop()
        shutil.rmtree(self.process.dir, ignore_errors=True)


def running(server: Server) -> Iterator[Server]:
    """Start ``server`` for a fixture's lifetime: ``yield from running(x)``."""
    server.start()
    try:
        yield server
    finally:
        server.stop()
