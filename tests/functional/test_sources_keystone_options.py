"""Keystone's own options (keystone from PyPI, every option it registers)
served by OpenBao with special characters: each comes back byte for byte
and typed, and ``log_opt_values`` (which keystone calls at startup) shows
no value of a ``secret=True`` option."""

# Session fixtures are imported and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import logging
import uuid

from oslo_config import cfg

from oslo_extras.config import sources
from tests.functional.servers.openbao import openbao  # noqa: F401

TAIL = uuid.uuid4().hex[:8]

#: group -> {option: (value stored in OpenBao, value the service reads)}
SERVED = {
    'database': {
        'connection': (
            f'mysql+pymysql://ks:p%40$$w\\$x%(y)s-{TAIL}@db/keystone',
            f'mysql+pymysql://ks:p%40$$w\\$x%(y)s-{TAIL}@db/keystone',
        ),
        'max_pool_size': ('13', 13),
    },
    'security_compliance': {
        'password_regex': (
            r'^(?=.*\d)(?=.*[a-zA-Z]).{7,}$',
            r'^(?=.*\d)(?=.*[a-zA-Z]).{7,}$',
        ),
        'password_regex_description': (
            'a "quoted" $thing ü\nnext',
            'a "quoted" $thing ü\nnext',
        ),
    },
    'DEFAULT': {
        'transport_url': (
            f'rabbit://u:pa$$\\${TAIL}@h:5672/',
            f'rabbit://u:pa$$\\${TAIL}@h:5672/',
        ),
        'max_param_size': (77, 77),
    },
    'cache': {
        'backend_argument': (
            ['url:127.0.0.1', f'password:mc$\\$pw{TAIL}'],
            ['url:127.0.0.1', f'password:mc$\\$pw{TAIL}'],
        ),
        'memcache_servers': ('a:1,b$:2', ['a:1', 'b$:2']),
    },
    'token': {'expiration': ('7200', 7200)},
}


def _keystone_conf() -> cfg.ConfigOpts:
    from keystone.conf import opts as keystone_opts
    from oslo_cache import core as cache_core
    from oslo_log import log as oslo_log
    from oslo_messaging import opts as messaging_opts

    conf = cfg.ConfigOpts()
    for group, opts in keystone_opts.list_opts():
        conf.register_opts(opts, group=None if group == 'DEFAULT' else group)
    oslo_log.register_options(conf)
    cache_core.configure(conf)
    for group, opts in messaging_opts.list_opts():
        conf.register_opts(opts, group=None if group == 'DEFAULT' else group)
    import oslo_db.options

    oslo_db.options.set_defaults(conf)
    return conf


def _read(conf, group, option):
    return conf[option] if group == 'DEFAULT' else conf[group][option]


def test_keystone_options_from_openbao_byte_for_byte(
    tmp_path, openbao, caplog
):
    prefix = 'keystone-' + TAIL
    kv = openbao.client().secrets.kv.v2
    for group, options in SERVED.items():
        kv.create_or_update_secret(
            f'{prefix}/{group}',
            {name: stored for name, (stored, _) in options.items()},
            mount_point='secret',
        )
    conf = _keystone_conf()
    path = tmp_path / 'keystone.conf'
    path.write_text(
        '[DEFAULT]\nconfig_source = vault\n[vault]\ndriver = vault\n'
        f'url = {openbao.url}\ntoken = {openbao.token}\n'
        f'path_prefix = {prefix}\nretries = 1\ntimeout = 2\n'
    )
    caplog.set_level(logging.DEBUG)
    conf(['--config-file', str(path)], default_config_files=[])
    sources.load(conf)

    for group, options in SERVED.items():
        for name, (_, expected) in options.items():
            assert _read(conf, group, name) == expected, (group, name)

    conf.log_opt_values(logging.getLogger('keystone'), logging.DEBUG)
    secret_values = [
        value
        for group, options in SERVED.items()
        for name, (_, value) in options.items()
        if conf._get_opt_info(name, None if group == 'DEFAULT' else group)[
            'opt'
        ].secret
    ]
    assert len(secret_values) >= 3  # connection, transport_url, cache args
    for value in secret_values:
        for item in value if isinstance(value, list) else [value]:
            if TAIL in item:
                assert item not in caplog.text
    assert openbao.token not in caplog.text
