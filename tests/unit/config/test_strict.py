import logging

import pytest
from oslo_config import cfg
from oslo_config import fixture

from oslo_extras.config import strict


@pytest.fixture
def conf(tmp_path):
    conf = cfg.ConfigOpts()
    conf.register_opts([cfg.BoolOpt('debug'), cfg.IntOpt('workers', min=1)])
    fix = fixture.Config(conf)
    fix.setUp()
    yield conf
    fix.cleanUp()


def _load(conf, tmp_path, text):
    path = tmp_path / 'svc.conf'
    path.write_text(text)
    conf(['--config-file', str(path)])
    return str(path)


def test_warn_mode_logs_each_finding(conf, tmp_path, caplog):
    path = _load(conf, tmp_path, '[DEFAULT]\ndevug = true\nworkers = 0\n')
    with caplog.at_level(logging.WARNING, 'oslo_extras.config.strict'):
        findings = strict.enable(conf, mode='warn')
    assert [f.code for f in findings] == ['unknown-option', 'invalid-value']
    assert f"{path}:2: [DEFAULT] devug: unknown option 'devug'" in caplog.text


def test_error_mode_raises_with_every_error(conf, tmp_path):
    _load(conf, tmp_path, '[DEFAULT]\ndevug = true\nworkers = 0\n')
    with pytest.raises(strict.StrictConfigError) as err:
        strict.enable(conf, mode='error')
    assert len(err.value.findings) == 2
    assert 'devug' in str(err.value) and 'workers' in str(err.value)


def test_clean_config_passes_in_error_mode(conf, tmp_path):
    _load(conf, tmp_path, '[DEFAULT]\ndebug = true\nworkers = 4\n')
    assert strict.enable(conf, mode='error') == []


def test_operator_overrides_mode_and_ignores(conf, tmp_path):
    _load(
        conf,
        tmp_path,
        '[DEFAULT]\ndevug = true\n'
        '[strict_config]\nmode = warn\nignore = unknown-option\n',
    )
    assert strict.enable(conf, mode='error') == []


def test_namespaces_count_as_known(conf, tmp_path):
    _load(conf, tmp_path, '[DEFAULT]\ndebug = true\nlog_file = /tmp/x\n')
    assert [f.code for f in strict.enable(conf)] == ['unknown-option']
    assert strict.enable(conf, namespaces=['oslo.log']) == []


def test_unknown_mode(conf, tmp_path):
    _load(conf, tmp_path, '[DEFAULT]\n')
    with pytest.raises(ValueError, match='strict mode'):
        strict.enable(conf, mode='loud')


def test_generator_lists_the_strict_options():
    from oslo_extras import opts

    groups = {
        getattr(g, 'name', g): [o.name for o in o_]
        for g, o_ in opts.list_opts()
    }
    assert groups['strict_config'] == ['mode', 'ignore']
