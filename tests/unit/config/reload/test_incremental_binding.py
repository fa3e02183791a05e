"""Entries the edit did not touch whose meaning another value decides.

A section's options can depend on another entry: ``auth_type`` picks the
keystoneauth plugin whose options a group takes, ``enabled_backends``
makes cinder's backend sections. Changing that entry changes the findings
of the untouched entries: a reload must find what a full validation finds.
"""

import os
import tempfile

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.reload import Reloader
from oslo_extras.config.validate import Validator
from tests.unit.config.reload.conftest import write
from tests.unit.config.reload.findings_spy import record_findings

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


AUTH_LINES = st.sampled_from(
    [
        ('placement', 'auth_type = password'),
        ('placement', 'auth_type = v3token'),
        ('placement', 'auth_type = none'),
        ('placement', 'auth_url = http://keystone/v3'),
        ('placement', 'username = nova'),
        ('placement', 'tenant_name = service'),
        ('placement', 'project_name = service'),
        ('placement', 'token = $debug'),
        ('placement', 'usernme = nova'),
        ('DEFAULT', 'debug = true'),
        ('DEFAULT', 'debug = maybe'),
    ]
)


def _render(lines):
    groups = {}
    for group, line in lines:
        groups.setdefault(group, []).append(line)
    return ''.join(
        f'[{group}]\n' + ''.join(f'{line}\n' for line in body)
        for group, body in groups.items()
    )


@settings(max_examples=30, deadline=None)
@given(
    edits=st.lists(
        st.tuples(
            st.lists(AUTH_LINES, max_size=6), st.lists(AUTH_LINES, max_size=3)
        ),
        min_size=1,
        max_size=4,
    )
)
def test_auth_plugin_edits_equal_a_full_validation(edits):
    # The config dir comes first on the command line: the file wins.
    with tempfile.TemporaryDirectory() as tmp:
        main = os.path.join(tmp, 'nova.conf')
        confd = os.path.join(tmp, 'nova.conf.d')
        os.mkdir(confd)
        write(main, AUTH)
        conf = cfg.ConfigOpts()
        conf.register_opt(cfg.BoolOpt('debug', mutable=True))
        ks_loading.register_auth_conf_options(conf, 'placement')
        conf(
            ['--config-dir', confd, '--config-file', main],
            default_config_files=[],
        )
        reloader = Reloader(conf)
        seen = record_findings(reloader)
        full = Validator(OptionCatalog.from_conf(conf))
        for lines, dropin in edits:
            write(main, _render(lines))
            write(os.path.join(confd, '10-a.conf'), _render(dropin))
            reloader.reload()
            expected = full.validate(ordered=[('dir', confd), ('file', main)])
            assert sorted(f.as_text() for f in seen[-1]) == sorted(
                f.as_text() for f in expected
            ), (lines, dropin)


def _dup_warnings(texts):
    return [t for t in texts if 'duplicate-option' in t]


def test_a_plugin_option_set_again_under_its_old_name_is_a_duplicate(
    tmp_path,
):
    # tenant_name is an old name of the password plugin's project_name,
    # an option no one registers: only auth_type binds it.
    path = tmp_path / 'nova.conf'
    write(path, AUTH)
    conf = _auth_conf(path)
    reloader = Reloader(conf)
    base = '[placement]\nauth_type = password\n'
    write(path, base + 'project_name = service\n')
    reloader.reload()
    # only the old name is new: the untouched project_name is the duplicate
    write(path, base + 'tenant_name = service\nproject_name = service\n')

    report = reloader.reload()

    assert _reloaded(report) == _full(conf, path)
    assert _dup_warnings(_reloaded(report))


def test_a_plugin_option_set_twice_is_a_duplicate_after_an_edit(tmp_path):
    path = tmp_path / 'nova.conf'
    write(path, AUTH)
    conf = _auth_conf(path)
    reloader = Reloader(conf)
    base = '[placement]\nauth_type = password\n'
    write(path, base + 'tenant_name = a\nproject_name = b\n')
    reloader.reload()
    # the new-name entry changes: the old-name entry is the other half
    write(path, base + 'project_name = c\ntenant_name = a\n')

    report = reloader.reload()

    assert _reloaded(report) == _full(conf, path)
    assert _dup_warnings(_reloaded(report))


def test_a_backend_option_set_again_under_its_old_name_is_a_duplicate(
    tmp_path,
):
    # [lvm] takes backend_defaults' options only because enabled_backends
    # names it: no registered option is called [lvm] anything.
    path = tmp_path / 'cinder.conf'
    write(path, BACKENDS)
    conf = _backend_conf(path)
    conf.register_opt(
        cfg.StrOpt('volume_backend_name', deprecated_name='backend_name'),
        group='backend_defaults',
    )
    reloader = Reloader(conf)
    write(path, BACKENDS + 'volume_backend_name = lvm\n')
    reloader.reload()
    write(path, BACKENDS + 'backend_name = old\nvolume_backend_name = lvm\n')

    report = reloader.reload()

    assert _reloaded(report) == _full(conf, path)
    assert _dup_warnings(_reloaded(report))
