"""Issue 11 on the real-world corpus: the catalog cache and the export.

For each service, one process per mode (see ``fleet_worker``) checks all
its corpus files with ``--each``: with ``--no-cache``, with the cache cold,
with the cache warm (which must not import the service), and, for nova,
with only the catalog exported by ``--export-opt-data``. Every mode must
report exactly the same findings and exit status.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.realworld.config_check.test_corpus import ROOT

SERVICES = ('nova', 'cinder', 'glance', 'keystone', 'neutron')


def _worker(service: str, mode: str, directory: str) -> dict:
    proc = subprocess.run(
        [
            sys.executable,
            '-m',
            'tests.realworld.config_check.fleet_worker',
            service,
            mode,
            directory,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.mark.parametrize('service', SERVICES)
def test_warm_cache_same_findings_without_importing_service(service, tmp_path):
    cache = str(tmp_path / 'cache')
    uncached = _worker(service, 'no-cache', cache)
    assert service in uncached['imported']  # the probe works
    assert not os.path.exists(cache)
    cold = _worker(service, 'cache', cache)
    warm = _worker(service, 'cache', cache)
    assert warm['imported'] == []
    assert uncached['sets']
    assert cold['sets'] == uncached['sets']
    assert warm['sets'] == uncached['sets']


def test_nova_catalog_exported_checks_like_its_namespaces(tmp_path):
    directory = str(tmp_path)
    uncached = _worker('nova', 'no-cache', directory)
    _worker('nova', 'export', directory)
    imported = _worker('nova', 'opt-data', directory)
    assert imported['imported'] == []
    assert any(s['findings'] for s in uncached['sets'].values())
    assert imported['sets'] == uncached['sets']
