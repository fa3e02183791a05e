"""Fail loudly when oslo.config changes an internal _upstream relies on."""

import pytest
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


# -- live reload (oslo_extras.config.reload) ---------------------------------


def _reload_conf(tmp_path, text='[DEFAULT]\ncolor = red\n'):
    path = tmp_path / 'u.conf'
    path.write_text(text)
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.StrOpt('color', mutable=True))
    conf.register_opt(cfg.IntOpt('size', default=1))
    conf.register_opt(cfg.IntOpt('pool', default=2), group='db')
    conf(['--config-file', str(path)], default_config_files=[])
    return conf, path


def test_parse_files_returns_a_namespace_and_leaves_conf_alone(tmp_path):
    conf, path = _reload_conf(tmp_path)
    live = conf._namespace
    path.write_text('[DEFAULT]\ncolor = blue\nsize = 3\n')

    namespace = _upstream.parse_files(conf)

    assert conf._namespace is live and conf.color == 'red'
    assert _upstream.typed_value(conf, 'DEFAULT', 'color', namespace) == (
        'blue'
    )
    assert _upstream.typed_value(conf, 'DEFAULT', 'size', namespace) == 3
    assert _upstream.typed_value(conf, 'db', 'pool', namespace) == 2
    assert _upstream.typed_value(conf, 'DEFAULT', 'color') == 'red'


def test_parse_files_raises_oslo_errors(tmp_path):
    conf, path = _reload_conf(tmp_path)
    path.unlink()
    try:
        _upstream.parse_files(conf)
    except cfg.ConfigFilesNotFoundError:
        pass
    else:
        raise AssertionError('expected ConfigFilesNotFoundError')


def test_typed_value_raises_value_error_for_bad_values(tmp_path):
    conf, path = _reload_conf(tmp_path)
    path.write_text('[DEFAULT]\nsize = many\n')
    namespace = _upstream.parse_files(conf)
    try:
        _upstream.typed_value(conf, 'DEFAULT', 'size', namespace)
    except ValueError:
        pass
    else:
        raise AssertionError('expected ValueError')


def test_install_swaps_namespace_and_cache_that_reads_use(tmp_path):
    conf, path = _reload_conf(tmp_path)
    assert conf.color == 'red'  # cached now
    path.write_text('[DEFAULT]\ncolor = blue\n')
    namespace = _upstream.parse_files(conf)

    _upstream.install(
        conf, namespace, {_upstream.cache_key('DEFAULT', 'color'): 'blue'}
    )

    assert conf.color == 'blue'
    assert _upstream.mutable_namespace(conf) is namespace
    assert conf.get_location('color').detail == str(path)
    # The cache is the one oslo.config reads and clears.
    conf._get('color')
    conf.set_override('color', 'green')
    assert conf.color == 'green'


def test_prefilled_cache_keeps_installed_values_and_can_freeze(tmp_path):
    conf, _ = _reload_conf(tmp_path)
    _upstream.install(conf, None, {(None, 'color'): 'blue'})
    cache = conf._ConfigOpts__cache
    cache[(None, 'color')] = 'stale'
    assert conf.color == 'blue'
    with _upstream.cache_frozen(conf):
        _upstream.clear_value_caches(conf)
        assert conf.color == 'blue'
    _upstream.clear_value_caches(conf)
    assert conf.color == 'red'


def test_cache_keys_match_what_get_stores(tmp_path):
    conf, _ = _reload_conf(tmp_path)
    conf.color, conf.db.pool  # noqa: B018
    keys = set(conf._ConfigOpts__cache)
    assert _upstream.cache_key('DEFAULT', 'color') in keys
    assert _upstream.cache_key('db', 'pool') in keys


def test_has_override_or_default_and_hooks(tmp_path):
    conf, _ = _reload_conf(tmp_path)
    assert not _upstream.has_override_or_default(conf, 'DEFAULT', 'size')
    conf.set_default('size', 5)
    assert _upstream.has_override_or_default(conf, 'DEFAULT', 'size')
    assert _upstream.is_parsed(conf)
    assert not _upstream.is_parsed(cfg.ConfigOpts())

    def hook(conf, fresh):
        pass

    conf.register_mutate_hook(hook)
    assert _upstream.mutate_hooks(conf) == [hook]


def test_typed_value_passes_optgroup_objects_as_old_oslo_config_needs(
    tmp_path, monkeypatch
):
    # oslo.config before 10.4 (9.7.2 in OpenStack 2025.1, 10.0-10.3) reads
    # ``group.name`` inside ``_do_get``; only 10.4 accepts a group name.
    # Passing the OptGroup works on every version from the floor in
    # requirements.txt up.
    conf, path = _reload_conf(tmp_path, '[db]\npool = 7\n')
    seen = []
    real = conf._do_get

    def do_get(name, group=None, namespace=None):
        seen.append(group)
        return real(name, group, namespace)

    monkeypatch.setattr(conf, '_do_get', do_get)
    namespace = _upstream.parse_files(conf)

    assert _upstream.typed_value(conf, 'db', 'pool', namespace) == 7
    assert _upstream.typed_value(conf, 'DEFAULT', 'size') == 1
    value, location = _upstream.typed_value_and_location(conf, 'db', 'pool')
    assert value == 7 and location is not None
    assert isinstance(seen[0], cfg.OptGroup) and seen[0].name == 'db'
    assert seen[1] is None


