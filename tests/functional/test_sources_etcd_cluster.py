"""The etcd driver against a 3-member etcd cluster on loopback: the leader
is killed mid-run; no load fails and no value is stale after the next
refresh."""

# Session fixtures are imported and then requested by name.
# ruff: noqa: F811

import threading
import time
import uuid

from oslo_config import cfg

from oslo_extras.config import sources
from tests.functional.servers.etcd import etcd_cluster  # noqa: F401


def _conf(tmp_path, cluster, prefix):
    conf = cfg.ConfigOpts()
    conf.register_opts([cfg.StrOpt('password', secret=True)], group='database')
    endpoints = ', '.join(f'127.0.0.1:{port}' for port in cluster.ports)
    path = tmp_path / f'svc-{uuid.uuid4().hex[:6]}.conf'
    path.write_text(
        '[DEFAULT]\nconfig_source = etcd\n'
        f'[etcd]\ndriver = etcd\nendpoints = {endpoints}\n'
        f'prefix = {prefix}\napi_path = /v3/\ntimeout = 1\n'
        'retries = 6\nretry_backoff = 0.1\n'
    )
    conf(['--config-file', str(path)], default_config_files=[])
    return conf


def test_leader_killed_mid_run(tmp_path, etcd_cluster):
    cluster = etcd_cluster
    prefix = '/openstack/svc-' + uuid.uuid4().hex[:8]
    leader = cluster.leader()
    cluster.client(leader).put(f'{prefix}/database/password', 'v0')
    # The service's source starts on the leader (first endpoint in use).
    cluster.ports.insert(0, cluster.ports.pop(leader))
    cluster.members.insert(0, cluster.members.pop(leader))
    conf = _conf(tmp_path, cluster, prefix)
    sources.load(conf)
    assert conf.database.password == 'v0'

    failures = []
    loads = []
    stop = threading.Event()

    def keep_loading():
        while not stop.is_set():
            try:
                fresh = _conf(tmp_path, cluster, prefix)
                sources.load(fresh)
                loads.append(fresh.database.password)
            except Exception as exc:
                failures.append(repr(exc))
            time.sleep(0.05)

    loader = threading.Thread(target=keep_loading)
    loader.start()
    try:
        time.sleep(0.3)
        cluster.members[0].kill()  # the leader, as a crash would
        # A write through a survivor once a new leader is elected.
        deadline = time.monotonic() + 15
        while True:
            try:
                cluster.client(1).put(f'{prefix}/database/password', 'v1')
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        report = sources.refresh_all(conf)
        time.sleep(0.5)
    finally:
        stop.set()
        loader.join(30)

    assert report.ok, report.failed
    assert report.changed == [('database', 'password')]
    assert conf.database.password == 'v1'  # not stale after the refresh
    assert failures == []
    assert len(loads) > 5
    assert loads[-1] == 'v1'


def test_the_watch_follows_a_failover(tmp_path, etcd_cluster):
    from oslo_extras.config.reload import Reloader

    cluster = etcd_cluster
    prefix = '/openstack/svc-' + uuid.uuid4().hex[:8]
    cluster.client(0).put(f'{prefix}/database/password', 'v0')
    conf = _conf(tmp_path, cluster, prefix)
    conf.register_opt(
        cfg.StrOpt('token', secret=True, mutable=True), group='cache'
    )
    cluster.client(0).put(f'{prefix}/cache/token', 't0')
    sources.load(conf)
    reloader = Reloader(conf)
    reloader.enable_triggers(
        ['sources'], options={'sources': {'interval': 3600}}
    )
    try:
        time.sleep(0.5)
        cluster.members[0].kill()  # the member the source and watch use
        deadline = time.monotonic() + 15
        while True:
            try:
                cluster.client(1).put(f'{prefix}/cache/token', 't1')
                break
            except Exception:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        written = time.monotonic()
        while conf.cache.token != 't1':
            assert time.monotonic() - written < 12, 'watch did not fail over'
            time.sleep(0.05)
    finally:
        reloader.stop()
