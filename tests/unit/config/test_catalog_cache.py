"""The catalog cache and the catalog's lossless export (issue 11)."""

import json
import os
import re
import types as pytypes

import pytest
import yaml
from oslo_config import cfg
from oslo_config import types

from oslo_extras.config import dynamic_groups
from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.catalog import cache as catalog_cache
from oslo_extras.config.catalog import loaders
from oslo_extras.config.catalog.opt_data import catalog_to_data

NAMESPACES = ['oslo.log', 'oslo.messaging']


def _data(catalog):
    return json.loads(json.dumps(catalog_to_data(catalog), default=str))


def _fidelity_catalog():
    """A catalog with every feature a check reads."""
    catalog = OptionCatalog()
    group = cfg.OptGroup('backend', help='Backends', driver_option='driver')
    catalog.add_opts(
        group,
        [
            cfg.StrOpt(
                'mode',
                choices=[('Fast', 'quick'), ('slow', None)],
                ignore_case=True,
                mutable=True,
            ),
            cfg.StrOpt('name', regex=r'^[a-z]+$'),
            cfg.URIOpt('url', schemes=['http', 'https'], max_length=80),
            cfg.HostAddressOpt('host'),
            cfg.HostDomainOpt('domain'),
            cfg.PortOpt('port', choices=[80, 443]),
            cfg.IntOpt('workers', min=1, max=64, default=4),
            cfg.FloatOpt('ratio', min=0.5, max=2.5),
            cfg.IPOpt('ip', version=6),
            cfg.ListOpt('items', item_type=types.Integer(min=0)),
            cfg.Opt('labels', type=types.Dict(bounds=True)),
            cfg.MultiStrOpt('extra'),
            cfg.StrOpt(
                'password',
                secret=True,
                required=True,
                default='from-code',
            ),
            cfg.StrOpt(
                'new_name',
                deprecated_opts=[cfg.DeprecatedOpt('old_name', group='old')],
                deprecated_for_removal=True,
                deprecated_reason='gone',
                deprecated_since='Z',
            ),
            cfg.StrOpt('driver'),
            # An old name in the option's own group, whichever it is (an
            # instance [backend_1] too): no group written into the data.
            cfg.StrOpt('current', deprecated_name='legacy'),
        ],
        namespace='svc',
    )
    # The same option name for two drivers: kept apart per driver.
    catalog.add_opts(group, [cfg.IntOpt('size', max=10)], 'svc', 'small')
    catalog.add_opts(group, [cfg.IntOpt('size', max=99)], 'svc', 'large')
    catalog.add_opts(
        cfg.OptGroup('pool', dynamic_group_owner='pools'),
        [cfg.BoolOpt('enabled', default=True)],
        'svc',
    )
    catalog.add_opts('DEFAULT', [cfg.ListOpt('pools')], 'svc', registered=True)
    catalog.add_opts(
        cfg.OptGroup('sample_x_source', dynamic_group_owner='config_source'),
        [cfg.StrOpt('path')],
    )
    loaders._mark_template(
        catalog,
        cfg.OptGroup('sample_x_source', dynamic_group_owner='config_source'),
    )
    catalog.add_group_pattern('backend_*', 'backend')
    return catalog


def test_export_round_trip_keeps_everything_checks_read():
    original = _fidelity_catalog()
    text = yaml.safe_dump(catalog_to_data(original))
    back = loaders.load_data(OptionCatalog(), yaml.safe_load(text), 'x')
    assert _data(back) == _data(original)
    backend = back.group('backend')
    mode = backend.options['mode'].opt
    assert mode.type.ignore_case and mode.mutable
    assert mode.type('fAST') == 'fAST'  # accepted, whatever the case
    with pytest.raises(ValueError):
        mode.type('medium')
    assert back.option('backend', 'name').opt.type.regex.pattern == (
        '^[a-z]+$'
    )
    url = back.option('backend', 'url').opt.type
    assert isinstance(url, types.URI) and url.schemes == ['http', 'https']
    with pytest.raises(ValueError):
        url('ftp://x')
    assert isinstance(
        back.option('backend', 'host').opt.type, types.HostAddress
    )
    assert isinstance(
        back.option('backend', 'domain').opt.type, types.HostDomain
    )
    with pytest.raises(ValueError):
        back.option('backend', 'port').opt.type(8080)
    with pytest.raises(ValueError):
        back.option('backend', 'ip').opt.type('10.0.0.1')
    password = back.option('backend', 'password')
    assert password.secret and password.opt.required
    assert password.opt.default == 'from-code'
    assert back.replacement_for('old', 'old_name').name == 'new_name'
    (legacy,) = back.option('backend', 'current').opt.deprecated_opts
    assert (legacy.name, legacy.group) == ('legacy', None)
    assert backend.driver_opts['small']['size'].opt.type.max == 10
    assert backend.driver_opts['large']['size'].opt.type.max == 99
    assert 'size' not in backend.options
    assert back.group('sample_x_source').template
    assert back.group('pool').dynamic_group_owner == 'pools'
    assert back.option('DEFAULT', 'pools').registered
    assert back.group('backend_1') is not None


