"""A private PostgreSQL cluster (Debian ``postgresql``) on 127.0.0.1.

``initdb`` into a temp dir owned by the ``postgres`` system user (the
server refuses to run as root), started with ``runuser`` on a free port,
TCP on loopback only, password auth. ``superuser``/``password`` are for the
OpenBao database secrets engine.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid

import pytest

from tests.functional.servers._process import Server
from tests.functional.servers._process import ServerProcess
from tests.functional.servers._process import free_port
from tests.functional.servers._process import running


def pg_bindir() -> str:
    found = sorted(glob.glob('/usr/lib/postgresql/*/bin/postgres'))
    if not found:
        raise RuntimeError('Debian postgresql is not installed')
    return os.path.dirname(found[-1])


class Postgres(Server):
    """``port``, ``superuser``, ``password`` and ``connect()``."""

    def __init__(self) -> None:
        self.port = free_port()
        self.superuser = 'bao_admin'
        self.password = 'pg-' + uuid.uuid4().hex
        self.dir = tempfile.mkdtemp(prefix='oslo-extras-postgres-')
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, 'data')
        bindir = pg_bindir()
        self.bindir = bindir
        self.process = ServerProcess(
            'postgres',
            [
                'runuser',
                '-u',
                'postgres',
                '--',
                f'{bindir}/postgres',
                '-D',
                self.data,
                '-h',
                '127.0.0.1',
                '-p',
                str(self.port),
                '-k',
                self.dir,
                '-c',
                'fsync=off',
            ],
            ready=self._ready,
            timeout=60,
            workdir=self.dir,
        )

    def prepare(self) -> None:
        user = pwd.getpwnam('postgres')
        os.chown(self.dir, user.pw_uid, user.pw_gid)
        pwfile = os.path.join(self.dir, 'pw')
        with open(pwfile, 'w') as stream:
            stream.write(self.password)
        os.chown(pwfile, user.pw_uid, user.pw_gid)
        subprocess.run(
            [
                'runuser',
                '-u',
                'postgres',
                '--',
                f'{self.bindir}/initdb',
                '-D',
                self.data,
                '-U',
                self.superuser,
                f'--pwfile={pwfile}',
                '--auth=scram-sha-256',
            ],
            check=True,
            capture_output=True,
            cwd=self.dir,
        )
        os.unlink(pwfile)

    def connect(self, user: str | None = None, password: str | None = None):
        import pg8000.dbapi

        return pg8000.dbapi.connect(
            user=user or self.superuser,
            password=password or self.password,
            host='127.0.0.1',
            port=self.port,
            database='postgres',
            timeout=5,
        )

    def _ready(self) -> bool:
        self.connect().close()
        return True

    def stop(self) -> None:
        self.process.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope='session')
def postgres():
    yield from running(Postgres())