def test_normalized_files_reads_every_entry_per_file(tmp_path):
    conf, path = _reload_conf(
        tmp_path, '[DEFAULT]\ncolor = red\n[DB]\npool = 3\nlog-file = x\n'
    )

    files = _upstream.normalized_files(_upstream.parse_files(conf))

    assert files == [
        {
            'DEFAULT': {'color': ['red']},
            'db': {'pool': ['3'], 'log-file': ['x']},
        }
    ]
    assert _upstream.normalized_files(_upstream.namespace(conf)) == files


def test_overrides_registrations_and_sources_are_seen(tmp_path):
    conf, path = _reload_conf(tmp_path)
    before = _upstream.registration_signature(conf)
    assert _upstream.overridden_keys(conf) == set()
    assert not _upstream.has_config_sources(conf)

    conf.set_override('color', 'blue')
    conf.set_default('pool', 9, group='db')
    conf.register_opt(cfg.IntOpt('extra'), group='db')

    assert _upstream.overridden_keys(conf) == {
        ('DEFAULT', 'color'),
        ('db', 'pool'),
    }
    assert _upstream.registration_signature(conf) != before


def test_substitution_template_is_what_conf_substitutes_with(tmp_path):
    import string

    assert issubclass(_upstream.SubstitutionTemplate, string.Template)
    # The interpolator must read the same names the service does.
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.StrOpt('base', default='/b'))
    conf.register_opt(cfg.StrOpt('x'), group='g')
    conf.register_opt(cfg.StrOpt('path'))
    path = tmp_path / 'a.conf'
    path.write_text('[DEFAULT]\npath = $base/${g.x}/$$\n[g]\nx = y\n')
    conf(['--config-file', str(path)])
    assert conf.path == '/b/y/$'
    template = _upstream.SubstitutionTemplate('$base/${g.x}/$$')
    assert template.safe_substitute({'base': '/b', 'g.x': 'y'}) == '/b/y/$'


def test_parsed_files_pairs_what_oslo_config_parsed_with_paths(tmp_path):
    conf, path = _reload_conf(tmp_path)
    confd = tmp_path / 'svc.conf.d'
    confd.mkdir()
    (confd / '10-a.conf').write_text('[DEFAULT]\nsize = 4\n[DB]\npool = 9\n')
    conf(
        ['--config-file', str(path), '--config-dir', str(confd)],
        default_config_files=[],
    )
    paths = [str(path), str(confd / '10-a.conf')]

    pairs = _upstream.parsed_files(conf, _upstream.parse_files(conf), paths)

    # Sections and keys as written, values listed, in reading order.
    assert pairs == [
        (str(path), {'DEFAULT': {'color': ['red']}}),
        (paths[1], {'DEFAULT': {'size': ['4']}, 'DB': {'pool': ['9']}}),
    ]


def test_parsed_files_refuses_a_pairing_it_cannot_vouch_for(tmp_path):
    conf, path = _reload_conf(tmp_path)
    confd = tmp_path / 'svc.conf.d'
    confd.mkdir()
    (confd / 'a.conf').write_text('[db]\npool = 9\n')
    namespace = _upstream.parse_files(conf)
    # A count that does not match.
    assert _upstream.parsed_files(conf, namespace, []) is None
    # Sections oslo.config saw in another file than the pairing says.
    other = tmp_path / 'other.conf'
    assert _upstream.parsed_files(conf, namespace, [str(other)]) is None
    # A config dir before a config file on the command line: oslo.config
    # reads them in that order, not files first.
    conf(
        ['--config-dir', str(confd), '--config-file', str(path)],
        default_config_files=[],
    )
    paths = [str(path), str(confd / 'a.conf')]
    assert (
        _upstream.parsed_files(conf, _upstream.parse_files(conf), paths)
        is None
    )


@pytest.mark.parametrize(
    'args, defaults',
    [
        (['--config-dir', 'D', '--config-file', 'F'], {}),
        (['--config-dir=D', '--config-f', 'F'], {}),
        (['--config-file', 'F'], {'default_config_dirs': ['D']}),
        ([], {'default_config_files': ['F'], 'default_config_dirs': ['D']}),
        (['--config-dir', 'D'], {'default_config_files': ['F']}),
    ],
)
def test_config_reading_order_is_the_order_oslo_config_parses(
    tmp_path, args, defaults
):
    from oslo_extras.config.configset import ConfigSet

    path = tmp_path / 'f.conf'
    path.write_text('[DEFAULT]\ncolor = blue\n')
    confd = tmp_path / 'd'
    confd.mkdir()
    (confd / 'a.conf').write_text('[db]\npool = 9\n')
    (confd / 'b.conf').write_text('[DEFAULT]\ncolor = green\n')
    where = {'F': str(path), 'D': str(confd)}

    def real(text):
        for key, value in where.items():
            text = (
                text.replace(key, value)
                if text in (key, f'--config-dir={key}')
                else text
            )
        return text

    conf, _ = _reload_conf(tmp_path)
    conf(
        [real(a) for a in args],
        default_config_files=[
            where[f] for f in defaults.get('default_config_files', ())
        ],
        default_config_dirs=[
            where[d] for d in defaults.get('default_config_dirs', ())
        ],
    )
    order = _upstream.config_reading_order(conf)
    paths = ConfigSet.expand(order)
    pairs = _upstream.parsed_files(conf, _upstream.parse_files(conf), paths)

    assert sorted(paths) == sorted(
        [str(path), str(confd / 'a.conf'), str(confd / 'b.conf')]
    )
    assert pairs is not None
    # the last file read wins, as the service reads it
    assert conf.color == ('blue' if paths[-1] == str(path) else 'green')
