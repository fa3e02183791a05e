"""``--check-defaults``: values that differ from the option's default.

The meaning of ``oslo-config-validator --check-defaults``: a warning for
every option a file sets to something else than its default, except
options whose name fully matches one of the ``--exclude-options``
patterns (by default those that differ on every host: URLs, connections,
credentials, host names and addresses). Off unless asked for.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from oslo_extras.config.checks import Check
from oslo_extras.config.checks import CheckContext
from oslo_extras.config.findings import WARNING
from oslo_extras.config.findings import Finding

#: ``oslo-config-validator``'s default ``--exclude-options`` patterns.
DEFAULT_EXCLUDED_OPTIONS = (
    '.*_ur(i|l)',
    '.*connection',
    'password',
    'username',
    'my_ip',
    'host(name)?',
    'glance_api_servers',
    'osapi_volume_listen',
    'osapi_compute_listen',
)


def _typed(opt: Any, value: Any) -> Any:
    if isinstance(value, str):
        try:
            return opt.type(value)
        except (ValueError, TypeError):
            return value
    return value


class NonDefaultCheck(Check):
    """An option set to a value other than its default (opt-in)."""

    codes = ('non-default',)

    def run(self, context: CheckContext) -> Iterator[Finding]:
        if not context.check_defaults:
            return
        excluded = [re.compile(p) for p in context.exclude_options]
        for entry in context.entries():
            info = context.live_option(entry)
            if info is None or info.multi:
                continue
            if any(rex.fullmatch(entry.key) for rex in excluded):
                continue
            expanded = context.expand(entry)
            if expanded is None:
                continue
            value = _typed(info.opt, expanded.value)
            default = _typed(info.opt, info.opt.default)
            if value == default:
                continue
            if info.secret or expanded.uses_secret:
                message = 'differs from the default'
            else:
                message = (
                    f'{context.show_value(entry.value)!r} differs from the '
                    f'default {info.opt.default!r}'
                )
            yield context.finding(WARNING, 'non-default', entry, message)
