"""A config source group is checked against its driver's options.

oslo.config's ``sample_<driver>_source`` groups are dynamic groups owned
by ``config_source``; they must not be cloned onto the real source groups
(that made every ``[<source>] driver = vault`` an 'unknown driver').
"""

import pytest

from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.validate import Validator


@pytest.fixture(scope='module')
def catalog():
    return OptionCatalog.from_namespaces(['oslo.config'])


def _errors(catalog, tmp_path, text):
    path = tmp_path / 'svc.conf'
    path.write_text(text)
    return [f for f in Validator(catalog).validate([str(path)]) if f.is_error]


@pytest.mark.parametrize(
    'driver, option',
    [
        ('vault', 'url = https://vault.example.com:8200'),
        ('etcd', 'host = 127.0.0.1'),
        ('secrets_dir', 'directory = /run/secrets/nova'),
        ('key_manager', 'config_file = /etc/nova/castellan.conf'),
    ],
)
def test_each_driver_group_is_clean(catalog, tmp_path, driver, option):
    text = (
        '[DEFAULT]\nconfig_source = secrets\n'
        f'[secrets]\ndriver = {driver}\n{option}\n'
    )
    assert _errors(catalog, tmp_path, text) == []


def test_a_typo_in_a_source_group_is_still_an_error(catalog, tmp_path):
    text = (
        '[DEFAULT]\nconfig_source = vault\n'
        '[vault]\ndriver = vault\nurll = https://vault.example.com:8200\n'
    )
    (finding,) = _errors(catalog, tmp_path, text)
    assert finding.code == 'unknown-option'
    assert (finding.group, finding.option) == ('vault', 'urll')


def test_an_unknown_driver_is_still_an_error(catalog, tmp_path):
    text = '[DEFAULT]\nconfig_source = s\n[s]\ndriver = vaultt\n'
    (finding,) = _errors(catalog, tmp_path, text)
    assert 'vaultt' in finding.message
