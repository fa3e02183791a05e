"""Several etcd endpoints with failover and user/password auth (etcd3gw).

etcd3gw talks to one gRPC gateway and has no auth call, so this wraps one
``etcd3gw.Etcd3Client`` per endpoint:

* a call that cannot reach the current endpoint (connection refused, time
  out, 503 "no leader") moves on to the next one; the endpoint that worked
  stays current;
* with ``username`` and ``password`` each endpoint gets a token from
  ``/v3/auth/authenticate`` (sent as the ``Authorization`` header by the
  client's session, which etcd3gw's watch uses too); a rejected token
  (expired: etcd's simple tokens live 5 minutes) is replaced once;
* TLS and client certificates are etcd3gw's (``ca_file``, ``cert_file``,
  ``key_file``).
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Callable
from typing import Any
from typing import TypeVar

import requests

LOG = logging.getLogger(__name__)

T = TypeVar('T')


def _exc() -> Any:
    from etcd3gw import exceptions

    return exceptions


def unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` means this endpoint, not the request, failed."""
    return isinstance(
        exc,
        (
            _exc().ConnectionFailedError,
            _exc().ConnectionTimeoutError,
            requests.ConnectionError,
            requests.Timeout,
        ),
    )


def _auth_rejected(exc: BaseException) -> bool:
    if not isinstance(exc, _exc().Etcd3Exception):
        return False
    text = f'{exc.detail_text} {exc}'.lower()
    return 'invalid auth token' in text or 'user name is empty' in text


def parse_endpoint(text: str, protocol: str) -> tuple[str, str, int]:
    """``host:port`` or ``scheme://host:port`` -> ``(scheme, host, port)``.

    :raises ValueError: naming the endpoint
    """
    raw = text.strip()
    url = urllib.parse.urlsplit(raw if '://' in raw else f'{protocol}://{raw}')
    try:
        port = url.port
    except ValueError:
        port = None
    if url.scheme not in ('http', 'https') or not url.hostname or not port:
        raise ValueError(
            f'etcd endpoint {raw!r} must be host:port or http(s)://host:port'
        )
    return url.scheme, url.hostname, port


class _PinnedTLSSession(requests.Session):
    """A session whose ``verify`` and ``cert`` are never replaced.

    requests lets ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE`` override a
    session's ``verify`` (it merges the environment first), so etcd3gw's
    ``ca_cert`` would silently give way to the system bundle.
    """

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        settings = super().merge_environment_settings(
            url, proxies, stream, verify, cert
        )
        if (verify is None or verify is True) and self.verify is not True:
            settings['verify'] = self.verify
        return settings


def tls_session(
    ca_file: str | None, cert_file: str | None, key_file: str | None
) -> requests.Session:
    """A session that verifies with ``ca_file`` (if set, whatever the
    environment says) and presents the client certificate (if set)."""
    session = _PinnedTLSSession()
    if ca_file:
        session.verify = ca_file
    if cert_file and key_file:
        session.cert = (cert_file, key_file)
    elif cert_file or key_file:
        raise ValueError('cert_file and key_file go together')
    return session


class EtcdEndpoints:
    """The clients of every endpoint, used one at a time with failover.

    :param clients: one ``etcd3gw.Etcd3Client`` per endpoint, in order
    :param username: etcd user (auth enabled), or None
    :param password: its password
    :param on_secret: called with each auth token received, so the source
        can keep it out of errors and logs
    """

    def __init__(
        self,
        clients: list[Any],
        username: str | None = None,
        password: str | None = None,
        on_secret: Callable[[str], Any] | None = None,
    ) -> None:
        if not clients:
            raise ValueError('etcd needs at least one endpoint')
        self.clients = list(clients)
        self.current = 0
        self.username = username
        self._password = password
        self._authenticated: set[int] = set()
        self.on_secret = on_secret

    @classmethod
    def build(
        cls,
        endpoints: list[tuple[str, str, int]],
        timeout: float,
        username: str | None = None,
        password: str | None = None,
        ca_file: str | None = None,
        cert_file: str | None = None,
        key_file: str | None = None,
        api_path: str | None = None,
    ) -> EtcdEndpoints:
        """One etcd3gw client per ``(scheme, host, port)``.

        :param ca_file: CA bundle to verify the servers with
        :param cert_file: client certificate (client-certificate auth)
        :param key_file: its key
        :param api_path: gateway path, or None to discover it
        """
        import etcd3gw

        clients = [
            etcd3gw.Etcd3Client(
                host=host,
                port=port,
                protocol=scheme,
                timeout=timeout,
                api_path=api_path,
                session=tls_session(ca_file, cert_file, key_file),
            )
            for scheme, host, port in endpoints
        ]
        return cls(clients, username=username, password=password)

    @property
    def client(self) -> Any:
        """The client of the endpoint in use."""
        return self.clients[self.current]

    @property
    def base_url(self) -> str:
        return self.client.base_url

    def describe(self) -> str:
        """Every endpoint, for errors (no credentials in them)."""
        return ', '.join(client.base_url for client in self.clients)

    def call(self, func: Callable[[Any], T]) -> T:
        """Run ``func(client)`` on the current endpoint, failing over.

        :raises: the last endpoint's error when none can be reached, or
            the first error that is not about reaching an endpoint
        """
        last: BaseException | None = None
        count = len(self.clients)
        for step in range(count):
            index = (self.current + step) % count
            client = self.clients[index]
            try:
                result = self._on(index, client, func)
            except Exception as exc:
                if not unreachable(exc):
                    raise
                LOG.debug(
                    'etcd endpoint %s unreachable (%s), trying the next',
                    client.base_url,
                    type(exc).__name__,
                )
                last = exc
                continue
            if index != self.current:
                LOG.info('etcd: failed over to %s', client.base_url)
                self.current = index
            return result
        assert last is not None
        raise last

    def _on(self, index: int, client: Any, func: Callable[[Any], T]) -> T:
        if self.username and index not in self._authenticated:
            self._authenticate(index, client)
        try:
            return func(client)
        except Exception as exc:
            if not (self.username and _auth_rejected(exc)):
                raise
            self._authenticate(index, client)
            return func(client)

    def _authenticate(self, index: int, client: Any) -> None:
        client.session.headers.pop('Authorization', None)
        response = client.post(
            client.get_url('/auth/authenticate'),
            json={'name': self.username, 'password': self._password},
        )
        token = response['token']
        if self.on_secret is not None:
            self.on_secret(token)
        client.session.headers['Authorization'] = token
        self._authenticated.add(index)
