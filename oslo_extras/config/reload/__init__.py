"""Transactional, typed reload of mutable options.

See :mod:`oslo_extras.config.reload.reloader` for the API and
``specs/config-reload.rst`` for the design.
"""

from oslo_extras.config.reload.reloader import Reloader
from oslo_extras.config.reload.report import APPLIED
from oslo_extras.config.reload.report import NEEDS_RESTART
from oslo_extras.config.reload.report import REJECTED
from oslo_extras.config.reload.report import CallbackError
from oslo_extras.config.reload.report import OptionChange
from oslo_extras.config.reload.report import ReloadReport
from oslo_extras.config.reload.snapshot import ConfigSnapshot
from oslo_extras.config.reload.subscriptions import Subscription

__all__ = [
    'APPLIED',
    'NEEDS_RESTART',
    'REJECTED',
    'CallbackError',
    'ConfigSnapshot',
    'OptionChange',
    'ReloadReport',
    'Reloader',
    'Subscription',
]
