"""The options of the demo service every demo step configures."""

from __future__ import annotations

from oslo_config import cfg

DEFAULT_OPTS = [
    cfg.BoolOpt(
        'debug', default=False, mutable=True, help='Log at debug level.'
    ),
    cfg.IntOpt(
        'workers', default=2, min=1, max=64, help='Number of API workers.'
    ),
    cfg.PortOpt('bind_port', default=8080, help='Port the API listens on.'),
    cfg.IntOpt(
        'api_workers',
        deprecated_for_removal=True,
        deprecated_reason='Use workers.',
        help='Old worker count.',
    ),
]

DATABASE_GROUP = cfg.OptGroup('database', title='Database access')
DATABASE_OPTS = [
    cfg.StrOpt(
        'connection',
        default='sqlite://',
        help='SQLAlchemy URL, without the password.',
    ),
    cfg.StrOpt(
        'password', secret=True, required=True, help='Database password.'
    ),
    cfg.IntOpt(
        'pool_size', default=5, min=1, max=100, help='Connections kept open.'
    ),
]


def list_opts() -> list[tuple[str | cfg.OptGroup, list[cfg.Opt]]]:
    return [('DEFAULT', DEFAULT_OPTS), (DATABASE_GROUP, DATABASE_OPTS)]


def register(conf: cfg.ConfigOpts) -> None:
    """Register the demo service's options on ``conf``."""
    for group, opts in list_opts():
        conf.register_opts(opts, group=None if group == 'DEFAULT' else group)
