import pytest
from oslo_config import cfg

from oslo_extras.config.reload import opts
from tests.unit.config.reload.conftest import write


def test_reloader_from_config_starts_the_configured_triggers(tmp_path):
    path = tmp_path / 'svc.conf'
    write(
        path,
        '[DEFAULT]\ndebug = false\n'
        '[config_reload]\ntriggers = poll\npoll_interval = 0.5\n',
    )
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.BoolOpt('debug', default=False, mutable=True))
    opts.register(conf)
    conf(['--config-file', str(path)], default_config_files=[])

    reloader = opts.reloader_from_config(conf)
    try:
        [trigger] = reloader._triggers
        assert (trigger.name, trigger.interval) == ('poll', 0.5)
    finally:
        reloader.stop()


def test_unknown_trigger_name_is_a_config_error(tmp_path):
    path = tmp_path / 'svc.conf'
    write(path, '[config_reload]\ntriggers = inotify\n')
    conf = cfg.ConfigOpts()
    opts.register(conf)
    conf(['--config-file', str(path)], default_config_files=[])
    with pytest.raises(ValueError):
        conf.config_reload.triggers  # noqa: B018


def test_list_opts_is_in_the_oslo_extras_namespace():
    from oslo_extras import opts as all_opts

    groups = {
        getattr(group, 'name', group) for group, _ in all_opts.list_opts()
    }
    assert 'config_reload' in groups
