"""Fold the old ``rabbit_*`` options into ``[DEFAULT] transport_url``.

oslo.messaging removed ``rabbit_host``, ``rabbit_port``, ``rabbit_hosts``,
``rabbit_userid``, ``rabbit_password`` and ``rabbit_virtual_host`` (in
``[oslo_messaging_rabbit]``, earlier in ``[DEFAULT]``) in favour of::

    [DEFAULT]
    transport_url = rabbit://user:pass@host1:5672,user:pass@host2:5672/vhost

The current library no longer knows these names, so their meaning (defaults,
precedence, ``rabbit_hosts`` winning over ``rabbit_host``/``rabbit_port``)
lives here. Their values are read as oslo.config read them: newest file
first, and in each file ``[oslo_messaging_rabbit]`` before ``[DEFAULT]``; when
they are spread over several files, the URL goes to the last of them and
the lines in the others are removed.

TLS lived in the same options (``rabbit_use_ssl``, ``kombu_ssl_*``) and now
lives in ``[oslo_messaging_rabbit] ssl*`` (the URL has no TLS flag): those
lines are moved there, so a broker on 5671 is still reached over TLS.
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
#: old TLS option -> its name in [oslo_messaging_rabbit] today
TLS = {
    'rabbit_use_ssl': 'ssl',
    'kombu_ssl_version': 'ssl_version',
    'kombu_ssl_keyfile': 'ssl_key_file',
    'kombu_ssl_certfile': 'ssl_cert_file',
    'kombu_ssl_ca_certs': 'ssl_ca_file',
}
TLS_GROUP = 'oslo_messaging_rabbit'


def is_rabbit_backend(value: str) -> bool:
    """True for ``rabbit``, ``kombu`` and the incubator's ``impl_kombu``."""
    value = value.strip()
    return value in RABBIT_BACKENDS or value.endswith(
        ('.impl_kombu', '.impl_rabbit')
    )


def _names(name: str) -> list[tuple[str, str]]:
    return [(group, name) for group in GROUPS]


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
        _move_tls(ini, catalog, result)
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
        if backend and not is_rabbit_backend(backend):
            _keep(ini, present)
            result.by_hand(
                present[0],
                f'rpc_backend = {backend} is not RabbitMQ; write '
                '[DEFAULT] transport_url for that driver and delete the '
                'rabbit_* options',
            )
            return result

        values = {}
        for name in LEGACY:
            value = _effective(lookup, name)
            values[name] = value if value is not None else LEGACY[name]
            if name == 'rabbit_password' and value:
                result.secrets.add(value)
                result.secrets.add(parse.quote(value, safe=''))
        if any('$' in (v or '') for v in values.values()):
            _keep(ini, present)
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
            _keep(ini, present)
            result.by_hand(
                present[0],
                'rabbit_userid or rabbit_password contains "/", which the '
                'current oslo.messaging rabbit driver passes unescaped to '
                'kombu (the connection fails); change that credential on '
                'the broker to one without "/", then run the migration '
                'again',
            )
            return result

        holders = _holders(lookup, ini)
        if holders and holders[-1] != ini.path:
            # The URL goes to the last file that sets any of them (its
            # values won there); here the lines only go away.
            for entry in present:
                result.remove(
                    entry,
                    f'[{entry.group}] {entry.key} folded into [DEFAULT] '
                    f'transport_url in {holders[-1]}',
                )
            _drop_rpc_backend(ini, result)
            return result

        url = build_url(values)
        result.secrets.add(url)
        near = next((e for e in present if e.group == 'DEFAULT'), None)
        comments: list[str] = []
        for entry in present:  # they travel with the folded value
            for line in ini.comment_lines(entry):
                if line not in comments:
                    comments.append(line)
        result.add(
            'DEFAULT',
            'transport_url',
            url,
            f'[DEFAULT] transport_url built from {len(present)} rabbit_* '
            'line(s)'
            + (
                f' (and those of {len(holders) - 1} earlier file(s))'
                if len(holders) > 1
                else ''
            ),
            near=near,
            comments=comments,
        )
        for entry in present:
            result.remove(
                entry,
                f'[{entry.group}] {entry.key} folded into [DEFAULT] '
                'transport_url',
            )
        _drop_rpc_backend(ini, result)
        return result


def _keep(ini: IniFile, entries) -> None:
    # The manual step needs these lines: no generic rule (a removal
    # reported by the release catalog, say) may take them meanwhile.
    for entry in entries:
        ini.keep(entry)


def _drop_rpc_backend(ini: IniFile, result: MigrationResult) -> None:
    for entry in ini.find('DEFAULT', 'rpc_backend'):
        if is_rabbit_backend(entry.value):
            result.remove(entry, 'rpc_backend is implied by the rabbit:// URL')


def _holders(lookup: RawLookup, ini: IniFile) -> list[str]:
    paths_with = getattr(lookup, 'paths_with', None)
    if paths_with is None:  # a plain lookup: this file alone
        return [ini.path]
    return paths_with([n for name in LEGACY for n in _names(name)])


def _move_tls(
    ini: IniFile, catalog: OptionCatalog, result: MigrationResult
) -> None:
    """Move ``rabbit_use_ssl``/``kombu_ssl_*`` to ``ssl``/``ssl_*``.

    In one file the current name won over the old ones, and the old name in
    ``[oslo_messaging_rabbit]`` over the one in ``[DEFAULT]``.
    """
    for old, new in TLS.items():
        if catalog.option(TLS_GROUP, new) is None:
            continue
        found = [(g, ini.find(g, old)) for g in GROUPS]
        found = [(g, es) for g, es in found if es]
        if not found:
            continue
        current = ini.find(TLS_GROUP, new)
        if current:
            losers, winners = found, []
        else:
            (_g, winners), losers = found[0], found[1:]
        for entry in winners:
            result.rename(
                entry,
                TLS_GROUP,
                new,
                f'[{entry.group}] {entry.key} -> [{TLS_GROUP}] {new} (TLS '
                'to the broker is no longer part of the URL)',
            )
        for _g, entries in losers:
            for entry in entries:
                result.remove(
                    entry,
                    f'[{entry.group}] {entry.key} = {entry.value} was '
                    f'ignored: [{TLS_GROUP}] '
                    f'{new if current else winners[-1].key} wins in this '
                    'file; removed',
                )


def _effective(lookup: RawLookup, name: str) -> str | None:
    first = getattr(lookup, 'first', None)
    if first is not None:
        return first(_names(name))
    for group in GROUPS:  # a plain lookup
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
