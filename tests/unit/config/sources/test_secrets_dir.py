"""The secrets_dir driver, through a real ConfigOpts (no servers)."""

import logging
import os

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from oslo_config import cfg

from oslo_extras.config import sources
from oslo_extras.config.sources import secrets_dir

PASSWORD = 's3cr$t-Pa55word'


def _write(path, text, mode=0o600):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as stream:
        stream.write(text)
    os.chmod(path, mode)


def _conf(tmp_path, extra='', opts=None):
    conf = cfg.ConfigOpts()
    conf.register_opts(
        opts
        or [
            cfg.StrOpt(
                'connection',
                secret=True,
                deprecated_opts=[cfg.DeprecatedOpt('sql_connection')],
            ),
            cfg.StrOpt('password', secret=True),
            cfg.IntOpt('max_pool_size', default=5),
            cfg.StrOpt('plain', default='dflt'),
        ],
        group='database',
    )
    conf_file = tmp_path / 'svc.conf'
    conf_file.write_text(
        '[DEFAULT]\nconfig_source = secrets\n'
        f'[secrets]\ndriver = secrets_dir\ndirectory = {tmp_path}/s\n' + extra
    )
    conf(['--config-file', str(conf_file)])
    return conf


@pytest.fixture
def tree(tmp_path):
    _write(f'{tmp_path}/s/database/password', PASSWORD + '\n')
    _write(f'{tmp_path}/s/database/max_pool_size', '42\n')
    return tmp_path


def test_values_typed_by_option_and_one_newline_stripped(tree):
    conf = _conf(tree)

    assert conf.database.password == PASSWORD
    assert conf.database.max_pool_size == 42
    assert conf.database.plain == 'dflt'
    assert sources.load(conf)[0].keys() == [
        ('database', 'max_pool_size'),
        ('database', 'password'),
    ]


def test_only_one_trailing_newline_is_stripped(tree):
    _write(f'{tree}/s/database/plain', 'two\n\n')
    assert _conf(tree).database.plain == 'two\n'


def test_deprecated_name_is_looked_up(tree):
    _write(f'{tree}/s/database/sql_connection', 'mysql://db')
    assert _conf(tree).database.connection == 'mysql://db'


def test_value_keeps_its_location(tree):
    conf = _conf(tree)
    (source,) = sources.find_sources(conf)

    value, loc = source.get('database', 'password', cfg.StrOpt('password'))
    assert loc.location == cfg.Locations.user
    assert loc.detail == f'secrets_dir:{tree}/s/database/password'
    assert conf.get_location('password', 'database').detail == loc.detail


def test_bad_value_error_names_option_never_value(tree, caplog):
    _write(f'{tree}/s/database/max_pool_size', 'not-a-number-' + PASSWORD)
    conf = _conf(tree)

    with pytest.raises(sources.SourceError) as err:
        _ = conf.database.max_pool_size
    assert '[database] max_pool_size' in str(err.value)
    assert '[secrets]' in str(err.value)
    assert PASSWORD not in str(err.value)
    assert 'not-a-number' not in str(err.value)


def test_path_traversal_in_mapping_is_refused(tree, caplog):
    _write(f'{tree}/outside', PASSWORD)
    caplog.set_level(logging.DEBUG)
    conf = _conf(tree, 'mapping = database.connection:../outside\n')

    with pytest.raises(sources.SourceError) as err:
        sources.load(conf)
    assert 'escapes' in str(err.value)
    with pytest.raises(sources.SourceError):
        _ = conf.database.connection
    assert PASSWORD not in caplog.text


def test_symlink_out_of_the_directory_is_refused(tree):
    _write(f'{tree}/outside', PASSWORD)
    os.symlink(f'{tree}/outside', f'{tree}/s/database/connection')
    conf = _conf(tree)

    with pytest.raises(sources.SourceError) as err:
        _ = conf.database.connection
    assert 'escapes' in str(err.value)
    assert PASSWORD not in str(err.value)


def test_kubernetes_style_symlinks_inside_are_followed(tree):
    os.makedirs(f'{tree}/s/..2024_01/database')
    _write(f'{tree}/s/..2024_01/database/plain', 'k8s')
    os.symlink('..2024_01', f'{tree}/s/..data')
    os.symlink('../..data/database/plain', f'{tree}/s/database/plain')

    assert _conf(tree).database.plain == 'k8s'


def test_unsafe_permissions_refused_and_configurable(tree):
    _write(f'{tree}/s/database/plain', 'open', mode=0o644)

    with pytest.raises(sources.SourceError) as err:
        _ = _conf(tree).database.plain
    assert 'more open than max_mode' in str(err.value)
    assert _conf(tree, 'max_mode = 0644\n').database.plain == 'open'


def test_missing_directory_fails_closed(tmp_path, caplog):
    conf = _conf(tmp_path)

    with pytest.raises(sources.SourceError) as err:
        sources.load(conf)
    assert 'secrets_dir' in str(err.value)
    # A secret option must not silently fall back to its default.
    with pytest.raises(sources.SourceError):
        _ = conf.database.password
    # A plain option does.
    assert conf.database.plain == 'dflt'