def test_plain_generator_driver_opts_still_load_by_name():
    data = {
        'options': {
            'g': {
                'driver_option': 'driver',
                'driver_opts': {'d1': ['x']},
                'opts': [{'name': 'x', 'type': 'integer value'}],
            }
        }
    }
    catalog = loaders.load_data(OptionCatalog(), data, 'gen')
    assert 'x' in catalog.group('g').driver_opts['d1']


@pytest.fixture
def cache(tmp_path):
    return catalog_cache.CatalogCache(str(tmp_path / 'cache'))


def _no_import(monkeypatch):
    def refuse(cls, namespaces):
        raise AssertionError('namespaces imported on a warm run')

    monkeypatch.setattr(OptionCatalog, 'from_namespaces', classmethod(refuse))


def test_warm_run_reuses_the_catalog_without_loading(cache, monkeypatch):
    cold = catalog_cache.load_namespaces(NAMESPACES, cache)
    (path,) = [
        os.path.join(cache.directory, n) for n in os.listdir(cache.directory)
    ]
    assert path == cache.path_for(NAMESPACES)
    header, body = open(path, 'rb').read().split(b'\n', 1)
    assert json.loads(header)['schema'] == catalog_cache.SCHEMA
    json.loads(body)  # a data format, not pickle
    _no_import(monkeypatch)
    warm = catalog_cache.load_namespaces(NAMESPACES, cache)
    assert _data(warm) == _data(cold)


def test_warm_catalog_equals_a_fresh_build(cache):
    catalog_cache.load_namespaces(NAMESPACES, cache)
    warm = catalog_cache.load_namespaces(NAMESPACES, cache)
    assert _data(warm) == _data(OptionCatalog.from_namespaces(NAMESPACES))


def _corrupt_bad_json(path):
    with open(path, 'wb') as stream:
        stream.write(b'{not json')


def _corrupt_schema(path):
    header, body = open(path, 'rb').read().split(b'\n', 1)
    data = json.loads(header)
    data['schema'] = catalog_cache.SCHEMA + 1
    open(path, 'wb').write(json.dumps(data).encode() + b'\n' + body)


def _corrupt_body(path):
    # Valid JSON, wrong content: only the checksum tells.
    raw = open(path, 'rb').read()
    open(path, 'wb').write(raw.replace(b'"max":', b'"max":1,"x":', 1))


def _stale_key(path):
    header, body = open(path, 'rb').read().split(b'\n', 1)
    data = json.loads(header)
    data['key'] = '0' * 64
    open(path, 'wb').write(json.dumps(data).encode() + b'\n' + body)


