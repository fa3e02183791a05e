"""debug flips in a real child process: real SIGHUP, real file edits.

The child is ``python -m oslo_extras.demo.reload`` (a tiny service using the
library) printing one JSON line per event; these tests edit its config file
and signal it by PID.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import pytest

from oslo_extras._fileutils import atomic_write

BASE = '[DEFAULT]\ndebug = false\nworkers = 2\n'
DEBUG_ON = BASE.replace('debug = false', 'debug = true')


class Child:
    """``python -m oslo_extras.demo.reload`` in its own process group."""

    def __init__(self, tmp_path, *args: str) -> None:
        self.stderr_path = tmp_path / 'child.err'
        self.events: queue.Queue = queue.Queue()
        self.seen: list[dict] = []
        self.stdout_text: list[str] = []
        with open(self.stderr_path, 'wb') as err:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    '-W',
                    'ignore',
                    '-m',
                    'oslo_extras.demo.reload',
                    *args,
                ],
                stdout=subprocess.PIPE,
                stderr=err,
                start_new_session=True,
                text=True,
            )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.stdout_text.append(line)
            try:
                self.events.put(json.loads(line))
            except ValueError:
                pass

    def wait(self, predicate, timeout: float = 15.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event = self.events.get(timeout=0.1)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            self.seen.append(event)
            if predicate(event):
                return event
        raise AssertionError(
            f'child event not seen; got {self.seen}; stderr: {self.stderr()}'
        )

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors='replace')[-3000:]

    def signal(self, signum: int) -> None:
        os.kill(self.proc.pid, signum)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


@pytest.fixture
def child_factory(tmp_path):
    children = []

    def start(*args):
        child = Child(tmp_path, *args)
        children.append(child)
        return child

    yield start
    for child in children:
        child.stop()


def _ready(event):
    return event['event'] == 'ready'


def _report(event):
    return event['event'] == 'report'


@pytest.fixture
def conf_file(tmp_path):
    path = tmp_path / 'svc.conf'
    atomic_write(str(path), BASE)
    return path


def test_real_sighup_flips_debug_without_oslo_service(
    child_factory, conf_file
):
    child = child_factory(
        '--triggers',
        'sighup',
        '--sighup-mode',
        'signal',
        '--config-file',
        str(conf_file),
    )
    ready = child.wait(_ready)
    assert ready['debug'] is False

    atomic_write(str(conf_file), DEBUG_ON)
    child.signal(signal.SIGHUP)
    report = child.wait(_report)

    assert report['applied'] and report['debug'] is True
    assert report['trigger'] == 'sighup'
    assert report['pid'] == ready['pid']  # same process: no restart

    # A typo and a bad value: the whole old config stays, with reasons.
    atomic_write(
        str(conf_file),
        BASE + 'debgu = true\n[DEFAULT]\nworkers = none\n',
    )
    child.signal(signal.SIGHUP)
    report = child.wait(_report)
    assert report['applied'] is False
    assert report['debug'] is True and report['workers'] == 2
    reasons = ' '.join(report['errors'])
    assert 'debgu' in reasons and 'workers' in reasons
    assert child.proc.poll() is None


def test_real_sighup_under_oslo_service_launcher(child_factory, conf_file):
    child = child_factory('--oslo-service', '--config-file', str(conf_file))
    child.wait(_ready)

    atomic_write(
        str(conf_file), DEBUG_ON.replace('workers = 2', 'workers = 4')
    )
    child.signal(signal.SIGHUP)
    report = child.wait(_report)

    assert report['applied'] and report['debug'] is True
    assert report['workers'] == 2
    assert any('workers: needs-restart' in c for c in report['changes'])


def test_real_file_edit_seen_by_watch(child_factory, conf_file):
    child = child_factory(
        '--triggers',
        'watch',
        '--debounce',
        '0.05',
        '--config-file',
        str(conf_file),
    )
    child.wait(_ready)

    # Editor-style save: temp file + rename over the original.
    atomic_write(str(conf_file), DEBUG_ON)
    report = child.wait(_report)
    assert report['trigger'] == 'watch' and report['debug'] is True

    # In-place rewrite (what `echo > file` does).
    with open(conf_file, 'w') as stream:
        stream.write(BASE)
    report = child.wait(_report)
    assert report['debug'] is False


def test_vim_style_save_with_backup_rename(child_factory, conf_file):
    child = child_factory(
        '--triggers',
        'watch',
        '--debounce',
        '0.1',
        '--config-file',
        str(conf_file),
    )
    child.wait(_ready)

    # vim with backupcopy=no: rename the original away, write a new file.
    os.rename(conf_file, str(conf_file) + '~')
    with open(conf_file, 'w') as stream:
        stream.write(DEBUG_ON)
    os.unlink(str(conf_file) + '~')

    report = child.wait(_report)
    assert report['applied'] and report['debug'] is True


def test_real_file_edit_seen_by_poll(child_factory, conf_file):
    child = child_factory(
        '--triggers',
        'poll',
        '--poll-interval',
        '0.1',
        '--config-file',
        str(conf_file),
    )
    child.wait(_ready)

    atomic_write(str(conf_file), DEBUG_ON)

    report = child.wait(_report)
    assert report['trigger'] == 'poll' and report['debug'] is True


def test_sighup_under_threading_backend_restarts_the_worker(
    child_factory, conf_file
):
    # Upstream behaviour (README): the launcher mutates the config in the
    # parent, then cotyledon's default reload terminates each worker and
    # forks a new one.
    child = child_factory('--oslo-service', '--config-file', str(conf_file))
    first = child.wait(_ready)

    atomic_write(str(conf_file), DEBUG_ON)
    child.signal(signal.SIGHUP)

    report = child.wait(_report)
    assert report['applied'] and report['pid'] == child.proc.pid
    again = child.wait(_ready)
    assert again['pid'] != first['pid'] and again['debug'] is True


def test_reloader_in_the_worker_reloads_without_a_restart(
    child_factory, conf_file
):
    # What the README tells a service on the threading backend to do.
    child = child_factory(
        '--oslo-service',
        '--reload-in-worker',
        '--triggers',
        'watch',
        '--debounce',
        '0.05',
        '--config-file',
        str(conf_file),
    )
    ready = child.wait(_ready)
    assert ready['pid'] != child.proc.pid  # a forked worker

    atomic_write(str(conf_file), DEBUG_ON)

    report = child.wait(_report)
    assert report['applied'] and report['debug'] is True
    assert report['pid'] == ready['pid']
    time.sleep(0.5)
    assert not any(e['event'] == 'ready' for e in list(child.events.queue))