def test_missing_directory_with_warn_falls_back(tmp_path, caplog):
    conf = _conf(tmp_path, 'on_error = warn\n')

    assert sources.load(conf)
    assert conf.database.password is None
    assert 'fall back to their defaults' in caplog.text


def test_missing_mapped_file_fails_closed(tree):
    conf = _conf(tree, 'mapping = database.connection:database/nope\n')

    with pytest.raises(sources.SourceError) as err:
        sources.load(conf)
    assert '[database] connection' in str(err.value)
    assert 'no such file' in str(err.value)


def test_refresh_reports_changes_and_conf_sees_them(tree):
    conf = _conf(tree)
    assert conf.database.password == PASSWORD

    _write(f'{tree}/s/database/password', 'rotated')
    (source,) = sources.find_sources(conf)
    report = source.refresh()

    assert report.ok
    assert report.changed == [('database', 'password')]
    assert conf.database.password == 'rotated'
    assert source.refresh().changed == []


def test_failed_refresh_keeps_last_good_value(tree):
    conf = _conf(tree)
    assert conf.database.password == PASSWORD
    os.chmod(f'{tree}/s/database/password', 0o666)

    report = sources.find_sources(conf)[0].refresh()

    assert not report.ok
    assert report.failed[0][:2] == ('database', 'password')
    assert PASSWORD not in report.failed[0][2]
    assert conf.database.password == PASSWORD


def test_flat_layout(tmp_path):
    _write(f'{tmp_path}/s/database__password', PASSWORD)
    conf = _conf(tmp_path, 'layout = {group}__{option}\n')
    assert conf.database.password == PASSWORD


def test_dollar_in_a_secret_is_not_substituted(tree):
    _write(f'{tree}/s/database/plain', 'a$plain${x}')
    assert _conf(tree).database.plain == 'a$plain${x}'


def test_ttl_rereads_after_expiry(tree, monkeypatch):
    conf = _conf(tree, 'cache_ttl = 0.05\n')
    assert conf.database.password == PASSWORD
    _write(f'{tree}/s/database/password', 'new')
    import time

    time.sleep(0.1)
    (source,) = sources.find_sources(conf)
    value, _ = source.get('database', 'password', cfg.StrOpt('password'))
    assert value == 'new'
    assert conf.database.password == 'new'


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(['..', '.', 'a', '/', 'b', '..%2f', '\\']),
        min_size=1,
        max_size=6,
    )
)
def test_resolve_inside_never_leaves_the_directory(tmp_path_factory, parts):
    root = tmp_path_factory.mktemp('root')
    relative = '/'.join(parts)
    try:
        path = secrets_dir.resolve_inside(str(root), relative)
    except secrets_dir.UnsafePath:
        return
    assert path.startswith(os.path.realpath(root) + os.sep)


def _load_error(conf):
    with pytest.raises(sources.SourceError) as err:
        sources.load(conf)
    return str(err.value)


def test_a_fifo_is_refused_without_blocking(tree):
    os.mkfifo(f'{tree}/s/database/plain', 0o600)
    # Without a non-blocking open this CONF() call never returns.
    message = _load_error(_conf(tree))
    assert '[database] plain' in message
    assert 'not a regular file' in message


def test_a_device_is_refused(tree):
    os.symlink('/dev/zero', f'{tree}/s/database/plain')
    conf = _conf(tree, 'mapping = database.plain:database/plain\n')
    assert 'refused' in _load_error(conf)
    source = secrets_dir.SecretsDirSource(directory='/dev', name='d')
    source.mapping = {('database', 'plain'): 'zero'}
    source.load()
    assert 'not a regular file' in source.errors[('database', 'plain')]


def test_a_file_over_max_size_is_refused_unread(tree):
    _write(f'{tree}/s/database/plain', 'x' * 70000)
    assert 'more than max_size 65536' in _load_error(_conf(tree))
    conf = _conf(tree, 'max_size = 100000\n')
    assert conf.database.plain == 'x' * 70000


def test_owner_check(tree):
    me = os.getuid()
    assert _conf(tree, f'owner = {me}\n').database.password == PASSWORD
    message = _load_error(_conf(tree, f'owner = {me + 1}\n'))
    assert f'owned by uid {me}, not the required uid {me + 1}' in message


def test_a_bom_is_dropped_and_binary_is_refused(tree):
    path = f'{tree}/s/database/plain'

    def write(data):
        with open(path, 'wb') as stream:
            stream.write(data)
        os.chmod(path, 0o600)

    write(b'\xef\xbb\xbfwith-bom\n')
    assert _conf(tree).database.plain == 'with-bom'
    write(b'\xff\xfe\x00binary')
    assert 'not UTF-8 text' in _load_error(_conf(tree))
    write(b'abc\x00def')
    assert 'NUL byte' in _load_error(_conf(tree))


def test_docker_and_kubernetes_modes_are_accepted_when_configured(tree):
    _write(f'{tree}/s/database/plain', 'k8s', mode=0o644)
    assert _conf(tree, 'max_mode = 0644\n').database.plain == 'k8s'
    _write(f'{tree}/s/database/plain', 'docker', mode=0o444)
    assert _conf(tree, 'max_mode = 0444\n').database.plain == 'docker'
