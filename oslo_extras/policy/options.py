"""Options of the policy runtime (``[oslo_extras_policy]``)."""

from __future__ import annotations

from oslo_config import cfg

GROUP = 'oslo_extras_policy'

OPTS = [
    cfg.BoolOpt(
        'strict',
        default=False,
        help='Refuse to start when a policy file has a syntax error, a '
        'rule with bad syntax, a rule name no service registers (with a '
        '"did you mean" in the error) or a YAML null or [] value (which '
        'oslo.policy reads as allow-everyone). Without it such a rule is '
        'logged as an error and read as oslo.policy reads it: a rule that '
        'does not parse denies everyone (admins too), a token that is no '
        'check is "!" (so "role:admin or typo" still admits admins), '
        'except that under "not" it is read as "@" so it cannot allow '
        'everyone. A reload that finds a syntax error keeps the previous '
        'rules in both modes, and one that finds an unknown name, a null '
        'or [] does in strict mode.',
    ),
    cfg.BoolOpt(
        'refuse_widening_reload',
        default=False,
        help='Refuse a policy reload that allows any persona (a set of '
        'roles and scope) something the current rules deny, such as a file '
        'truncated at a line boundary by an interrupted write or a deleted '
        'policy file; the previous rules stay and the reason is logged. A '
        'config mutation (SIGHUP with restart_method = mutate) confirms '
        'it. Every reload is logged with its delta either way.',
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
