"""oslo-config-migrate on real multi-file layouts, read as one config.

``layouts/rdo-havana``: RDO's packaged ``/usr/share/nova/nova-dist.conf``
(Havana) read before the operator's ``/etc/nova/nova.conf`` kept from
Grizzly (RPM ``%config(noreplace)``), as RDO's patched oslo.config reads
them (see ``SOURCES``). Both are migrated together and compared through
oslo.config before and after (:mod:`._check`, in its own process).
"""

import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
RDO = os.path.join(HERE, 'layouts', 'rdo-havana')
SOURCES = [
    f'file={os.path.join(RDO, "nova-dist.conf")}',
    f'file={os.path.join(RDO, "nova.conf")}',
]


def _check(remove_obsolete):
    proc = subprocess.run(
        [
            sys.executable,
            '-m',
            'tests.realworld.migrate._check',
            'nova',
            '--layout',
            *SOURCES,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, 'REMOVE_OBSOLETE': '1' if remove_obsolete else ''},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.fixture(scope='module', params=[False, True], ids=['keep', 'remove'])
def result(request):
    return _check(request.param)


def test_rdo_dist_and_operator_file_keep_their_meaning(result):
    assert result['changed'] == []
    assert result['renamed_warnings'] == []
    assert result['second_run_changes'] is False
    # The operator's Grizzly sql_connection (the later file) beat the dist
    # file's [database] connection then; it still does, as the new name.
    assert 'move [DEFAULT] sql_connection' in result['changes']
    # The keystone v2 admin_* and auth_host lines: a manual step each file.
    assert result['changes'].count('manual [None] None') == 2


@pytest.mark.xfail(
    strict=True,
    reason='the release catalog has no oslo.concurrency: [DEFAULT] '
    'lock_path (now [oslo_concurrency] lock_path; RDO moved it by hand in '
    'b0272f9) is reported unknown instead of migrated',
)
def test_default_lock_path_goes_to_oslo_concurrency(result):
    assert 'unknown [DEFAULT] lock_path' not in result['changes']


KEYSTONE = os.path.join(HERE, 'layouts', 'rdo-keystone')


def _check_keystone(name):
    proc = subprocess.run(
        [
            sys.executable,
            '-m',
            'tests.realworld.migrate._check',
            'keystone',
            '--layout',
            f'file={os.path.join(KEYSTONE, name)}',
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, 'REMOVE_OBSOLETE': '1'},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.fixture(scope='module')
def keystone_mitaka():
    return _check_keystone('keystone-dist.conf')


@pytest.mark.parametrize(
    'name', ['keystone-dist.conf', 'keystone-dist-icehouse.conf']
)
def test_rdo_keystone_dist_keeps_its_meaning(name):
    result = _check_keystone(name)
    assert result['changed'] == []
    assert result['second_run_changes'] is False
    # keystone dropped [paste_deploy] config_file in rocky, but glance's
    # namespace still declares it: --remove-obsolete keeps it.
    assert 'removed [paste_deploy] config_file' in result['changes']


@pytest.mark.xfail(
    strict=True,
    reason='the release catalog stops at 2024.1 for keystone and keeps no '
    'option list of that series: [catalog] template_file, which keystone '
    '30 no longer declares, is reported unknown, not "removed in <release>"',
)
def test_keystone_template_file_is_reported_removed(keystone_mitaka):
    assert 'unknown [catalog] template_file' not in keystone_mitaka['changes']
