"""Options an operator can set to choose reload triggers (``[config_reload]``).

A service that wants operators to decide registers them before parsing and
builds its reloader from them::

    from oslo_extras.config.reload import opts as reload_opts

    reload_opts.register(CONF)
    CONF(sys.argv[1:])
    reloader = reload_opts.reloader_from_config(CONF)

::

    [config_reload]
    triggers = sighup,watch
    watch_debounce = 0.25
"""

from __future__ import annotations

from oslo_config import cfg

from oslo_extras.config.reload.reloader import Reloader

GROUP = cfg.OptGroup(
    'config_reload',
    title='Live config reload',
    help='Which events reload the mutable options of this service.',
)

OPTS = [
    cfg.ListOpt(
        'triggers',
        default=['sighup'],
        item_type=cfg.types.String(
            choices=['sighup', 'watch', 'poll', 'sources']
        ),
        help='Reload triggers to enable (oslo_extras.config.reload_triggers '
        'plugins): sighup, watch (file events), poll, sources (secret '
        'rotation).',
    ),
    cfg.BoolOpt(
        'validate',
        default=True,
        help='Refuse a reload when oslo-config-check finds an error the '
        'running config did not have.',
    ),
    cfg.FloatOpt(
        'watch_debounce',
        default=0.25,
        min=0,
        help='Seconds without file events before the watch trigger reloads.',
    ),
    cfg.FloatOpt(
        'poll_interval',
        default=10.0,
        min=0.01,
        help='Seconds between checks of the poll trigger.',
    ),
    cfg.FloatOpt(
        'sources_interval',
        default=60.0,
        min=0.01,
        help='Longest wait between config source refreshes of the sources '
        'trigger (a shorter source cache_ttl wins).',
    ),
]


def list_opts() -> list[tuple[cfg.OptGroup, list[cfg.Opt]]]:
    return [(GROUP, OPTS)]


def register(conf: cfg.ConfigOpts) -> None:
    """Register ``[config_reload]`` on ``conf`` (before ``conf()``)."""
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def reloader_from_config(conf: cfg.ConfigOpts) -> Reloader:
    """Build a reloader and start the triggers ``[config_reload]`` names.

    :param conf: a parsed ``ConfigOpts`` with :func:`register` called
    """
    group = conf.config_reload
    reloader = Reloader(conf, validate=group.validate)
    reloader.enable_triggers(
        group.triggers,
        options={
            'watch': {'debounce': group.watch_debounce},
            'poll': {'interval': group.poll_interval},
            'sources': {'interval': group.sources_interval},
        },
    )
    return reloader
