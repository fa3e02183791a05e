"""Fold the old ``rabbit_*`` options into ``[DEFAULT] transport_url``.

oslo.messaging removed ``rabbit_host``, ``rabbit_port``, ``rabbit_hosts``,
``rabbit_userid``, ``rabbit_password`` and ``rabbit_virtual_host`` (in
``[oslo_messaging_rabbit]``, earlier in ``[DEFAULT]``) in favour of::

    [DEFAULT]
    transport_url = rabbit://user:pass@host1:5672,user:pass@host2:5672/vhost

The current library no longer knows these names, so their meaning (defaults,
precedence, ``rabbit_hosts`` winning over ``rabbit_host``/``rabbit_port``)
lives here.
"""

from __future__ import annotations

from urllib import parse

from oslo_utils import netutils

from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.catalog import RawLookup
from oslo_extras.config.migrate.inifile import IniFile
from oslo_extras.config.migrate.plugins import Migration
from oslo_extras.config.migrate.plugins import MigrationResult

#: old option -> its default in the last release that had it
LEGACY = {
    'rabbit_host': 'localhost',
    'rabbit_port': '5672',
    'rabbit_hosts': None,
    'rabbit_userid': 'guest',
    'rabbit_password': 'guest',
    'rabbit_virtual_host': '/',
}
#: groups searched, current first (``[DEFAULT]`` was the older home)
GROUPS = ('oslo_messaging_rabbit', 'DEFAULT')
RABBIT_BACKENDS = ('rabbit', 'kombu')


class RabbitTransportUrl(Migration):
    """``rabbit_host``/``hosts``/``userid``/``password``... into a URL."""

    description = 'fold the old rabbit_* options into [DEFAULT] transport_url'

    def migrate(
        self, ini: IniFile, catalog: OptionCatalog, lookup: RawLookup
    ) -> MigrationResult:
        result = self.result(ini)
        result.secret_keys.update({'rabbit_password', 'transport_url'})
        if catalog.option('DEFAULT', 'transport_url') is None:
            return result  # not an oslo.messaging service
        entries = {
            name: [e for g in GROUPS for e in ini.find(g, name)]
            for name in LEGACY
        }
        present = [e for es in entries.values() for e in es]
        if not present:
            return result
        present.sort(key=lambda e: e.start)
        for entry in entries['rabbit_password']:
            result.secrets.add(entry.value)
            result.secrets.add(parse.quote(entry.value, safe=''))

        if lookup('DEFAULT', 'transport_url'):
            for entry in present:
                result.remove(
                    entry,
                    f'[{entry.group}] {entry.key} was ignored because '
                    '[DEFAULT] transport_url is set; removed',
                )
            return result

        backend = lookup('DEFAULT', 'rpc_backend')
        if backend and backend not in RABBIT_BACKENDS:
            result.by_hand(
                present[0],
                f'rpc_backend = {backend} is not RabbitMQ; write '
                '[DEFAULT] transport_url for that driver and delete the '
                'rabbit_* options',
            )
            return result

        values = {}
        for name in LEGACY:
            mine = _value_in_file(ini, name)
            if mine != _effective(lookup, name):
                result.by_hand(
                    present[0],
                    'the rabbit_* options are spread over several config '
                    f'files ({name} differs); put them in one file or set '
                    '[DEFAULT] transport_url = rabbit://USER:PASSWORD@HOST:'
                    'PORT/VHOST by hand and delete every rabbit_* line',
                )
                return result
            values[name] = mine if mine is not None else LEGACY[name]
        if any('$' in (v or '') for v in values.values()):
            result.by_hand(
                present[0],
                'a rabbit_* value uses $-interpolation; write [DEFAULT] '
                'transport_url by hand with the substituted values and '
                'delete the rabbit_* lines',
            )
            return result

        if '/' in values['rabbit_userid'] + values['rabbit_password']:
            # oslo.messaging's rabbit driver unquotes the URL and quotes it
            # again for kombu with '/' left as is, which kombu then parses
            # as the start of the path: the service could not connect.
            result.by_hand(
                present[0],
                'rabbit_userid or rabbit_password contains "/", which the '
                'current oslo.messaging rabbit driver passes unescaped to '
                'kombu (the connection fails); change that credential on '
                'the broker to one without "/", then run the migration '
                'again',
            )
            return result

        url = build_url(values)
        result.secrets.add(url)
        near = next((e for e in present if e.group == 'DEFAULT'), None)
        result.add(
            'DEFAULT',
            'transport_url',
            url,
            f'[DEFAULT] transport_url built from {len(present)} rabbit_* '
            'line(s)',
            near=near,
        )
        for entry in present:
            result.remove(
                entry,
                f'[{entry.group}] {entry.key} folded into [DEFAULT] '
                'transport_url',
            )
        for entry in ini.find('DEFAULT', 'rpc_backend'):
            if entry.value in RABBIT_BACKENDS:
                result.remove(
                    entry, 'rpc_backend is implied by the rabbit:// URL'
                )
        return result


def _value_in_file(ini: IniFile, name: str) -> str | None:
    for group in GROUPS:
        value = ini.lookup(group, name)
        if value is not None:
            return value
    return None


def _effective(lookup: RawLookup, name: str) -> str | None:
    for group in GROUPS:
        value = lookup(group, name)
        if value is not None:
            return value
    return None


def build_url(values: dict[str, str | None]) -> str:
    """Return the ``rabbit://`` URL the old options described.

    :param values: every name of :data:`LEGACY` (defaults filled in)
    """
    port = values['rabbit_port']
    if values['rabbit_hosts']:
        hosts = [h.strip() for h in values['rabbit_hosts'].split(',')]
        hosts = [h for h in hosts if h]
    else:
        hosts = [f'{values["rabbit_host"]}:{port}']
    creds = (
        parse.quote(values['rabbit_userid'], safe='')
        + ':'
        + parse.quote(values['rabbit_password'], safe='')
    )
    netlocs = []
    for host in hosts:
        name, host_port = netutils.parse_host_port(host, default_port=port)
        netlocs.append(f'{creds}@{netutils.escape_ipv6(name)}:{host_port}')
    vhost = values['rabbit_virtual_host']
    # '/' is RabbitMQ's default vhost, which an empty URL path selects.
    path = '' if vhost == '/' else parse.quote(vhost, safe='')
    return 'rabbit://' + ','.join(netlocs) + '/' + path
