"""run.py on a python3 without ensurepip (Debian without python3-venv)."""

import importlib.util
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


def _which(name):
    return '/usr/bin/' + name


@pytest.fixture
def run_py():
    spec = importlib.util.spec_from_file_location(
        'run_py', os.path.join(ROOT, 'run.py')
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_not_root_gets_one_line_telling_what_to_install(run_py, monkeypatch):
    monkeypatch.setattr(run_py, '_has_ensurepip', lambda: False)
    monkeypatch.setattr(run_py.os, 'geteuid', lambda: 1000)
    with pytest.raises(SystemExit) as exc:
        run_py.ensure_ensurepip()
    message = str(exc.value.code)
    assert '\n' not in message
    assert 'no ensurepip' in message
    assert 'apt-get install python3-venv' in message


def test_root_installs_python3_venv_with_apt_get(run_py, monkeypatch):
    calls = []
    answers = iter([False, True])
    monkeypatch.setattr(run_py, '_has_ensurepip', lambda: next(answers))
    monkeypatch.setattr(run_py.os, 'geteuid', lambda: 0)
    monkeypatch.setattr(run_py.shutil, 'which', _which)
    monkeypatch.setattr(run_py, '_run', lambda *cmd, **kw: calls.append(cmd))
    run_py.ensure_ensurepip()
    assert calls[-1] == ('apt-get', 'install', '-y', '-qq', 'python3-venv')


def test_failed_apt_get_is_one_line(run_py, monkeypatch):
    def fail(*cmd, **kw):
        raise subprocess.CalledProcessError(100, cmd)

    monkeypatch.setattr(run_py, '_has_ensurepip', lambda: False)
    monkeypatch.setattr(run_py.os, 'geteuid', lambda: 0)
    monkeypatch.setattr(run_py.shutil, 'which', _which)
    monkeypatch.setattr(run_py, '_run', fail)
    with pytest.raises(SystemExit) as exc:
        run_py.ensure_ensurepip()
    assert str(exc.value.code).startswith('run.py: apt-get could not install')


def test_a_python_with_ensurepip_needs_nothing(run_py, monkeypatch):
    monkeypatch.setattr(run_py, '_run', pytest.fail)
    run_py.ensure_ensurepip()


@pytest.mark.parametrize(
    'extra',
    [[], ['-p', 'no:cacheprovider', '--junitxml=out.xml'], ['-k', 'rabbit']],
)
def test_tests_run_on_one_worker_per_core(run_py, monkeypatch, extra):
    monkeypatch.delenv('PYTEST_ADDOPTS', raising=False)
    monkeypatch.setattr(run_py.os, 'cpu_count', lambda: 2)
    assert run_py.parallel(extra) == ['-n', '2', '--dist', 'loadgroup']
    monkeypatch.setattr(run_py.os, 'cpu_count', lambda: 64)
    assert run_py.parallel(extra)[:2] == ['-n', '4']
    monkeypatch.setattr(run_py.os, 'cpu_count', lambda: 1)
    assert run_py.parallel(extra) == []


@pytest.mark.parametrize(
    'extra',
    [
        ['--dist=load'],
        ['--dist', 'loadfile'],
        ['-n', '3', '--dist', 'load'],
        ['-p', 'no:xdist'],
        # Before: -n 2 was added and pytest stopped at 'unrecognized
        # arguments: -n' (no xdist plugin, no -n option).
        ['-pno:xdist'],
        ['-p', 'no:cacheprovider', '-pno:xdist'],
        # Before: -n 2 was added and xdist refused --pdb.
        ['-k', 'rabbit', '--pdb'],
        ['--trace'],
    ],
)
def test_workers_chosen_by_the_caller_are_kept(run_py, monkeypatch, extra):
    monkeypatch.setattr(run_py.os, 'cpu_count', lambda: 2)
    monkeypatch.delenv('PYTEST_ADDOPTS', raising=False)
    assert run_py.parallel(extra) == []


@pytest.mark.parametrize(
    'extra',
    [
        ['-n', '0'],
        ['-n0'],
        ['-n', '4'],
        ['--numprocesses=3'],
        ['--numprocesses', 'auto'],
        ['-nauto'],
        ['-p', 'no:cacheprovider', '-nlogical'],
    ],
)
def test_a_callers_workers_keep_the_server_group(run_py, monkeypatch, extra):
    # Before: nothing added, so xdist's default --dist load spread the
    # tests with real servers over the workers (each worker starting its
    # own session servers) and '-nauto' got a second '-n 2' before it.
    monkeypatch.setattr(run_py.os, 'cpu_count', lambda: 2)
    monkeypatch.delenv('PYTEST_ADDOPTS', raising=False)
    assert run_py.parallel(extra) == ['--dist', 'loadgroup']


@pytest.mark.parametrize(
    'addopts, expected',
    [
        ('-p no:xdist', []),
        ('-n 0', ['--dist', 'loadgroup']),
        ('--dist=load -n 3', []),
        ('-p no:cacheprovider', ['-n', '2', '--dist', 'loadgroup']),
    ],
)
def test_pytest_addopts_count_as_the_callers(
    run_py, monkeypatch, addopts, expected
):
    # pytest puts PYTEST_ADDOPTS before the command line: our '-n 2' came
    # after it and won ('-p no:xdist' there made it a usage error).
    monkeypatch.setattr(run_py.os, 'cpu_count', lambda: 2)
    monkeypatch.setenv('PYTEST_ADDOPTS', addopts)
    assert run_py.parallel([]) == expected


@pytest.fixture
def version_matrix():
    spec = importlib.util.spec_from_file_location(
        'version_matrix', os.path.join(ROOT, '.ci', 'version_matrix.py')
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    'extra, workers',
    [
        ([], ['-n', '2', '--dist', 'loadgroup']),
        (['-k', 'rabbit'], ['-n', '2', '--dist', 'loadgroup']),
        # Before: '-n 2' was always given ('-p no:xdist': pytest stopped at
        # 'unrecognized arguments: -n'; --pdb: xdist refused it).
        (['-p', 'no:xdist'], []),
        (['--pdb'], []),
        (['-n', '0'], ['--dist', 'loadgroup']),
    ],
)
def test_version_matrix_legs_choose_workers_as_run_py(
    version_matrix, monkeypatch, extra, workers
):
    monkeypatch.setattr(os, 'cpu_count', lambda: 2)
    monkeypatch.delenv('PYTEST_ADDOPTS', raising=False)
    command = version_matrix.pytest_command('py', extra)
    assert command == [
        'py',
        '-m',
        'pytest',
        '-q',
        '-p',
        'no:cacheprovider',
        *workers,
        'tests/unit',
        *extra,
    ]


@pytest.mark.parametrize(
    ('extra', 'given'),
    [
        (['tests/unit/test_run_py.py'], True),
        (
            [
                'tests/unit/test_run_py.py::test_a_python_with_ensurepip_needs_nothing'
            ],
            True,
        ),
        (['-k', 'rabbit', 'tests/functional/'], True),
        (
            ['-p', 'no:cacheprovider', '--junitxml=.ci/artifacts/junit.xml'],
            False,
        ),
        (['--junitxml', 'README.rst'], False),  # an option's value
        (['tests/unit/no_such_file.py'], False),
        (['-k', 'tests'], False),
        (['--deselect', 'tests/unit/test_run_py.py'], False),
        (['tests'], True),
    ],
)
def test_given_test_paths_replace_the_tiers(run_py, extra, given):
    assert run_py.given_test_paths(extra) is given
