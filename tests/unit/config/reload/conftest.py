"""A private ConfigOpts with a few options and a file we rewrite."""

import os

import pytest
from oslo_config import cfg

from oslo_extras.config.reload import Reloader

BASE = """[DEFAULT]
debug = false
workers = 2

[db]
password = s3cret-old
pool = 5
"""


def write(path, text):
    # Write then rename, as editors and config management do.
    tmp = str(path) + '.tmp'
    with open(tmp, 'w') as stream:
        stream.write(text)
    os.replace(tmp, str(path))


def make_conf(paths):
    conf = cfg.ConfigOpts()
    conf.register_opts(
        [
            cfg.BoolOpt('debug', default=False, mutable=True),
            cfg.IntOpt('workers', min=1, default=1),
            cfg.StrOpt('color', default='red', mutable=True),
        ]
    )
    conf.register_opts(
        [
            cfg.StrOpt('password', secret=True, mutable=True),
            cfg.IntOpt('pool', default=1, min=1, mutable=True),
        ],
        group='db',
    )
    args = []
    for path in paths:
        args += ['--config-file', str(path)]
    conf(args, project='reloadtest', default_config_files=[])
    return conf


@pytest.fixture
def conf_file(tmp_path):
    path = tmp_path / 'svc.conf'
    write(path, BASE)
    return path


@pytest.fixture
def conf(conf_file):
    return make_conf([conf_file])


@pytest.fixture
def reloader(conf):
    r = Reloader(conf)
    yield r
    r.stop()
