"""Strict mode: check the files a service really loaded, at startup.

One call after the service has parsed its configuration::

    from oslo_extras.config import strict

    CONF(sys.argv[1:], project='myservice')
    strict.enable(CONF, mode='error')   # raise on a typo or a bad value

The checks are those of ``oslo-config-check``, run on ``CONF.config_file``
and ``CONF.config_dir`` against every option registered on ``CONF`` (plus
the ``namespaces`` given, for options registered later). ``warn`` logs each
finding; ``error`` raises :class:`StrictConfigError` when any is an error.
Operators may raise the mode or ignore codes in ``[strict_config]``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from oslo_config import cfg

from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.configset import DIR
from oslo_extras.config.configset import FILE
from oslo_extras.config.findings import Finding
from oslo_extras.config.validate import Validator

LOG = logging.getLogger(__name__)

MODES = ('warn', 'error')

GROUP = cfg.OptGroup(
    'strict_config',
    title='Strict config validation at startup',
    help='Settings for oslo_extras.config.strict.enable(), which services '
    'call after parsing their configuration.',
)

OPTS = [
    cfg.StrOpt(
        'mode',
        choices=[
            ('warn', 'log every finding as a warning'),
            ('error', 'refuse to start when any finding is an error'),
        ],
        help='Overrides the mode the service passes to enable(). Leave '
        'unset to keep the service default.',
    ),
    cfg.ListOpt(
        'ignore',
        default=[],
        help='Finding codes never reported (e.g. deprecated-name).',
    ),
]


class StrictConfigError(Exception):
    """The loaded configuration has errors; ``findings`` lists them all."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        errors = [f for f in findings if f.is_error]
        lines = '\n'.join(f.as_text() for f in errors)
        super().__init__(f'{len(errors)} configuration error(s):\n{lines}')


def list_opts() -> list[tuple[cfg.OptGroup, list[cfg.Opt]]]:
    return [(GROUP, OPTS)]


def enable(
    conf: cfg.ConfigOpts,
    mode: str = 'warn',
    namespaces: Iterable[str] = (),
    ignore: Iterable[str] = (),
) -> list[Finding]:
    """Validate the config files ``conf`` loaded; log or raise.

    :param conf: a parsed ``ConfigOpts``
    :param mode: ``'warn'`` or ``'error'``; ``[strict_config] mode``
        overrides it
    :param namespaces: ``oslo.config.opts`` namespaces whose options count
        as known even if not registered on ``conf`` yet
    :param ignore: finding codes not to report
    :returns: the findings (also when they were only logged)
    :raises StrictConfigError: in error mode, when a finding is an error
    :raises ValueError: for an unknown mode
    """
    conf.register_opts(OPTS, group=GROUP)
    mode = conf.strict_config.mode or mode
    if mode not in MODES:
        raise ValueError(f'strict mode must be one of {MODES}, not {mode!r}')

    catalog = OptionCatalog.from_conf(conf)
    if namespaces:
        catalog.merge(OptionCatalog.from_namespaces(namespaces))
    ordered = [(FILE, path) for path in conf.config_file or []] + [
        (DIR, path) for path in conf.config_dir or []
    ]
    validator = Validator(
        catalog, ignore=list(ignore) + list(conf.strict_config.ignore)
    )
    findings = validator.validate(ordered=ordered)

    for finding in findings:
        LOG.warning('%s', finding.as_text())
    if mode == 'error' and any(f.is_error for f in findings):
        raise StrictConfigError(findings)
    return findings
