"""Reload with nova's real options (nova from PyPI), as an operator edits.

Every option nova lists (``nova.conf.opts.list_opts()``) is registered in a
private ``ConfigOpts``, copied as ``mutable=True`` so that every change is
applied and can be compared with a fresh parse of the same files. The edits
are what operators write: ``$my_ip`` substitutions as the install guide
sets ``[vnc]``, old names and old groups (``[keymgr]``,
``image_cache_manager_interval``), a ``nova.conf.d`` override added and
removed, CRLF line ends.
"""

from __future__ import annotations

import copy
import os

import nova.conf.opts as nova_opts
import pytest
from oslo_config import cfg

from oslo_extras.config.reload import Reloader


def _nova_opts():
    seen: dict[str, set[str]] = {}
    for group, opts in nova_opts.list_opts():
        name = getattr(group, 'name', group)
        names = seen.setdefault(name, set())
        for opt in opts:
            if opt.dest in names:
                continue  # listed under two plugins
            names.add(opt.dest)
            mutable = copy.copy(opt)
            mutable.mutable = True
            mutable.required = False  # keystoneauth's, set by the plugin
            yield name, mutable


def _conf(args):
    conf = cfg.ConfigOpts()
    for group, opt in _nova_opts():
        conf.register_opt(opt, group=None if group == 'DEFAULT' else group)
    conf(args, project='nova', default_config_files=[], default_config_dirs=[])
    return conf


def _values(conf):
    out = {}
    for group, opt in _nova_opts():
        section = conf if group == 'DEFAULT' else conf[group]
        out[(group, opt.dest)] = section[opt.dest]
    return out


def _write(path, text, crlf=False):
    tmp = f'{path}.tmp'
    with open(tmp, 'w', newline='') as stream:
        stream.write(text.replace('\n', '\r\n') if crlf else text)
    os.replace(tmp, path)


BASE = """[DEFAULT]
my_ip = 10.0.0.11
state_path = /var/lib/nova

[vnc]
enabled = true
"""

VNC = '[vnc]\nserver_listen = $my_ip\nserver_proxyclient_address = $my_ip\n'
OLD_NAMES = (
    '[keymgr]\nfixed_key = 0123abcd\n'
    '[DEFAULT]\nimage_cache_manager_interval = 600\n'
)
MOVED = '[DEFAULT]\ninstances_path = $state_path/instances\n'
EDITS = [
    # the install guide's [vnc] section: typed addresses via $my_ip
    BASE + VNC,
    # an old group and an old name, both still read by oslo.config
    BASE + VNC + OLD_NAMES,
    # $state_path moves, and what substitutes it follows
    BASE.replace('/var/lib/nova', '/srv/nova') + VNC + OLD_NAMES + MOVED,
]


@pytest.mark.parametrize('crlf', [False, True])
def test_operator_edits_with_nova_options_match_a_fresh_parse(tmp_path, crlf):
    path = tmp_path / 'nova.conf'
    confdir = tmp_path / 'nova.conf.d'
    confdir.mkdir()
    _write(path, BASE, crlf)
    args = ['--config-file', str(path), '--config-dir', str(confdir)]
    conf = _conf(args)
    reloader = Reloader(conf)

    steps = [(path, text) for text in EDITS]
    # an override in nova.conf.d, then removed again
    steps.append((confdir / '50-override.conf', '[vnc]\nenabled = false\n'))
    steps.append((confdir / '50-override.conf', None))
    for target, text in steps:
        if text is None:
            os.unlink(target)
        else:
            _write(target, text, crlf)

        report = reloader.reload()

        assert report.applied, report.as_text()
        assert _values(conf) == _values(_conf(args)), report.as_text()
    assert conf.vnc.server_listen == '10.0.0.11'
    assert conf.key_manager.fixed_key == '0123abcd'
    assert conf.image_cache.manager_interval == 600
    assert conf.instances_path == '/srv/nova/instances'
    assert conf.vnc.enabled is True