def _truncated(path):
    raw = open(path, 'rb').read()
    open(path, 'wb').write(raw[: len(raw) // 2])


@pytest.mark.parametrize(
    'damage',
    [
        _corrupt_bad_json,
        _corrupt_schema,
        _corrupt_body,
        _stale_key,
        _truncated,
    ],
)
def test_corrupt_or_stale_cache_is_rebuilt_never_trusted(
    cache, monkeypatch, damage
):
    fresh = _data(catalog_cache.load_namespaces(NAMESPACES, cache))
    path = cache.path_for(NAMESPACES)
    damage(path)
    key = catalog_cache.cache_key(NAMESPACES)
    assert cache.load(NAMESPACES, key) is None
    built = []
    real = OptionCatalog.from_namespaces.__func__

    def counting(cls, namespaces):
        built.append(list(namespaces))
        return real(cls, namespaces)

    monkeypatch.setattr(
        OptionCatalog, 'from_namespaces', classmethod(counting)
    )
    assert _data(catalog_cache.load_namespaces(NAMESPACES, cache)) == fresh
    assert built == [NAMESPACES]
    # ... and the rebuilt file is trusted again.
    assert cache.load(NAMESPACES, key) is not None


def _fake_dist(name, version, eps):
    files = {
        'METADATA': f'Metadata-Version: 2.1\nName: {name}\n'
        f'Version: {version}\n\nName: not-a-header\n',
        'entry_points.txt': ''.join(f'[{g}]\n{n} = {v}\n' for g, n, v in eps),
    }
    return pytypes.SimpleNamespace(
        read_text=files.get,
        entry_points=[
            pytypes.SimpleNamespace(group=g, name=n, value=v)
            for g, n, v in eps
        ],
    )


def test_key_follows_providers_versions_and_entry_points(monkeypatch):
    dists = [
        _fake_dist('svc', '1.0', [('oslo.config.opts', 'svc', 'svc.o:f')]),
        _fake_dist('lib', '2.0', []),
    ]
    monkeypatch.setattr(
        catalog_cache.importlib.metadata, 'distributions', lambda: dists
    )
    first = catalog_cache.cache_key(['svc'])
    assert catalog_cache.cache_key(['svc']) == first
    assert catalog_cache.cache_key(['svc', 'other']) != first
    dists[0] = _fake_dist(
        'svc', '1.1', [('oslo.config.opts', 'svc', 'svc.o:f')]
    )
    upgraded = catalog_cache.cache_key(['svc'])
    assert upgraded != first
    dists[0] = _fake_dist(
        'svc', '1.1', [('oslo.config.opts', 'svc', 'svc.o:g')]
    )
    assert catalog_cache.cache_key(['svc']) != upgraded
    moved = catalog_cache.cache_key(['svc'])
    dists[1] = _fake_dist('lib', '2.1', [])  # a dependency upgrade
    assert catalog_cache.cache_key(['svc']) != moved
    upgraded_lib = catalog_cache.cache_key(['svc'])
    # A dynamic group plugin added without a version change (editable).
    dists[1] = _fake_dist(
        'lib', '2.1', [(dynamic_groups.NAMESPACE, 'lib', 'lib.dg:Plugin')]
    )
    assert catalog_cache.cache_key(['svc']) != upgraded_lib


def test_unwritable_cache_dir_still_checks(tmp_path):
    blocker = tmp_path / 'file'
    blocker.write_text('')
    cache = catalog_cache.CatalogCache(str(blocker / 'sub'))
    catalog = catalog_cache.load_namespaces(NAMESPACES, cache)
    assert catalog.option('DEFAULT', 'debug') is not None


def test_default_directory_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path))
    assert catalog_cache.default_directory() == str(tmp_path / 'oslo_extras')
    monkeypatch.delenv('XDG_CACHE_HOME')
    assert catalog_cache.default_directory() == os.path.expanduser(
        '~/.cache/oslo_extras'
    )


def test_concurrent_writers_leave_a_whole_file(cache):
    import threading

    key = catalog_cache.cache_key(NAMESPACES)
    catalog = OptionCatalog.from_namespaces(NAMESPACES)
    threads = [
        threading.Thread(target=cache.store, args=(NAMESPACES, key, catalog))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.load(NAMESPACES, key) is not None
    leftovers = [
        n for n in os.listdir(cache.directory) if re.search(r'\.tmp$', n)
    ]
    assert leftovers == []


def test_header_read_name_and_version_match_the_metadata():
    import importlib.metadata

    for name in ('oslo.config', 'stevedore', 'PyYAML'):
        dist = importlib.metadata.distribution(name)
        assert catalog_cache._name_and_version(dist) == (
            dist.metadata['Name'],
            dist.version,
        )


class _CodeReadingPlugin(dynamic_groups.DynamicGroups):
    """Learns its section from 'the service's code' (counted)."""

    calls = 0

    def capture(self, catalog):
        type(self).calls += 1
        return {'section': 'from_code'}

    def sections(self, catalog, raw):
        data = self.captured(catalog)
        if data and raw('DEFAULT', 'debug'):
            yield dynamic_groups.DynamicSection(
                data['section'], opts=[cfg.StrOpt('x')], origin='test'
            )


def test_plugin_capture_travels_with_cache_and_export(cache, monkeypatch):
    plugin = _CodeReadingPlugin()
    monkeypatch.setattr(
        dynamic_groups, 'load_plugins', lambda: [('test', plugin)]
    )
    cold = catalog_cache.load_namespaces(NAMESPACES, cache)
    key = _CodeReadingPlugin.capture_key()
    assert cold.plugin_data[key] == {'section': 'from_code'}
    calls = _CodeReadingPlugin.calls
    warm = catalog_cache.load_namespaces(NAMESPACES, cache)
    assert _CodeReadingPlugin.calls == calls  # not run again
    exported = loaders.load_data(
        OptionCatalog(), yaml.safe_load(yaml.safe_dump(_data(cold))), 'x'
    )
    for catalog in (cold, warm, exported):
        bound = catalog.bind(lambda g, o: 'true' if o == 'debug' else None)
        assert bound.option('from_code', 'x') is not None
