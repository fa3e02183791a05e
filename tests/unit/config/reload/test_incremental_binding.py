"""Entries the edit did not touch whose meaning another value decides.

A section's options can depend on another entry: ``auth_type`` picks the
keystoneauth plugin whose options a group takes, ``enabled_backends``
makes cinder's backend sections. Changing that entry changes the findings
of the untouched entries: a reload must find what a full validation finds.
"""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.reload import Reloader
from oslo_extras.config.validate import Validator
from tests.unit.config.reload.conftest import write

AUTH = """[placement]
auth_type = password
auth_url = http://keystone:5000/v3
username = nova
user_domain_name = Default
"""

BACKENDS = """[DEFAULT]
enabled_backends = lvm

[lvm]
volume_driver = cinder.volume.drivers.lvm.LVMVolumeDriver
"""


def _full(conf, path):
    found = Validator(OptionCatalog.from_conf(conf)).validate([str(path)])
    return sorted(f.as_text() for f in found)


def _reloaded(report):
    return sorted(
        text.removesuffix(' (already in the running config)')
        for text in report.errors + report.warnings
    )


def _auth_conf(path):
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.BoolOpt('debug', mutable=True))
    ks_loading.register_auth_conf_options(conf, 'placement')
    conf(['--config-file', str(path)], default_config_files=[])
    return conf


def test_a_new_auth_type_rechecks_the_options_it_no_longer_takes(tmp_path):
    path = tmp_path / 'nova.conf'
    write(path, AUTH)
    conf = _auth_conf(path)
    reloader = Reloader(conf)
    write(path, AUTH + '[DEFAULT]\ndebug = true\n')
    assert reloader.reload().applied
    # v3token takes no username: both untouched entries are now unknown
    v3token = AUTH.replace('password', 'v3token')
    write(path, v3token + '[DEFAULT]\ndebug = true\n')

    report = reloader.reload()

    assert not report.applied and conf.placement.auth_type == 'password'
    assert _reloaded(report) == _full(conf, path)
    assert any(f'{path}:4: [placement] username' in e for e in report.errors)


def _backend_conf(path):
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.BoolOpt('debug', mutable=True))
    conf.register_opt(cfg.ListOpt('enabled_backends', mutable=True))
    conf.register_opt(cfg.StrOpt('volume_driver'), group='backend_defaults')
    conf(['--config-file', str(path)], default_config_files=[])
    return conf


def test_a_backend_no_longer_enabled_reports_its_section_once(tmp_path):
    path = tmp_path / 'cinder.conf'
    write(path, BACKENDS + 'debug = true\n')  # a typo inside [lvm]
    conf = _backend_conf(path)
    reloader = Reloader(conf)
    write(path, BACKENDS.replace('= lvm', '= lvm,ceph') + 'debug = true\n')
    assert reloader.reload().applied  # the typo was there before
    # [lvm] is no backend now: unknown-group says it, not each option
    write(path, BACKENDS.replace('= lvm', '= ceph') + 'debug = true\n')

    report = reloader.reload()

    assert not report.applied and conf.enabled_backends == ['lvm', 'ceph']
    assert _reloaded(report) == _full(conf, path)


def test_an_old_finding_masks_a_secret_set_since(tmp_path):
    from tests.unit.config.reload.conftest import make_conf

    path = tmp_path / 'svc.conf'
    # A bad value the running config already has (a warning on reload)
    write(path, '[DEFAULT]\nworkers = Tr0ub4dor\n[db]\npool = 2\n')
    conf = make_conf([path])
    reloader = Reloader(conf)
    write(path, '[DEFAULT]\nworkers = Tr0ub4dor\n[db]\npool = 3\n')
    reloader.reload()
    # The same text becomes a password: no message may quote it now
    bad = '[DEFAULT]\nworkers = Tr0ub4dor\n[db]\npool = 3\n'
    write(path, bad + 'password = Tr0ub4dor\n')

    report = reloader.reload()

    assert 'Tr0ub4dor' not in report.as_text()
    assert any('invalid-value' in w for w in report.warnings)
