"""Value conversions: a table-driven base class and one real example.

:class:`ValueMap` rewrites values that an option no longer accepts, and can
carry old names the library has forgotten (so the catalog cannot migrate
them). Subclass it with a table::

    class MyMap(ValueMap):
        description = '...'
        OPTIONS = (('DEFAULT', 'backend'),)
        VALUES = {'sqlalchemy.old': 'sqlalchemy'}

:class:`NotificationDriverAliases` is the shipped example: oslo.messaging
once accepted the oslo-incubator notifier module paths as driver names
(``nova.openstack.common.notifier.rpc_notifier``) and read ``[DEFAULT]
notification_driver``; both are gone.
"""

from __future__ import annotations

from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.catalog import RawLookup
from oslo_extras.config.catalog import normalize_group
from oslo_extras.config.migrate.inifile import IniFile
from oslo_extras.config.migrate.plugins import Migration
from oslo_extras.config.migrate.plugins import MigrationResult


class ValueMap(Migration):
    """Map old values of some options to new ones, optionally renaming.

    :attr OPTIONS: the ``(group, name)`` pairs whose values are mapped,
        current name first
    :attr RENAMES: old ``(group, name)`` -> current ``(group, name)`` pairs
        the library no longer declares
    :attr VALUES: old value -> new value
    """

    OPTIONS: tuple[tuple[str, str], ...] = ()
    RENAMES: dict[tuple[str, str], tuple[str, str]] = {}
    VALUES: dict[str, str] = {}

    def map_value(self, value: str) -> str | None:
        """Return the new spelling of ``value``, or ``None`` to keep it."""
        return self.VALUES.get(value)

    def migrate(
        self, ini: IniFile, catalog: OptionCatalog, lookup: RawLookup
    ) -> MigrationResult:
        result = self.result(ini)
        if not self.OPTIONS or catalog.option(*self.OPTIONS[0]) is None:
            return result
        for group, name in (*self.OPTIONS, *self.RENAMES):
            for entry in ini.find(group, name):
                new = self.map_value(entry.value)
                if new is not None and new != entry.value:
                    result.set_value(
                        entry,
                        new,
                        f'[{entry.group}] {entry.key}: value '
                        f'{entry.value!r} is now spelled {new!r}',
                    )
        for (group, name), (new_group, new_name) in self.RENAMES.items():
            if catalog.option(group, name) is not None:
                continue  # still a live option: leave it alone
            current = ini.find(new_group, new_name)
            for entry in ini.find(group, name):
                result.rename(
                    entry,
                    new_group,
                    new_name,
                    f'[{entry.group}] {entry.key} -> '
                    f'[{normalize_group(new_group)}] {new_name}',
                    # old values come first, as oslo.config read them
                    before=current[0] if current else None,
                )
        return result


_INCUBATOR_NOTIFIERS = {
    'rpc_notifier': 'messaging',
    'rpc_notifier2': 'messagingv2',
    'log_notifier': 'log',
    'no_op_notifier': 'noop',
    'test_notifier': 'test',
}


class NotificationDriverAliases(ValueMap):
    """oslo-incubator notifier paths to oslo.messaging driver names."""

    description = (
        'notification driver paths (*.openstack.common.notifier.*) to '
        'driver names; [DEFAULT] notification_driver -> '
        '[oslo_messaging_notifications] driver'
    )
    OPTIONS = (('oslo_messaging_notifications', 'driver'),)
    RENAMES = {
        ('DEFAULT', 'notification_driver'): (
            'oslo_messaging_notifications',
            'driver',
        ),
        ('DEFAULT', 'notification_topics'): (
            'oslo_messaging_notifications',
            'topics',
        ),
    }

    def map_value(self, value: str) -> str | None:
        prefix, _, leaf = value.rpartition('.')
        if prefix.endswith('openstack.common.notifier'):
            return _INCUBATOR_NOTIFIERS.get(leaf)
        return None
