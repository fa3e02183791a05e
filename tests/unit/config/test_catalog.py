import json

import pytest
import yaml
from oslo_config import cfg
from oslo_config import generator

from oslo_extras.config.catalog import CatalogError
from oslo_extras.config.catalog import OptionCatalog


def _conf_catalog():
    conf = cfg.ConfigOpts()
    conf.register_opts(
        [
            cfg.IntOpt('workers', min=1, deprecated_name='api_workers'),
            cfg.StrOpt('log-file'),
        ]
    )
    conf.register_opts(
        [
            cfg.StrOpt(
                'connection',
                secret=True,
                deprecated_opts=[
                    cfg.DeprecatedOpt('sql_connection', group='DEFAULT')
                ],
            )
        ],
        group='database',
    )
    return OptionCatalog.from_conf(conf)


def test_from_conf_finds_options_by_file_spelling():
    catalog = _conf_catalog()
    assert catalog.option('DEFAULT', 'workers').opt.type.min == 1
    # oslo.config reads files by dest only: a "log-file" line is ignored.
    assert catalog.option('DEFAULT', 'log-file') is None
    assert catalog.option('DEFAULT', 'log_file').dest == 'log_file'
    # Groups are lower-cased as oslo.config does, DEFAULT is not.
    assert catalog.option('DATABASE', 'connection').secret
    assert catalog.option('default', 'workers') is None


def test_replacement_for_old_names_and_groups():
    catalog = _conf_catalog()
    assert catalog.replacement_for('DEFAULT', 'api_workers').dest == 'workers'
    moved = catalog.replacement_for('DEFAULT', 'sql_connection')
    assert (moved.group, moved.dest) == ('database', 'connection')
    assert catalog.replacement_for('DEFAULT', 'workers') is None


def test_from_namespaces_matches_the_generator(real_catalog):
    expected = generator._list_opts(['oslo.log', 'oslo.messaging'])
    names = {
        (
            str(group.name if hasattr(group, 'name') else group or 'DEFAULT'),
            opt.dest,
        )
        for _ns, groups in expected
        for group, opts in groups
        for opt in opts
    }
    ours = {(info.group, info.dest) for info in real_catalog.options()}
    assert names <= ours


def test_unknown_namespace_is_a_clear_error():
    with pytest.raises(CatalogError, match='no.such.namespace'):
        OptionCatalog.from_namespaces(['oslo.log', 'no.such.namespace'])


@pytest.mark.parametrize('fmt', ['yaml', 'json'])
def test_from_opt_data_rebuilds_types(tmp_path, fmt):
    out = tmp_path / f'opts.{fmt}'
    conf = cfg.ConfigOpts()
    generator.register_cli_opts(conf)
    conf(
        [
            '--namespace',
            'oslo.messaging',
            '--format',
            fmt,
            '--output-file',
            str(out),
        ]
    )
    generator.generate(conf)

    catalog = OptionCatalog.from_opt_data(str(out))

    timeout = catalog.option('DEFAULT', 'rpc_response_timeout')
    with pytest.raises(ValueError):
        timeout.opt.type('soon')
    assert timeout.opt.type('30') == 30
    old = catalog.replacement_for('DEFAULT', 'rpc_thread_pool_size')
    assert old.dest == 'executor_thread_pool_size'
    url = catalog.option('DEFAULT', 'transport_url')
    assert url.secret


def test_opt_data_that_is_not_generator_output(tmp_path):
    bad = tmp_path / 'bad.yaml'
    bad.write_text(yaml.safe_dump({'nothing': 1}))
    with pytest.raises(CatalogError, match='bad.yaml'):
        OptionCatalog.from_opt_data(str(bad))
    broken = tmp_path / 'broken.json'
    broken.write_text('{')
    with pytest.raises(CatalogError, match='broken.json'):
        OptionCatalog.from_opt_data(str(broken))
    assert json  # json output is covered above


def test_bind_resolves_source_driver_and_auth_plugin_groups(real_catalog):
    raw = {
        ('DEFAULT', 'config_source'): 'secrets, remote',
        ('secrets', 'driver'): 'remote_file',
        ('remote', 'driver'): 'no_such_driver',
        ('keystone_authtoken', 'auth_type'): 'password',
    }
    bound = real_catalog.bind(lambda g, n: raw.get((g, n)))

    assert bound.option('secrets', 'uri') is not None
    assert bound.option('keystone_authtoken', 'username') is not None
    assert (
        'remote',
        'driver',
        "unknown config source driver 'no_such_driver'",
    ) in (bound.unresolved)
    # Binding does not leak into the catalog it came from.
    assert real_catalog.option('keystone_authtoken', 'username') is None
    assert 'secrets' not in real_catalog


def test_dynamic_groups_by_owner_and_by_pattern():
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.ListOpt('enabled_backends'))
    backend = cfg.OptGroup('backend', dynamic_group_owner='enabled_backends')
    conf.register_opt(cfg.IntOpt('size', min=0), group=backend)
    catalog = OptionCatalog.from_conf(conf)

    bound = catalog.bind(
        lambda g, n: (
            'lvm1,ceph' if (g, n) == ('DEFAULT', 'enabled_backends') else None
        )
    )
    assert bound.option('lvm1', 'size').group == 'lvm1'
    assert bound.option('nfs', 'size') is None

    catalog.add_group_pattern('pool_*', 'backend')
    assert catalog.option('pool_gold', 'size').opt.type.min == 0
    assert catalog.option('poolx', 'size') is None
