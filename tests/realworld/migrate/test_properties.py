"""Hypothesis over the installed services' real options (see _properties).

Each service runs in its own process; the failing example, shrunk, is in
the assertion message.
"""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(
    os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    )
)


@pytest.mark.parametrize(
    'service,examples',
    [('nova', 100), ('glance', 40), ('neutron', 40), ('cinder', 40)],
)
def test_generated_configs_keep_their_meaning(service, examples):
    proc = subprocess.run(
        [
            sys.executable,
            '-m',
            'tests.realworld.migrate._properties',
            service,
            str(examples),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    assert 'spellings of options with old names' in proc.stdout
