"""Options every source group of ours has, whatever the driver."""

from __future__ import annotations

from oslo_config import cfg

ON_ERROR_CHOICES = ('fail', 'warn', 'cached')


def common_opts() -> list[cfg.Opt]:
    """Options every driver of ours has in its source group."""
    return [
        cfg.StrOpt(
            'on_error',
            default='fail',
            choices=[
                (
                    'fail',
                    'an unreachable backend or a missing secret '
                    'stops the service (fail closed)',
                ),
                (
                    'warn',
                    'log a warning and let the option fall back to '
                    'its default',
                ),
                (
                    'cached',
                    'like fail at startup; afterwards keep serving '
                    'the last good value when a re-read fails',
                ),
            ],
            help='What to do when the backend cannot be read or a mapped '
            'secret is missing. A failed refresh() always keeps the last '
            'good value and reports it.',
        ),
        cfg.FloatOpt(
            'cache_ttl',
            min=0,
            help='Seconds a value read from the backend is cached before '
            'the next read asks the backend again. Unset: until refresh() '
            '(or the lease duration the backend gives, if shorter).',
        ),
        cfg.FloatOpt(
            'timeout',
            default=5.0,
            min=0.1,
            help='Seconds before one network call gives up.',
        ),
        cfg.IntOpt(
            'retries',
            default=2,
            min=0,
            help='Extra attempts of a failed network call.',
        ),
        cfg.FloatOpt(
            'retry_backoff',
            default=0.2,
            min=0,
            help='Seconds before the first retry; doubled each time.',
        ),
        cfg.DictOpt(
            'mapping',
            default={},
            help='Explicit mapping that overrides the convention: '
            '``group.option:path`` items, comma separated. The path '
            'syntax depends on the driver.',
        ),
        cfg.StrOpt(
            'mapping_file',
            help='INI file mapping options to backend paths: '
            '``[group]`` sections with ``option = path`` lines.',
        ),
    ]
