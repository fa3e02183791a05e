"""A validated reload finds what a full validation finds, on real files.

Each real config file of ``tests/realworld/config_check`` (kolla-ansible,
install guides, openstack-ansible, charms, devstack) is mounted as a
Kubernetes ConfigMap (``svc.conf -> ..data/svc.conf``, updated by renaming
``..data_tmp`` over ``..data``), with a second ConfigMap as the config dir.
The service's options (its generator namespaces) are registered mutable,
so every change is applied or refused whole. Operator edits are applied
one by one: ``auth_type`` switched to another plugin, cinder's backends
renamed, lines deleted (defaults return), duplicated, typos, a value that
refers back to itself or substitutes ``$state_path``, a section moved to
the config dir or present in both, a drop-in renamed, CRLF line ends.

After every reload: the findings equal a fresh ``Validator.validate()`` of
the files in the order oslo.config reads them, every per-entry finding
names the line that holds its key, and a refused reload left every value
as it was.
"""

from __future__ import annotations

import contextlib
import copy
import os
import pathlib
import random
import re
import subprocess
import sys
import warnings

import pytest
from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.reload import Reloader
from oslo_extras.config.reload.checks import ENTRY_CODES
from oslo_extras.config.reload.checks import reading_order
from oslo_extras.config.validate import Validator
from tests.fs_layouts import ConfigMapVolume
from tests.realworld.config_check import corpus
from tests.unit.config.reload.findings_spy import record_findings

FILES = [
    'kolla-ansible/nova/nova.conf',
    'kolla-ansible/cinder/cinder.conf',
    'kolla-ansible/glance/glance-api.conf',
    'kolla-ansible/keystone/keystone.conf',
    'install-guide/nova-controller.conf',
    'openstack-ansible/os_cinder/cinder.conf',
    'charms/charm-keystone/keystone.conf',
]


def _conf(namespaces, args):
    """The service's options, mutable, parsed from ``args``."""
    conf = cfg.ConfigOpts()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        listed = list(corpus._listed_opts(namespaces))
    plugin = corpus._plugin_option_dests()
    registered: dict[str, set[str]] = {}
    for namespace, group, opts in listed:
        if isinstance(group, cfg.OptGroup):
            name = group.name
        else:
            name = group or 'DEFAULT'
        if namespace == 'oslo.config':
            if name != 'DEFAULT':
                continue  # sample source groups: not registered
            opts = [o for o in opts if o.dest == 'config_source']
        section = registered.setdefault(name, set())
        if isinstance(group, cfg.OptGroup) and name != 'DEFAULT':
            with contextlib.suppress(cfg.DuplicateOptError):
                conf.register_group(group)
        if 'auth_url' in {o.dest for o in opts}:
            # as services do: the plugin's own options come with auth_type
            opts = [o for o in opts if o.dest not in plugin]
            if 'auth_type' not in section:
                ks_loading.register_auth_conf_options(conf, name)
                section.update(('auth_type', 'auth_section'))
        for opt in opts:
            if opt.dest in section:
                continue  # listed by two namespaces: the service sees one
            section.add(opt.dest)
            mutable = copy.copy(opt)
            mutable.mutable = True
            mutable.required = False
            # the same name defined twice (nova, oslo): the service sees one
            with contextlib.suppress(cfg.DuplicateOptError):
                conf.register_opt(
                    mutable, group=None if name == 'DEFAULT' else name
                )
    conf(args, project='svc', default_config_files=[])
    return conf


def _values(conf):
    """Every option's value as readers see it now."""
    out = {}
    for key in conf:
        item = conf[key]
        if isinstance(item, cfg.ConfigOpts.GroupAttr):
            for dest in item:
                out[(key, dest)] = _read(item, dest)
        else:
            out[('DEFAULT', key)] = _read(conf, key)
    return out


def _read(section, dest):
    try:
        return repr(section[dest])
    except Exception as exc:  # a value that fails to read stays failing
        return f'<{type(exc).__name__}>'


