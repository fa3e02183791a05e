"""keystonemiddleware: ``auth_uri`` and the pre-plugin admin options.

``[keystone_authtoken] auth_uri`` was renamed ``www_authenticate_uri``
(keystonemiddleware 5.0 kept the old name as a deprecated alias, later
releases dropped it, so the current catalog cannot migrate it on its own).

The older ``auth_host``/``auth_port``/``auth_protocol``/``auth_admin_prefix``
(folded into ``identity_uri``) and ``admin_user``/``admin_password``/
``admin_tenant_name`` were replaced by a keystoneauth plugin. That change is
not mechanical (v2 admin token versus v3 password auth needs domains), so
this migration writes out the exact settings for the operator instead.
"""

from __future__ import annotations

from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.catalog import RawLookup
from oslo_extras.config.migrate.inifile import IniFile
from oslo_extras.config.migrate.plugins import Migration
from oslo_extras.config.migrate.plugins import MigrationResult

GROUP = 'keystone_authtoken'
#: legacy identity options and their defaults in keystonemiddleware 4.x
LEGACY_IDENTITY = {
    'auth_host': '127.0.0.1',
    'auth_port': '35357',
    'auth_protocol': 'https',
    'auth_admin_prefix': '',
    'identity_uri': None,
}
LEGACY_ADMIN = ('admin_user', 'admin_password', 'admin_tenant_name')


class KeystoneAuthUri(Migration):
    """``auth_uri`` to ``www_authenticate_uri``; admin options by hand."""

    description = (
        'keystone_authtoken: auth_uri -> www_authenticate_uri; explain the '
        'auth_host/identity_uri/admin_* to auth plugin change'
    )

    def migrate(
        self, ini: IniFile, catalog: OptionCatalog, lookup: RawLookup
    ) -> MigrationResult:
        result = self.result(ini)
        result.secret_keys.add('admin_password')
        if catalog.option(GROUP, 'www_authenticate_uri') is None:
            return result  # no keystonemiddleware in this service
        old = ini.find(GROUP, 'auth_uri')
        if old and catalog.option(GROUP, 'auth_uri') is None:
            new = ini.find(GROUP, 'www_authenticate_uri')
            for entry in old:
                if new:
                    result.remove(
                        entry,
                        'auth_uri is ignored: www_authenticate_uri (line '
                        f'{new[-1].lineno}) is set in this file and wins; '
                        'removed',
                    )
                else:
                    result.rename(
                        entry,
                        GROUP,
                        'www_authenticate_uri',
                        f'[{GROUP}] auth_uri -> www_authenticate_uri',
                    )
        self._legacy_identity(ini, catalog, result)
        return result

    def _legacy_identity(
        self, ini: IniFile, catalog: OptionCatalog, result: MigrationResult
    ) -> None:
        names = [
            n
            for n in (*LEGACY_IDENTITY, *LEGACY_ADMIN)
            if ini.find(GROUP, n) and catalog.option(GROUP, n) is None
        ]
        if not names:
            return
        first = min(
            (ini.find(GROUP, n)[0] for n in names), key=lambda e: e.start
        )
        values = {
            n: ini.lookup(GROUP, n) or default
            for n, default in LEGACY_IDENTITY.items()
        }
        url = values['identity_uri'] or (
            f'{values["auth_protocol"]}://{values["auth_host"]}:'
            f'{values["auth_port"]}{values["auth_admin_prefix"]}'
        )
        steps = [
            'auth_type = password',
            f'auth_url = {url}',
            f'username = {ini.lookup(GROUP, "admin_user") or "<admin_user>"}',
            'password = <the admin_password value>',
            'project_name = '
            + (
                ini.lookup(GROUP, 'admin_tenant_name') or '<admin_tenant_name>'
            ),
            'user_domain_name = Default',
            'project_domain_name = Default',
        ]
        result.by_hand(
            first,
            f'[{GROUP}] ' + ', '.join(names) + ' were removed from '
            'keystonemiddleware (auth plugins replaced them) and cannot be '
            'converted safely; in [keystone_authtoken] set: '
            + '; '.join(steps)
            + ' (adjust the domains if yours differ), check the service '
            'authenticates, then delete those lines',
        )
