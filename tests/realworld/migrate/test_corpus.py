"""oslo-config-migrate on real old config files (Folsom to Ocata).

The files under ``files/`` were rendered from the OpenStack charms' release
templates (see ``SOURCES``). Each is migrated against the options of the
service installed from PyPI (``realworld-requirements.txt``) and read through
oslo.config before and after (:mod:`._check`, one process per service):
every option keeps its value (lists in order), except those a plugin builds
from names the installed code no longer declares; TLS to the broker
survives the fold into ``transport_url``; a second run changes nothing.
"""

import collections
import json
import os
import subprocess
import sys

import pytest

from tests.realworld.migrate import _check

HERE = os.path.dirname(os.path.abspath(__file__))
FILES = os.path.join(HERE, 'files')
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))


def _corpus():
    return sorted(n for n in os.listdir(FILES) if not n.startswith('.'))


def test_corpus_has_twenty_files_with_provenance():
    names = _corpus()
    assert len(names) >= 20
    with open(os.path.join(HERE, 'SOURCES')) as stream:
        sources = stream.read()
    for name in names:
        assert f'files/{name} |' in sources, name


@pytest.fixture(scope='module')
def results():
    by_service = collections.defaultdict(list)
    for name in _corpus():
        by_service[_check.service_of(name)].append(os.path.join(FILES, name))
    out = {}
    for service, paths in sorted(by_service.items()):
        proc = subprocess.run(
            [sys.executable, '-m', 'tests.realworld.migrate._check', service]
            + paths,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        out.update(json.loads(proc.stdout))
    return out


@pytest.mark.parametrize('name', _corpus())
def test_real_old_file_keeps_its_meaning(name, results):
    result = results[name]
    assert result['changed'] == []
    assert result['renamed_warnings'] == []
    assert result['second_run_changes'] is False


@pytest.mark.parametrize(
    'name',
    [
        n
        for n in _corpus()
        if 'rabbit_use_ssl = True' in open(os.path.join(FILES, n)).read()
    ],
)
def test_tls_to_the_broker_survives(name, results):
    tls = results[name]['tls']
    assert tls['ssl'] is True
    assert tls['ssl_ca_file'] == '/etc/nova/rabbit-server-ca.pem'
    assert tls['ports'] == [5671]
