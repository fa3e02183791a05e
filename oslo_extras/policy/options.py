"""Options of the policy runtime (``[oslo_extras_policy]``)."""

from __future__ import annotations

from oslo_config import cfg

GROUP = 'oslo_extras_policy'

OPTS = [
    cfg.BoolOpt(
        'strict',
        default=False,
        help='Refuse to start when a policy file has a syntax error, a '
        'rule with bad syntax or a rule name no service registers (with a '
        '"did you mean" in the error). Without it such a rule is logged as '
        'an error and fails closed, as in oslo.policy. A reload that finds '
        'the same problems keeps the previous rules in both modes.',
    ),
    cfg.FloatOpt(
        'reload_interval',
        default=5.0,
        min=0.0,
        help='Seconds between checks of the policy file and policy '
        'directories for changes, in a background thread; a change is '
        'parsed there and the whole rule set is swapped at once. 0 '
        'disables the thread (reload then happens on config mutation '
        '(SIGHUP) or when the service calls SafeEnforcer.reload()).',
    ),
]


def register(conf: cfg.ConfigOpts) -> None:
    """Register the options on ``conf`` (idempotent)."""
    conf.register_opts(OPTS, group=GROUP)


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    """Return the options for ``oslo-config-generator``."""
    return [(GROUP, list(OPTS))]