def _edits(text, rng):
    """``(what, main text, drop-ins {name: text})`` an operator writes."""
    lines = text.split('\n')
    starts = [i for i, line in enumerate(lines) if line.startswith('[')]
    entries = [
        (i, line)
        for i, line in enumerate(lines)
        if re.match(r'^[a-z_]+\s*=', line)
    ]
    out = []

    def replaced(i, new):
        changed = lines[:]
        changed[i] = new
        return '\n'.join(changed)

    auth = [i for i, line in entries if line.startswith('auth_type')]
    if auth:
        out.append(
            ('auth_type v3token', replaced(auth[0], 'auth_type = v3token'), {})
        )
        out.append(
            ('auth_type none', replaced(auth[0], 'auth_type = none'), {})
        )
    for i, line in entries:
        if line.startswith('enabled_backends'):
            out.append(
                ('backends renamed', replaced(i, 'enabled_backends = b2'), {})
            )
    for i, line in rng.sample(entries, min(3, len(entries))):
        key = line.split('=')[0].strip()
        out.append(
            (f'delete {key}', '\n'.join(lines[:i] + lines[i + 1 :]), {})
        )
        out.append(
            (f'duplicate {key}', '\n'.join(lines[: i + 1] + lines[i:]), {})
        )
        out.append(
            (
                f'typo near {key}',
                '\n'.join(lines[:i] + ['hots = x'] + lines[i:]),
                {},
            )
        )
        out.append(
            (f'{key} refers to itself', replaced(i, f'{key} = ${key}x'), {})
        )
        out.append(
            (
                f'{key} from $state_path',
                replaced(i, f'{key} = $state_path/x'),
                {},
            )
        )
    if len(starts) > 2:
        begin, end = starts[1], starts[2]
        section = '\n'.join(lines[begin:end]) + '\n'
        moved = '\n'.join(lines[:begin] + lines[end:])
        out.append(('section moved to the dir', moved, {'50-a.conf': section}))
        out.append(('drop-in renamed', moved, {'60-b.conf': section}))
        out.append(('section in both', text, {'60-b.conf': section}))
    out.append(('back to the original', text, {}))
    return out


def _crlf(text):
    return text.replace('\n', '\r\n')


@pytest.mark.parametrize('name', FILES)
def test_reload_findings_equal_a_full_validation(tmp_path, name):
    # Services register options on the global cfg.CONF when imported, and
    # two of them in one process collide: one process per service.
    root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
    done = subprocess.run(
        [sys.executable, '-m', __name__, name, str(tmp_path)],
        cwd=os.path.dirname(root),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]


def _check(name, tmp):
    """Reload through the edits of one real file; assert after each."""
    tmp_path = pathlib.Path(tmp)
    [real] = [f for f in corpus.load() if f.name == name]
    text = real.text()
    main = ConfigMapVolume(tmp_path / 'etc', {'svc.conf': text})
    dropins = ConfigMapVolume(tmp_path / 'svc.conf.d', {})
    args = [
        '--config-file',
        main.path('svc.conf'),
        '--config-dir',
        dropins.mount,
    ]
    conf = _conf(real.namespaces, args)
    reloader = Reloader(conf)
    seen = record_findings(reloader)
    full = Validator(OptionCatalog.from_conf(conf))
    for step, (what, new, files) in enumerate(
        _edits(text, random.Random(name))
    ):
        crlf = step % 3 == 2
        main.update({'svc.conf': _crlf(new) if crlf else new})
        dropins.update({k: _crlf(v) if crlf else v for k, v in files.items()})
        before = _values(conf)

        report = reloader.reload()

        expected = full.validate(ordered=reading_order(conf))
        assert sorted(f.as_text() for f in seen[-1]) == sorted(
            f.as_text() for f in expected
        ), what
        for finding in seen[-1]:
            if finding.code in ENTRY_CODES:
                with open(finding.file, newline='') as stream:
                    line = stream.read().splitlines()[finding.line - 1]
                assert line.split('=')[0].strip() == finding.option, (
                    what,
                    finding,
                )
        if not report.applied:
            assert _values(conf) == before, what


if __name__ == '__main__':
    _check(*sys.argv[1:])
