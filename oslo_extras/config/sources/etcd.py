"""``etcd``: values in etcd v3 through its gRPC gateway (etcd3gw).

::

    [DEFAULT]
    config_source = etcd

    [etcd]
    driver = etcd
    endpoints = 10.0.0.1:2379, 10.0.0.2:2379, 10.0.0.3:2379
    prefix = /openstack/nova
    # username = nova
    # password = ...
    # protocol = https, ca_file, cert_file + key_file (client certificate)
    # groups = database, keystone_authtoken
    # mapping = database.connection:/shared/db/nova

By convention ``[group] option`` is the key ``<prefix>/<group>/<option>``;
the whole service is one range read of ``<prefix>/``. An explicitly mapped
key outside the prefix costs one more read each.

Group names: oslo.config lower-cases every group name except ``DEFAULT``,
so the group part of a key is matched without regard to case
(``/p/Database/password`` serves ``[database] password``; ``default`` in
any case is ``DEFAULT``). Two keys that differ only in the case of their
group, for the same option, are an error for that option. Option names are
taken as they are.

Several ``endpoints`` are tried in order and the one that answered stays in
use (:mod:`._etcd_client`). :meth:`EtcdSource.watch` watches the prefix so
the ``sources`` reload trigger applies a write at once instead of at its
next poll.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import requests
from oslo_config import cfg

from oslo_extras.config.sources import _etcd_client
from oslo_extras.config.sources import base

LOG = logging.getLogger(__name__)


def _exc() -> Any:
    """``etcd3gw.exceptions``, imported on first use (etcd3gw pulls in
    futurist and eventlet: seconds of import time for every service that
    configures any source, since oslo.config imports all drivers)."""
    from etcd3gw import exceptions

    return exceptions


def _transient(exc: BaseException) -> bool:
    return isinstance(
        exc,
        (
            _exc().ConnectionFailedError,
            _exc().ConnectionTimeoutError,
            _exc().InternalServerError,
            requests.ConnectionError,
            requests.Timeout,
        ),
    )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, (_exc().ConnectionTimeoutError, requests.Timeout)):
        return 'timed out'
    if isinstance(
        exc, (_exc().ConnectionFailedError, requests.ConnectionError)
    ):
        return 'connection failed'
    if isinstance(exc, _exc().Etcd3Exception):
        text = f'{exc.detail_text} {exc}'.lower()
        if 'authentication failed' in text:
            return 'authentication failed (user name or password)'
        if 'permission denied' in text:
            return 'permission denied'
    return type(exc).__name__


def _text(raw: Any) -> str:
    return raw.decode('utf-8') if isinstance(raw, bytes) else str(raw)


def _group_name(name: str) -> str:
    """oslo.config lower-cases group names, except ``DEFAULT``."""
    return 'DEFAULT' if name.upper() == 'DEFAULT' else name.lower()


class EtcdSource(base.RefreshableSource):
    """Values under one key prefix of an etcd v3 cluster.

    :param client: an ``etcd3gw.Etcd3Client`` or an
        :class:`~._etcd_client.EtcdEndpoints` (several endpoints)
    :param prefix: keys of ``[group] option`` are ``<prefix>/<group>/<option>``
    :param groups: groups this source must serve (each needs at least one
        key), or None for whatever is under the prefix
    """

    def __init__(
        self,
        client: Any,
        prefix: str,
        groups: list[str] | None = None,
        **common: Any,
    ) -> None:
        common.setdefault('driver', 'etcd')
        super().__init__(**common)
        if not isinstance(client, _etcd_client.EtcdEndpoints):
            client = _etcd_client.EtcdEndpoints([client])
        # Auth tokens never show up in an error or a log either.
        client.on_secret = self.sensitive.append
        self.endpoints: _etcd_client.EtcdEndpoints = client
        self.prefix = '/' + prefix.strip('/') if prefix.strip('/') else ''
        self.groups = [_group_name(g) for g in groups] if groups else None
        self.scope = f'{self.prefix}/'

    @property
    def client(self) -> Any:
        """The etcd3gw client of the endpoint in use."""
        return self.endpoints.client

    def fetch(self) -> base.FetchResult:
        try:
            return self._fetch()
        except (_exc().Etcd3Exception, requests.RequestException) as exc:
            raise base.BackendUnavailable(
                f'{self.endpoints.describe()}: {_describe(exc)}'
            ) from None
        except UnicodeDecodeError:
            raise base.BackendUnavailable(
                f'{self.endpoints.describe()}: a value is not UTF-8'
            ) from None

    def _call(self, func: Callable[[Any], Any], what: str) -> Any:
        return self.call(lambda: self.endpoints.call(func), _transient, what)

    def _fetch(self) -> base.FetchResult:
        result = base.FetchResult()
        start = self.prefix + '/'
        found: dict[str, str] = {}
        for value, meta in self._call(
            lambda client: client.get_prefix(start), 'range read'
        ):
            found[_text(meta['key'])] = _text(value)
        seen: dict[base.Key, str] = {}
        for key, value in sorted(found.items()):
            parts = key[len(start) :].split('/')
            if len(parts) != 2 or not all(parts):
                continue
            opt_key = (_group_name(parts[0]), parts[1])
            if opt_key in seen:
                # Database/x and database/x: refuse to guess.
                result.values.pop(opt_key, None)
                result.errors[opt_key] = (
                    f'keys {seen[opt_key]} and {key} both give this option '
                    '(group names are not case-sensitive)'
                )
                continue
            seen[opt_key] = key
            result.values[opt_key] = value
            result.locations[opt_key] = key
        for group in self.groups or ():
            if not any(k[0] == group for k in seen):
                result.errors[(group, base.WHOLE_GROUP)] = (
                    f'no key under {start}{group}/'
                )
        for opt_key, etcd_key in self.mapping.items():
            result.locations[opt_key] = etcd_key
            result.errors.pop(opt_key, None)
            if etcd_key not in found:
                values = self._call(
                    lambda client, k=etcd_key: client.get(k),
                    f'read {etcd_key}',
                )
                if values:
                    found[etcd_key] = _text(values[0])
            if etcd_key in found:
                result.values[opt_key] = found[etcd_key]
            else:
                result.values.pop(opt_key, None)
                result.errors[opt_key] = f'key {etcd_key} not found'
        return result

    def watch(self, on_change: Callable[[], Any]) -> Callable[[], None]:
        """Call ``on_change()`` after each write or delete under the prefix.

        The watch runs in its own daemon thread, on the endpoint in use
        (failing over like reads); streams are renewed every few seconds
        from the last revision seen, so a dead endpoint costs at most that
        long and no write is missed. The ``sources`` trigger's poll stays
        the fallback.

        :returns: a function that stops the watch
        """
        watcher = _PrefixWatch(self, on_change)
        watcher.start()
        return watcher.stop


class _PrefixWatch:
    """Watches a source's prefix, one watch stream at a time.

    Each stream (etcd3gw's ``watch_prefix_once``) lasts at most
    ``stream_seconds``, starting from the revision after the last event
    seen, so no write is missed between streams, and a stream whose
    endpoint died is replaced on the next endpoint within that time.
    """

    def __init__(
        self,
        source: EtcdSource,
        on_change: Callable[[], Any],
        stream_seconds: float = 5.0,
    ) -> None:
        self.source = source
        self.on_change = on_change
        self.stream_seconds = stream_seconds
        self._stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f'etcd-watch[{source.name}]', daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current stream (a daemon thread: never waited)."""
        self._stopped.set()

    def _run(self) -> None:
        prefix = self.source.prefix + '/'
        revision: int | None = None
        while not self._stopped.is_set():
            try:
                if revision is None:
                    status = self.source.endpoints.call(
                        lambda client: client.status()
                    )
                    revision = int(status['header']['revision']) + 1
                event = self.source.endpoints.call(
                    lambda client, r=revision: client.watch_prefix_once(
                        prefix, self.stream_seconds, start_revision=r
                    )
                )
            except _exc().WatchTimedOut:
                continue
            except Exception as exc:
                LOG.warning(
                    'config source [%s] (etcd): watch failed, polling '
                    'continues: %s',
                    self.source.name,
                    _describe(exc),
                )
                self._stopped.wait(1.0)
                continue
            revision = int(event['kv']['mod_revision']) + 1
            if not self._stopped.is_set():
                self.on_change()


class EtcdDriver(base.SourceDriver):
    """etcd v3 keys through etcd3gw: ``<prefix>/<group>/<option>``, one
    range read for the whole service, several endpoints with failover."""

    name = 'etcd'

    def driver_opts(self) -> list[cfg.Opt]:
        return [
            cfg.ListOpt(
                'endpoints',
                help='etcd gateways as host:port or http(s)://host:port, '
                'tried in order; the one that answers stays in use. '
                'Unset: host and port.',
            ),
            cfg.HostAddressOpt(
                'host', default='127.0.0.1', help='etcd gateway host.'
            ),
            cfg.PortOpt('port', default=2379, help='etcd gateway port.'),
            cfg.StrOpt(
                'protocol',
                default='http',
                choices=['http', 'https'],
                help='Protocol of the gateway (and of endpoints given '
                'without one).',
            ),
            cfg.StrOpt(
                'prefix',
                default='',
                help='Keys of ``[group] option`` are '
                '``<prefix>/<group>/<option>``.',
            ),
            cfg.ListOpt(
                'groups',
                help='Groups this source must serve: a group with no key '
                'under the prefix is an error. Unset: whatever is there '
                '(an empty prefix is still an error).',
            ),
            cfg.StrOpt('username', help='etcd user (auth enabled).'),
            cfg.StrOpt('password', secret=True, help='Its password.'),
            cfg.StrOpt('ca_file', help='CA bundle to verify the server.'),
            cfg.StrOpt(
                'cert_file', help='Client certificate (client-cert auth).'
            ),
            cfg.StrOpt('key_file', help='Client certificate key.'),
            cfg.StrOpt(
                'api_path',
                help='Gateway path such as /v3/. Unset: discovered with '
                'one extra request.',
            ),
        ]

    def make_source(self, group: Any, **common: Any) -> EtcdSource:
        raw = group.endpoints or [f'{group.host}:{group.port}']
        endpoints = [
            _etcd_client.parse_endpoint(item, group.protocol) for item in raw
        ]
        client = _etcd_client.EtcdEndpoints.build(
            endpoints,
            timeout=common['retry'].timeout,
            username=group.username,
            password=group.password,
            ca_file=group.ca_file,
            cert_file=group.cert_file,
            key_file=group.key_file,
            api_path=group.api_path,
        )
        common['sensitive'] = [group.password or '']
        return EtcdSource(
            client=client, prefix=group.prefix, groups=group.groups, **common
        )
