"""Functional tests run against real servers that their fixtures start.

Skipping is not allowed where it would hide a missing server: with
``OSLO_EXTRAS_NO_SKIP=1`` (set by ``.ci/run``), any skipped functional test
turns the run into a failure.
"""

import os

import pytest

_SKIPPED: list[str] = []


def pytest_collection_modifyitems(items):
    for item in items:
        if 'tests/functional' in str(item.fspath):
            item.add_marker(pytest.mark.functional)


def pytest_runtest_logreport(report):
    if report.skipped and 'tests/functional' in report.nodeid:
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if _SKIPPED and os.environ.get('OSLO_EXTRAS_NO_SKIP') == '1':
        print(
            '\nFAILED: functional tests skipped (not allowed in CI):\n  '
            + '\n  '.join(_SKIPPED)
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
