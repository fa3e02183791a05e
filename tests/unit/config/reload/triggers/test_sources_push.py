"""The sources trigger wakes up on a source's push (an etcd watch)."""

import time

from oslo_config import cfg

from oslo_extras.config.reload import Reloader
from oslo_extras.config.sources import base


class PushSource(base.RefreshableSource):
    """An in-memory source that can push, as the etcd driver's watch."""

    def __init__(self, data, **common):
        common.setdefault('name', 'push')
        common.setdefault('driver', 'memory')
        super().__init__(**common)
        self.data = data
        self.on_change = None
        self.stopped = False

    def fetch(self):
        result = base.FetchResult()
        for key, value in self.data.items():
            result.values[key] = value
            result.locations[key] = '/'.join(key)
        return result

    def watch(self, on_change):
        self.on_change = on_change

        def stop():
            self.stopped = True

        return stop


def test_a_push_applies_a_write_long_before_the_interval():
    conf = cfg.ConfigOpts()
    conf.register_opt(
        cfg.StrOpt('password', secret=True, mutable=True), group='db'
    )
    conf([], default_config_files=[])
    source = PushSource({('db', 'password'): 'first'}, conf=conf)
    source.load()
    conf._sources.append(source)
    assert conf.db.password == 'first'
    reloader = Reloader(conf)
    reloader.enable_triggers(
        ['sources'], options={'sources': {'interval': 3600}}
    )
    try:
        assert source.on_change is not None
        source.data[('db', 'password')] = 'pushed'
        started = time.monotonic()
        source.on_change()
        while conf.db.password != 'pushed' and time.monotonic() - started < 5:
            time.sleep(0.01)
        assert conf.db.password == 'pushed'
        assert time.monotonic() - started < 1
    finally:
        reloader.stop()
    assert source.stopped
