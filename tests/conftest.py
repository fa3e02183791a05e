"""What every test tier shares.

* The demo's policy namespace, which the install no longer registers.
* A catalog cache directory of the session's own: the catalog cache is on
  by default, and no test may read a catalog the user (or an earlier
  session) stored, nor leave one in ``~/.cache``. Set for the whole
  session, before any fixture runs, so subprocesses inherit it too; tests
  that need an empty cache use a ``--catalog-cache`` of their own or the
  per-test fixture below.
"""

import atexit
import functools
import os
import shutil
import tempfile

import pytest

from oslo_extras.demo import _entry_points

_SESSION_CACHE = tempfile.mkdtemp(prefix='oslo-extras-test-cache-')
os.environ['XDG_CACHE_HOME'] = _SESSION_CACHE
atexit.register(
    functools.partial(shutil.rmtree, _SESSION_CACHE, ignore_errors=True)
)


#: The clusters whose tests kill a node mid-run and compare what survives
#: against timing margins.
_FAILOVER_FIXTURES = frozenset(
    {'rabbitmq_cluster', 'etcd_cluster', 'openbao_raft'}
)


def _kills_nodes(item: pytest.Item) -> bool:
    return not _FAILOVER_FIXTURES.isdisjoint(getattr(item, 'fixturenames', ()))


def pytest_collection_modifyitems(config, items):
    # Under pytest-xdist's --dist loadgroup (run.py test): the tests with
    # real servers (functional, realworld) run on one worker, in order, as
    # their session-wide servers and timing margins expect; unit tests are
    # spread over the workers. The failover tests come last in that group:
    # by then the unit tests are done and no longer compete for the CPU
    # with a three-node cluster (a leader killed on a loaded machine made
    # reconnections and deliveries late enough to fail them).
    if not config.pluginmanager.hasplugin('xdist'):
        return
    for item in items:
        if not item.nodeid.startswith('tests/unit/'):
            item.add_marker(pytest.mark.xdist_group('servers'))
    items.sort(key=_kills_nodes)  # stable: the rest keep their order


@pytest.fixture(autouse=True, scope='session')
def demo_policy_namespace():
    """The demo's policy namespace, registered for the whole session.

    Also reaches the ``oslopolicy-*`` tools the functional tests start
    (through ``PYTHONPATH``).
    """
    with _entry_points.registered() as namespace:
        yield namespace


@pytest.fixture(autouse=True)
def _private_catalog_cache(tmp_path_factory, monkeypatch):
    # Each test its own: a test's fake entry points must not leave a
    # catalog another test would read.
    monkeypatch.setenv(
        'XDG_CACHE_HOME', str(tmp_path_factory.mktemp('xdg-cache'))
    )
