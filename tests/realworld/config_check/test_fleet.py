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


_PROBE_SCRIPT = """
import contextlib, io, json, sys, warnings
warnings.simplefilter('ignore')
from oslo_extras.cmd import config_check
out = io.StringIO()
with contextlib.redirect_stdout(out):
    with contextlib.redirect_stderr(io.StringIO()):
        status = config_check.main(sys.argv[1:])
text = out.getvalue()
print(json.dumps({'status': status, 'findings': json.loads(text or '[]'),
                  'nova': 'nova' in sys.modules}))
"""

_NOVA_DYNAMIC = """\
[devices]
enabled_mdev_types = nvidia-35,nvidia-36

[mdev_nvidia-35]
device_addresses = 0000:84:00.0
max_instances = 4

[vgpu_nvidia-36]
device_addresses = 0000:85:00.0

[mdev_nvidia-99]
device_addresses = 0000:86:00.0

[neutron]
physnets = foo

[neutron_physnet_foo]
numa_nodes = 0

[neutron_tunnel]
numa_nodes = 1
nume_nodes = 1
"""


def _probe(*argv: str) -> dict:
    proc = subprocess.run(
        [sys.executable, '-c', _PROBE_SCRIPT, *argv, '--format', 'json'],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.stdout, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_nova_dynamic_sections_resolve_from_the_cache_and_export(tmp_path):
    """nova's [mdev_<type>] and [neutron_physnet_<name>] sections come from
    nova's own functions; a warm cache and an exported catalog resolve
    them the same without importing nova."""
    from tests.realworld.config_check import corpus

    (item,) = [
        i for i in corpus.load() if i.name.endswith('nova-cell/nova.conf')
    ]
    conf = tmp_path / 'nova.conf'
    conf.write_text(_NOVA_DYNAMIC)
    ns = [a for n in item.namespaces for a in ('--namespace', n)]
    cache = ['--catalog-cache', str(tmp_path / 'cache')]
    check = ['--config-file', str(conf)]
    uncached = _probe(*ns, '--no-cache', *check)
    assert uncached['nova']
    groups = {
        (f['code'], f['group'], f['option']) for f in uncached['findings']
    }
    assert ('unknown-group', 'mdev_nvidia-99', None) in groups
    assert ('unknown-option', 'neutron_tunnel', 'nume_nodes') in groups
    assert not any(
        g in ('mdev_nvidia-35', 'neutron_physnet_foo') for _c, g, _o in groups
    )
    _probe(*ns, *cache, *check)  # cold: fills the cache
    warm = _probe(*ns, *cache, *check)
    assert not warm['nova']
    assert warm['findings'] == uncached['findings']
    exported = str(tmp_path / 'nova.yaml')
    assert _probe(*ns, '--export-opt-data', exported, *check)['status'] == 0
    imported = _probe('--opt-data', exported, *check)
    assert not imported['nova']
    assert imported['findings'] == uncached['findings']
