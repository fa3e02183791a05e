"""Readers never see a half-applied reload, under thousands of reloads."""

import threading
import time

import pytest
from oslo_config import cfg

from oslo_extras.config.reload import Reloader
from tests.unit.config.reload.conftest import write

RELOADS = 2000


def _conf(tmp_path):
    path = tmp_path / 'pair.conf'
    write(path, '[DEFAULT]\nleft = 0\n[pair]\nright = 0\n')
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.IntOpt('left', default=0, mutable=True))
    conf.register_opt(
        cfg.IntOpt('right', default=0, mutable=True), group='pair'
    )
    conf(['--config-file', str(path)], default_config_files=[])
    return conf, path


def test_concurrent_readers_never_see_a_mixed_pair(tmp_path):
    conf, path = _conf(tmp_path)
    # Validation is exercised elsewhere; here we want many swaps quickly.
    reloader = Reloader(conf, validate=False)
    stop = threading.Event()
    mixed = []
    reads = [0, 0, 0]

    def locked_reader():
        while not stop.is_set():
            with reloader.consistent() as c:
                pair = (c.left, c.pair.right)
            reads[0] += 1
            if pair[0] != pair[1]:
                mixed.append(('consistent', pair))
            time.sleep(0)  # let the reloading thread have the GIL too

    def snapshot_reader():
        while not stop.is_set():
            snap = reloader.snapshot()
            pair = (snap.DEFAULT.left, snap.pair.right)
            reads[1] += 1
            if pair[0] != pair[1]:
                mixed.append(('snapshot', pair))
            time.sleep(0)

    def plain_reader():
        # A single read is always one installed value, never a stale one.
        last = 0
        while not stop.is_set():
            value = conf.left
            reads[2] += 1
            if value < last:
                mixed.append(('went back', last, value))
            last = value
            time.sleep(0)

    readers = [
        threading.Thread(target=f)
        for f in (locked_reader, locked_reader, snapshot_reader, plain_reader)
    ]
    for thread in readers:
        thread.start()
    try:
        for i in range(1, RELOADS + 1):
            write(path, f'[DEFAULT]\nleft = {i}\n[pair]\nright = {i}\n')
            report = reloader.reload()
            assert report.applied and len(report.changes) == 2
    finally:
        stop.set()
        for thread in readers:
            thread.join()

    assert mixed == []
    assert all(reads), reads
    assert (conf.left, conf.pair.right) == (RELOADS, RELOADS)
    assert reloader.generation == RELOADS


def test_reload_inside_consistent_block_is_refused(tmp_path):
    conf, path = _conf(tmp_path)
    reloader = Reloader(conf, validate=False)
    write(path, '[DEFAULT]\nleft = 1\n[pair]\nright = 1\n')
    with reloader.consistent():
        with pytest.raises(RuntimeError, match=r'consistent\(\)'):
            reloader.reload()
    assert reloader.reload().applied
