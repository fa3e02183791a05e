"""Fail loudly when oslo.config changes an internal that _upstream relies on."""

from oslo_config import cfg
from oslo_config import sources

from oslo_extras.config import _upstream


def test_no_value_sentinel_is_what_sources_return():
    assert _upstream.NO_VALUE is sources._NoValue


def test_registered_opts_lists_default_and_group_options():
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.BoolOpt('debug'))
    group = cfg.OptGroup('db', driver_option='backend')
    conf.register_opt(cfg.StrOpt('connection', secret=True), group=group)

    listed = {(g, opt.dest) for g, opt in _upstream.registered_opts(conf)}

    assert {('DEFAULT', 'debug'), ('db', 'connection')} <= listed
    assert _upstream.registered_groups(conf)['db'].driver_option == 'backend'


def test_group_driver_opts_reads_what_the_generator_saves():
    group = cfg.OptGroup('db', driver_option='backend')
    opt = cfg.StrOpt('path')
    group._save_driver_opts({'file': [opt]})

    assert _upstream.group_driver_opts(group) == {'file': [opt]}


class _Source(sources.ConfigurationSource):
    def __init__(self):
        self.value = 'one'

    def get(self, group_name, option_name, opt):
        if (group_name, option_name) == ('db', 'password'):
            return self.value, cfg.LocationInfo(cfg.Locations.user, 'x')
        return sources._NoValue, None


def test_loaded_sources_and_clear_value_caches():
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.StrOpt('password'), group='db')
    conf([])
    source = _Source()
    conf._sources.append(source)

    assert _upstream.loaded_sources(conf) == [source]
    assert conf.db.password == 'one'
    source.value = 'two'
    assert conf.db.password == 'one'  # oslo.config cached it
    _upstream.clear_value_caches(conf)
    assert conf.db.password == 'two'
