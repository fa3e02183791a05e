"""``etcd``: values in etcd v3 through its gRPC gateway (etcd3gw).

::

    [DEFAULT]
    config_source = etcd

    [etcd]
    driver = etcd
    host = 127.0.0.1
    port = 2379
    prefix = /openstack/nova
    # mapping = database.connection:/shared/db/nova

By convention ``[group] option`` is the key ``<prefix>/<group>/<option>``;
the whole service is one range read of ``<prefix>/``. An explicitly mapped
key outside the prefix costs one more read each.
"""

from __future__ import annotations

from typing import Any

import requests
from oslo_config import cfg

from oslo_extras.config.sources import base


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
    return type(exc).__name__


def _text(raw: Any) -> str:
    return raw.decode('utf-8') if isinstance(raw, bytes) else str(raw)


class EtcdSource(base.RefreshableSource):
    """Values under one key prefix of an etcd v3 cluster.

    :param client: an ``etcd3gw.Etcd3Client``
    :param prefix: keys of ``[group] option`` are ``<prefix>/<group>/<option>``
    """

    def __init__(self, client: Any, prefix: str, **common: Any) -> None:
        common.setdefault('driver', 'etcd')
        super().__init__(**common)
        self.client = client
        self.prefix = '/' + prefix.strip('/') if prefix.strip('/') else ''
        self.scope = f'{self.prefix}/'

    def fetch(self) -> base.FetchResult:
        try:
            return self._fetch()
        except (_exc().Etcd3Exception, requests.RequestException) as exc:
            raise base.BackendUnavailable(
                f'{self.client.base_url}: {_describe(exc)}'
            ) from None
        except UnicodeDecodeError:
            raise base.BackendUnavailable(
                f'{self.client.base_url}: a value is not UTF-8'
            ) from None

    def _fetch(self) -> base.FetchResult:
        result = base.FetchResult()
        start = self.prefix + '/'
        found: dict[str, str] = {}
        for value, meta in self.call(
            lambda: self.client.get_prefix(start), _transient, 'range read'
        ):
            found[_text(meta['key'])] = _text(value)
        for key, value in found.items():
            parts = key[len(start) :].split('/')
            if len(parts) != 2 or not all(parts):
                continue
            group = 'DEFAULT' if parts[0].upper() == 'DEFAULT' else parts[0]
            result.values[(group, parts[1])] = value
            result.locations[(group, parts[1])] = key
        for opt_key, etcd_key in self.mapping.items():
            result.locations[opt_key] = etcd_key
            if etcd_key not in found:
                values = self.call(
                    lambda k=etcd_key: self.client.get(k),
                    _transient,
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


class EtcdDriver(base.SourceDriver):
    """etcd v3 keys through etcd3gw: ``<prefix>/<group>/<option>``, one
    range read for the whole service."""

    name = 'etcd'

    def driver_opts(self) -> list[cfg.Opt]:
        return [
            cfg.HostAddressOpt(
                'host', default='127.0.0.1', help='etcd gateway host.'
            ),
            cfg.PortOpt('port', default=2379, help='etcd gateway port.'),
            cfg.StrOpt(
                'protocol',
                default='http',
                choices=['http', 'https'],
                help='Protocol of the gateway.',
            ),
            cfg.StrOpt(
                'prefix',
                default='',
                help='Keys of ``[group] option`` are '
                '``<prefix>/<group>/<option>``.',
            ),
            cfg.StrOpt('ca_file', help='CA bundle to verify the server.'),
            cfg.StrOpt('cert_file', help='Client certificate.'),
            cfg.StrOpt('key_file', help='Client certificate key.'),
            cfg.StrOpt(
                'api_path',
                help='Gateway path such as /v3/. Unset: discovered with '
                'one extra request.',
            ),
        ]

    def make_source(self, group: Any, **common: Any) -> EtcdSource:
        import etcd3gw

        client = etcd3gw.Etcd3Client(
            host=group.host,
            port=group.port,
            protocol=group.protocol,
            ca_cert=group.ca_file,
            cert_key=group.key_file,
            cert_cert=group.cert_file,
            timeout=common['retry'].timeout,
            api_path=group.api_path,
        )
        return EtcdSource(client=client, prefix=group.prefix, **common)
