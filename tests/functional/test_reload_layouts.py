"""The ``watch`` trigger in a real child process, one test per real layout.

Each test puts the config in place the way a real tool does
(:mod:`tests.fs_layouts`: an editor, vim, Ansible's ``copy``, kubelet's
ConfigMap writer, a link into a git checkout, a ``.conf.d`` dir, a burst of
writes) and waits for the service ``python -m oslo_extras.demo.reload`` to
report the change, by its own JSON output.
"""

from __future__ import annotations

import os
import time

import pytest

from tests import fs_layouts
from tests.functional.test_reload_triggers import Child

OFF = '[DEFAULT]\ndebug = false\nworkers = 2\n'
ON = OFF.replace('debug = false', 'debug = true')


@pytest.fixture
def service(tmp_path):
    children = []

    def start(*config_args: str) -> Child:
        child = Child(
            tmp_path, '--triggers', 'watch', '--debounce', '0.1', *config_args
        )
        children.append(child)
        child.wait(lambda e: e['event'] == 'ready')
        return child

    yield start
    for child in children:
        child.stop()


def _report(child: Child) -> dict:
    report = child.wait(lambda e: e['event'] == 'report')
    assert report['trigger'] == 'watch' and report['applied'], report
    return report


def _no_more_reports(child: Child, seconds: float = 0.6) -> None:
    time.sleep(seconds)
    extra = []
    while not child.events.empty():
        extra.append(child.events.get())
    assert [e for e in extra if e['event'] == 'report'] == []


def test_editor_save_by_rename(service, tmp_path):
    path = tmp_path / 'svc.conf'
    fs_layouts.editor_save(path, OFF)
    child = service('--config-file', str(path))

    fs_layouts.editor_save(path, ON)

    assert _report(child)['debug'] is True


def test_vim_style_save(service, tmp_path):
    path = tmp_path / 'svc.conf'
    fs_layouts.editor_save(path, OFF)
    child = service('--config-file', str(path))

    fs_layouts.vim_save(path, ON)

    assert _report(child)['debug'] is True
    fs_layouts.vim_save(path, OFF)
    assert _report(child)['debug'] is False


def test_ansible_copy(service, tmp_path):
    path = tmp_path / 'svc.conf'
    fs_layouts.ansible_copy(path, OFF)
    child = service('--config-file', str(path))

    fs_layouts.ansible_copy(path, ON)

    assert _report(child)['debug'] is True


def test_configmap_mounted_as_a_file(service, tmp_path):
    volume = fs_layouts.ConfigMapVolume(tmp_path / 'cm', {'svc.conf': OFF})
    child = service('--config-file', volume.path('svc.conf'))

    volume.update({'svc.conf': ON})
    assert _report(child)['debug'] is True
    # The first swap deleted the dir the target was in: still seen.
    volume.update({'svc.conf': OFF})
    assert _report(child)['debug'] is False


def test_configmap_mounted_as_a_config_dir(service, tmp_path):
    volume = fs_layouts.ConfigMapVolume(tmp_path / 'cm', {'svc.conf': OFF})
    child = service('--config-dir', volume.mount)

    volume.update({'svc.conf': ON})
    assert _report(child)['debug'] is True
    # A key added to and removed from the ConfigMap.
    volume.update({'svc.conf': ON, 'zz-debug.conf': '[DEFAULT]\ndebug=0\n'})
    assert _report(child)['debug'] is False
    volume.update({'svc.conf': ON})
    assert _report(child)['debug'] is True


def test_symlink_into_another_dir(service, tmp_path):
    checkout = tmp_path / 'srv' / 'config-repo'
    checkout.mkdir(parents=True)
    fs_layouts.editor_save(checkout / 'svc.conf', OFF)
    etc = tmp_path / 'etc'
    etc.mkdir()
    os.symlink(checkout / 'svc.conf', etc / 'svc.conf')
    child = service('--config-file', str(etc / 'svc.conf'))

    # `git pull` in the checkout rewrites the target, not the link.
    fs_layouts.editor_save(checkout / 'svc.conf', ON)

    assert _report(child)['debug'] is True


def test_config_dir_file_added_and_removed(service, tmp_path):
    path = tmp_path / 'svc.conf'
    fs_layouts.editor_save(path, OFF)
    confdir = tmp_path / 'svc.conf.d'
    confdir.mkdir()
    child = service('--config-file', str(path), '--config-dir', str(confdir))

    fs_layouts.editor_save(confdir / '50-debug.conf', '[DEFAULT]\ndebug = 1\n')
    assert _report(child)['debug'] is True
    os.unlink(confdir / '50-debug.conf')
    assert _report(child)['debug'] is False


def test_burst_of_writes_gives_one_reload(service, tmp_path):
    path = tmp_path / 'svc.conf'
    fs_layouts.editor_save(path, OFF)
    child = service('--config-file', str(path))

    # Config management rewriting a file several times in a row.
    for i in range(5):
        with open(path, 'w') as stream:
            stream.write(ON if i % 2 == 0 else OFF)
        time.sleep(0.01)

    assert _report(child)['debug'] is True
    _no_more_reports(child)


def test_config_dir_replaced_by_a_symlink_then_recreated(service, tmp_path):
    etc = tmp_path / 'etc' / 'svc'
    etc.mkdir(parents=True)
    fs_layouts.editor_save(etc / 'svc.conf', OFF)
    checkout = tmp_path / 'srv' / 'svc'
    checkout.mkdir(parents=True)
    fs_layouts.editor_save(checkout / 'svc.conf', ON)
    child = service('--config-file', str(etc / 'svc.conf'))

    # mv /etc/svc /etc/svc.old; ln -s /srv/svc /etc/svc
    os.rename(etc, tmp_path / 'etc' / 'svc.old')
    os.symlink(checkout, etc)
    assert _report(child)['debug'] is True
    # rm /etc/svc; mkdir /etc/svc; a config management run writes it
    os.unlink(etc)
    etc.mkdir()
    fs_layouts.ansible_copy(etc / 'svc.conf', OFF)
    assert _wait_debug(child, False)


def _wait_debug(child, value: bool) -> bool:
    # Refused reloads (the file not there yet) may come first.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        report = child.wait(lambda e: e['event'] == 'report')
        if report['applied'] and report['debug'] is value:
            return True
    return False
