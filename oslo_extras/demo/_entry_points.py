"""The demo service's policy entry points, registered only while needed.

The installed package must not add the demo to the global
``oslo.policy.policies`` and ``oslo.policy.enforcer`` namespaces: every
service that lists policy namespaces would see it. :func:`registered`
writes a throw-away distribution (a ``.dist-info`` with an
``entry_points.txt``) to a temporary directory and puts that directory on
``sys.path`` and ``PYTHONPATH``, so stevedore in this process and the
``oslopolicy-*`` and ``oslo-policy-delta`` tools started from it find
``oslo_extras_demo``; everything is undone on exit.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator

from oslo_extras.demo._policy_service import NAMESPACE

ENTRY_POINTS = {
    'oslo.policy.policies': 'oslo_extras.demo._policy_service:list_rules',
    'oslo.policy.enforcer': 'oslo_extras.demo._policy_service:get_enforcer',
}


def _write_distribution(directory: str) -> None:
    info = os.path.join(directory, 'oslo_extras_demo_policies-0.dist-info')
    os.mkdir(info)
    with open(os.path.join(info, 'METADATA'), 'w') as stream:
        stream.write(
            'Metadata-Version: 2.1\n'
            'Name: oslo_extras_demo_policies\n'
            'Version: 0\n'
        )
    with open(os.path.join(info, 'entry_points.txt'), 'w') as stream:
        for group, target in ENTRY_POINTS.items():
            stream.write(f'[{group}]\n{NAMESPACE} = {target}\n\n')


@contextlib.contextmanager
def registered() -> Iterator[str]:
    """Register the demo's policy namespace for the duration of the block.

    Yields the namespace name (``oslo_extras_demo``).
    """
    old_pythonpath = os.environ.get('PYTHONPATH')
    with tempfile.TemporaryDirectory(prefix='oslo_extras_demo-') as tmp:
        _write_distribution(tmp)
        # A new sys.path entry also gives stevedore a new cache key.
        sys.path.insert(0, tmp)
        os.environ['PYTHONPATH'] = os.pathsep.join(
            p for p in (tmp, old_pythonpath) if p
        )
        try:
            yield NAMESPACE
        finally:
            with contextlib.suppress(ValueError):
                sys.path.remove(tmp)
            if old_pythonpath is None:
                os.environ.pop('PYTHONPATH', None)
            else:
                os.environ['PYTHONPATH'] = old_pythonpath
