"""The vault driver against a 3-node OpenBao raft cluster on loopback: the
active node, which the source is using, is killed mid-run; the source
moves to another node, no load fails, and the next refresh returns the
value written after the kill."""

# Session fixtures are imported and then requested by name.
# ruff: noqa: F811

import threading
import time
import uuid

from oslo_config import cfg

from oslo_extras.config import sources
from tests.functional.servers.openbao import openbao_raft  # noqa: F401


def _conf(tmp_path, cluster, first, prefix):
    conf = cfg.ConfigOpts()
    conf.register_opts([cfg.StrOpt('password', secret=True)], group='database')
    others = [u for u in cluster.urls if u != first]
    path = tmp_path / f'svc-{uuid.uuid4().hex[:6]}.conf'
    path.write_text(
        '[DEFAULT]\nconfig_source = vault\n'
        f'[vault]\ndriver = vault\nurl = {first}\nurls = {",".join(others)}\n'
        f'token = {cluster.token}\npath_prefix = {prefix}\ngroups = database\n'
        'timeout = 2\nretries = 6\nretry_backoff = 0.2\n'
    )
    conf(['--config-file', str(path)], default_config_files=[])
    return conf


def test_active_node_killed_mid_run(tmp_path, openbao_raft):
    cluster = openbao_raft
    active = cluster.active()
    prefix = 'svc-' + uuid.uuid4().hex[:8]
    cluster.client(active).secrets.kv.v2.create_or_update_secret(
        f'{prefix}/database', {'password': 'v0'}, mount_point='secret'
    )
    conf = _conf(tmp_path, cluster, cluster.urls[active], prefix)
    sources.load(conf)
    assert conf.database.password == 'v0'
    (source,) = sources.find_sources(conf)

    failures, loads = [], []
    stop = threading.Event()

    def keep_loading():
        while not stop.is_set():
            fresh = _conf(tmp_path, cluster, cluster.urls[active], prefix)
            try:
                sources.load(fresh)
                loads.append(fresh.database.password)
            except Exception as exc:
                failures.append(repr(exc))
            finally:
                for found in sources.find_sources(fresh):
                    found.close()
            time.sleep(0.1)

    loader = threading.Thread(target=keep_loading)
    loader.start()
    try:
        time.sleep(0.5)
        cluster.nodes[active].kill()  # the active node, as a crash would
        deadline = time.monotonic() + 60
        while cluster.active() in (None, active):
            assert time.monotonic() < deadline, 'no new active node'
            time.sleep(0.2)
        new_active = cluster.active()
        cluster.client(new_active).secrets.kv.v2.create_or_update_secret(
            f'{prefix}/database', {'password': 'v1'}, mount_point='secret'
        )
        report = sources.refresh_all(conf)
        time.sleep(1.0)
    finally:
        stop.set()
        loader.join(60)
        source.close()

    assert report.ok, report.failed
    assert report.changed == [('database', 'password')]
    assert conf.database.password == 'v1'
    assert source.url != cluster.urls[active]
    assert failures == []
    assert len(loads) >= 3 and loads[-1] == 'v1'
