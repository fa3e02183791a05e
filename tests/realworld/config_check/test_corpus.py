"""oslo-config-check and strict mode on real deployment files.

Every file of the corpus (kolla-ansible templates rendered for one cloud,
the services' install guides; see SOURCES) is valid for the service
installed from PyPI: the service's own ConfigOpts accepts it. So each
error finding is a false error unless ``expected.yaml`` accepts it with a
reason. The same files with one injected mistake each must be caught at
the mistake's line with the right code and suggestion.

The checks run in one process per service (``worker.py``: two services'
options cannot be imported into one process); the tests read its results.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import subprocess
import sys

import pytest

from tests.realworld.config_check import corpus

CORPUS = corpus.load()
SERVICES = ('nova', 'cinder', 'glance', 'keystone', 'neutron')
#: The issue's acceptance bar for injected faults.
MIN_DETECTION_RATE = 0.95
ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
)


def _run_worker(service: str) -> dict:
    proc = subprocess.run(
        [sys.executable, '-m', 'tests.realworld.config_check.worker', service],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.fixture(scope='module')
def results() -> dict:
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        merged: dict = {}
        for part in pool.map(_run_worker, SERVICES):
            merged.update(part)
    return merged


def _params(check: str):
    params = []
    for item in CORPUS:
        marks = []
        reason = _xfail_reason(item, check)
        if reason:
            marks.append(pytest.mark.xfail(strict=True, reason=reason))
        params.append(pytest.param(item, id=item.name, marks=marks))
    return params


def _xfail_reason(item, check: str) -> str | None:
    """Why ``check`` still fails on ``item`` (a class of issue 10)."""
    if check == 'service':
        return None
    reasons = item.xfail or {}
    return reasons.get(check) or reasons.get('all')


def _false_errors(item, findings) -> list[str]:
    accepted = {(a.line, a.code) for a in item.accepted}
    return [
        f'{f["line"]}: [{f["group"]}] {f["option"]}: {f["code"]}: '
        f'{f["message"]}'
        for f in findings
        if f['severity'] == 'error' and (f['line'], f['code']) not in accepted
    ]


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 25
    assert {item.service for item in CORPUS} == set(SERVICES)
    listed = {item.name for item in CORPUS}
    on_disk = {
        os.path.relpath(os.path.join(root, name), corpus.FILES)
        for root, _dirs, names in os.walk(corpus.FILES)
        for name in names
    }
    assert listed == on_disk


@pytest.mark.parametrize('item', _params('service'))
def test_service_accepts_file(item, results):
    # The premise of every other test: the file is valid for the service.
    assert results[item.name]['service_error'] is None


@pytest.mark.parametrize('item', _params('library'))
def test_library_finds_no_false_error(item, results):
    assert _false_errors(item, results[item.name]['library']) == []


@pytest.mark.parametrize('item', _params('cli'))
def test_cli_finds_no_false_error(item, results):
    cli = results[item.name]['cli']
    assert _false_errors(item, cli['findings']) == []
    assert cli['status'] == (1 if item.accepted else 0), cli['stderr']


@pytest.mark.parametrize('item', _params('strict'))
def test_strict_mode_starts_service(item, results):
    # strict.enable(conf, mode='error') on the service's own ConfigOpts
    # raises only for the accepted (true) errors.
    assert _false_errors(item, results[item.name]['strict']) == []


@pytest.mark.parametrize('item', [i for i in CORPUS if i.accepted])
def test_accepted_findings_are_still_reported(item, results):
    # An accepted true positive no longer found means the corpus or the
    # checker changed: expected.yaml must be kept true.
    got = {
        (f['line'], f['code'])
        for f in results[item.name]['library']
        if f['severity'] == 'error'
    }
    assert [
        (a.line, a.code) for a in item.accepted if (a.line, a.code) not in got
    ] == []


def test_injected_faults_are_found(results):
    faults = [f for item in CORPUS for f in results[item.name]['faults']]
    assert {f['kind'] for f in faults} == set(corpus.KINDS)
    assert len(faults) >= 200
    missed = [f['where'] for f in faults if not f['found']]
    rate = 1 - len(missed) / len(faults)
    assert rate >= MIN_DETECTION_RATE, (
        f'{len(missed)} of {len(faults)} faults missed:\n' + '\n'.join(missed)
    )


def test_injected_faults_of_each_kind_are_found(results):
    faults = [f for item in CORPUS for f in results[item.name]['faults']]
    for kind in corpus.KINDS:
        of_kind = [f for f in faults if f['kind'] == kind]
        found = sum(f['found'] for f in of_kind)
        assert found / len(of_kind) >= 0.9, (kind, found, len(of_kind))


def test_strict_mode_refuses_injected_bad_value(results):
    probes = [
        f['strict_refuses']
        for item in CORPUS
        for f in results[item.name]['faults']
        if 'strict_refuses' in f
    ]
    assert len(probes) == len(SERVICES)
    assert all(probes)


def test_option_in_wrong_group_suggests_its_group(results):
    # issue 10 class 7: the group the option lives in, not a similar name
    faults = [
        f
        for item in CORPUS
        for f in results[item.name]['faults']
        if f['kind'] == 'wrong-group'
    ]
    assert [f['where'] for f in faults if not f['found']] == []


@pytest.mark.parametrize(
    'name',
    ['kolla-ansible/nova/nova.conf', 'install-guide/nova-controller.conf'],
)
def test_console_script(name):
    # The installed command, as a CI job runs it: exit 1 only for the
    # accepted true positives, 0 on a file without any.
    item = next(i for i in CORPUS if i.name == name)
    command = os.path.join(
        os.path.dirname(sys.executable), 'oslo-config-check'
    )
    argv = [command, '--config-file', item.path, '--format', 'json']
    argv += [arg for ns in item.namespaces for arg in ('--namespace', ns)]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    errors = [f for f in json.loads(proc.stdout) if f['severity'] == 'error']
    assert _false_errors(item, errors) == []
    assert proc.returncode == (1 if item.accepted else 0), proc.stderr


@pytest.mark.parametrize('renderer', ['render', 'render_osa', 'render_charms'])
def test_rendered_files_match_their_templates(renderer):
    # files/kolla-ansible, files/openstack-ansible and files/charms are the
    # renderers' output, committed: keep them equal.
    import importlib

    module = importlib.import_module(
        f'tests.realworld.config_check.{renderer}'
    )
    for path, text in module.render_all().items():
        with open(path) as stream:
            assert stream.read() == text, path
