"""``vault``: HashiCorp Vault and OpenBao KV secrets through hvac.

::

    [DEFAULT]
    config_source = vault

    [vault]
    driver = vault
    url = https://vault.example.com:8200
    kv_version = 2
    mount_point = secret
    path_prefix = nova
    auth_method = approle
    role_id = 6b1c...
    secret_id_file = /etc/nova/vault-secret-id
    ca_file = /etc/ssl/vault-ca.pem
    # explicit overrides of the convention:
    mapping = database.connection:shared/db#nova_url

By convention ``[group] option`` is the field ``option`` of the secret
``<path_prefix>/<group>``: a service with 50 secrets in 5 groups costs one
LIST and five reads (plus one token lookup), not 50 calls. Explicit
mappings are ``path#field`` relative to the mount; without ``#field`` the
field is the option name.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any
from typing import TypeVar

import requests
from oslo_config import cfg

from oslo_extras.config.sources import _mapping
from oslo_extras.config.sources import _vault_auth
from oslo_extras.config.sources import _vault_dynamic
from oslo_extras.config.sources import _vault_opts
from oslo_extras.config.sources import base
from oslo_extras.config.sources import secrets_dir

LOG = logging.getLogger(__name__)

T = TypeVar('T')

#: Largest token, secret id or JWT file read (bytes).
CREDENTIAL_MAX_SIZE = 64 * 1024


def _exc() -> Any:
    """``hvac.exceptions``, imported on first use.

    oslo.config imports every ``oslo.config.driver`` plugin as soon as one
    source is configured; importing hvac only when a vault source is used
    keeps the other drivers' startup light.
    """
    import hvac.exceptions

    return hvac.exceptions


def _transient(exc: BaseException) -> bool:
    return isinstance(
        exc,
        (
            requests.ConnectionError,
            requests.Timeout,
            _exc().InternalServerError,
            _exc().VaultDown,
            _exc().BadGateway,
        ),
    )


def _describe(exc: BaseException) -> str:
    """A short reason for an hvac or requests failure, with no payload."""
    if isinstance(exc, _exc().Forbidden):
        return 'permission denied (token expired, revoked or lacking policy)'
    if isinstance(exc, _exc().Unauthorized):
        return 'unauthorized'
    if isinstance(exc, _exc().InvalidPath):
        return 'not found'
    if isinstance(exc, requests.Timeout):
        return 'timed out'
    if isinstance(exc, requests.exceptions.SSLError):
        return 'TLS verification failed'
    if isinstance(exc, requests.ConnectionError):
        return 'connection failed'
    if isinstance(exc, _exc().VaultError):
        errors = '; '.join(str(e) for e in (exc.errors or [])[:2])
        # One line: server errors come as "1 error occurred:\n\t* ...".
        errors = ' '.join(errors.split())
        return f'{type(exc).__name__}: {errors}'.rstrip(': ')
    return type(exc).__name__


def _group_name(name: str) -> str:
    """oslo.config lower-cases group names, except ``DEFAULT``."""
    return 'DEFAULT' if name.upper() == 'DEFAULT' else name.lower()


class _Unreachable(base.BackendUnavailable):
    """The server in use cannot be reached (another of ``urls`` may)."""


class VaultSource(base.RefreshableSource):
    """KV v1 or v2 secrets of one Vault/OpenBao server.

    :param url: server address
    :param urls: more addresses of the same cluster, tried in turn when the
        one in use cannot be reached
    :param kv_version: 1 or 2
    :param mount_point: the KV engine's mount
    :param path_prefix: where ``<group>`` secrets live by convention
    :param groups: groups to read by convention; None lists the prefix
    :param auth_method: ``token``, ``approle``, ``jwt``, ``kubernetes`` or
        ``cert`` (every method but ``token`` logs in again when its token
        cannot be renewed)
    :param token: a token (``token`` auth)
    :param token_file: file holding the token, re-read before each fetch
    :param role_id: AppRole role id
    :param secret_id: AppRole secret id
    :param secret_id_file: file holding the AppRole secret id
    :param approle_mount_point: where AppRole is mounted
    :param secret_id_wrapped: ``secret_id`` (or its file) holds a
        response-wrapping token to unwrap into the secret id
    :param auth_mount_point: mount of the jwt, kubernetes or cert method
        (default: the method's name)
    :param role: role name of jwt, kubernetes and cert logins
    :param jwt_file: file holding the JWT (re-read at each login)
    :param client_cert: ``(cert_file, key_file)`` presented over TLS
        (``cert`` auth)
    :param dynamic: options filled from dynamic secrets (leased
        credentials, renewed and rotated: :mod:`._vault_dynamic`)
    :param namespace: Vault Enterprise / OpenBao namespace
    :param verify: ``True``, ``False`` or a CA bundle path
    :param renew_fraction: renew a renewable token once less than this
        fraction of its TTL is left
    """

    def __init__(
        self,
        url: str,
        urls: list[str] | None = None,
        kv_version: int = 2,
        mount_point: str = 'secret',
        path_prefix: str = '',
        groups: list[str] | None = None,
        auth_method: str = 'token',
        token: str | None = None,
        token_file: str | None = None,
        role_id: str | None = None,
        secret_id: str | None = None,
        secret_id_file: str | None = None,
        approle_mount_point: str = 'approle',
        secret_id_wrapped: bool = False,
        auth_mount_point: str | None = None,
        role: str | None = None,
        jwt_file: str | None = None,
        client_cert: tuple[str, str] | None = None,
        dynamic: list[_vault_dynamic.DynamicSpec] | None = None,
        namespace: str | None = None,
        verify: bool | str = True,
        renew_fraction: float = 0.5,
        **common: Any,
    ) -> None:
        common.setdefault('driver', 'vault')
        common.setdefault('sensitive', [token or '', secret_id or ''])
        super().__init__(**common)
        self.url = url
        self.urls = [url] + [u for u in urls or () if u != url]
        self.kv_version = kv_version
        self.mount_point = mount_point.strip('/')
        self.path_prefix = path_prefix.strip('/')
        self.groups = groups or None
        self.auth_method = auth_method
        self._token = token
        self.token_file = token_file
        self.role_id = role_id
        self._secret_id = secret_id
        self.secret_id_file = secret_id_file
        self.approle_mount_point = approle_mount_point
        self.secret_id_wrapped = secret_id_wrapped
        self.auth_mount_point = auth_mount_point or (
            approle_mount_point if auth_method == 'approle' else auth_method
        )
        self.role = role
        self.jwt_file = jwt_file
        self._unwrapped: tuple[str, str] | None = None
        self._client_args = {
            'url': url,
            'namespace': namespace or None,
            'verify': verify,
            'timeout': self.retry.timeout,
            # False, not None: hvac would take VAULT_CLIENT_CERT/KEY from
            # the environment (only what the source group says is used).
            'cert': client_cert or False,
        }
        self.scope = f'{self.mount_point}/{self.path_prefix}'.rstrip('/')
        import hvac

        self.client = hvac.Client(**self._client_args)
        # hvac falls back to VAULT_TOKEN / ~/.vault-token: use only ours.
        self.client.token = None
        self.token = _vault_auth.TokenKeeper(self, renew_fraction)
        self.dynamic = _vault_dynamic.DynamicLeases(self, dynamic or [])
        self._renewal: _vault_auth.RenewalThread | None = None

    # -- authentication (the token itself: _vault_auth.TokenKeeper) -------

    transient = staticmethod(_transient)
    describe = staticmethod(_describe)

    def _read_file(self, path: str) -> str:
        """A credential file, read as ``secrets_dir`` reads a secret: a
        FIFO never blocks, a device or a huge file is refused."""
        try:
            # Symlinks are fine (Kubernetes mounts the service account
            # token as one); what they point to must be a regular file.
            text = secrets_dir.read_secret_file(
                os.path.realpath(path),
                max_mode=0o7777,
                max_size=CREDENTIAL_MAX_SIZE,
            )
        except secrets_dir.UnreadableSecret as exc:
            raise base.BackendUnavailable(
                f'credential file {path}: refused: {exc}'
            ) from None
        return self.remember_secret(text.strip())

    def remember_secret(self, credential: str | None) -> str | None:
        """Remember a credential so that no error or log shows it."""
        if credential and credential not in self.sensitive:
            self.sensitive.append(credential)
        return credential

    def configured_token(self) -> str | None:
        """The token of ``token`` auth (re-read from ``token_file``)."""
        if self.token_file:
            return self._read_file(self.token_file)
        return self._token

    def approle_credentials(self) -> tuple[str | None, str | None]:
        """``(role_id, secret_id)``, the secret id re-read from its file
        and, when it is response-wrapped, unwrapped (once per wrapping
        token: a wrapping token can be unwrapped only once)."""
        secret_id = self._secret_id
        if self.secret_id_file:
            secret_id = self._read_file(self.secret_id_file)
        if self.secret_id_wrapped and secret_id:
            secret_id = self._unwrap_secret_id(secret_id)
        return self.role_id, secret_id

    def _unwrap_secret_id(self, wrapping_token: str) -> str:
        if self._unwrapped and self._unwrapped[0] == wrapping_token:
            return self._unwrapped[1]
        import hvac

        # The wrapping token itself authenticates the unwrap call.
        unwrapper = hvac.Client(**self._client_args)
        unwrapper.token = wrapping_token
        data = self.call(unwrapper.sys.unwrap, _transient, 'unwrap')['data']
        secret_id = self.remember_secret(data.get('secret_id'))
        if not secret_id:
            raise base.BackendUnavailable(
                'the wrapped response holds no secret_id'
            )
        self._unwrapped = (wrapping_token, secret_id)
        return secret_id

    def login_jwt(self) -> str:
        """The JWT of ``jwt`` and ``kubernetes`` logins, read each time
        (Kubernetes rotates projected service account tokens)."""
        if not self.jwt_file:
            raise base.BackendUnavailable(f'{self.auth_method} needs jwt_file')
        return self._read_file(self.jwt_file)

    def keep_token_alive(self) -> None:
        """Renew (or replace) the token if it is due; the renewal thread
        calls this between refreshes."""

        def ensure() -> None:
            try:
                self.token.ensure()
            except (requests.ConnectionError, requests.Timeout) as exc:
                raise _Unreachable(f'{self.url}: {_describe(exc)}') from None

        def renew_leases() -> None:
            try:
                self.dynamic.renew()
            except (requests.ConnectionError, requests.Timeout) as exc:
                raise _Unreachable(f'{self.url}: {_describe(exc)}') from None

        with self._lock:
            self._on_any_server(ensure)
            self._on_any_server(renew_leases)

    def refresh_due_in(self) -> float | None:
        """The base TTL, or sooner when the token is due for renewal."""
        dues = [
            due
            for due in (
                super().refresh_due_in(),
                self.token.due_in(),
                self.dynamic.rotation_due_in(),
            )
            if due is not None
        ]
        return min(dues) if dues else None

    def load(self) -> None:
        super().load()
        if self._renewal is None:
            self._renewal = _vault_auth.RenewalThread(self).start()

    def close(self) -> None:
        """Stop renewing the token."""
        if self._renewal is not None:
            self._renewal.stop()

    # -- reading ------------------------------------------------------------

    def _kv(self) -> Any:
        return (
            self.client.secrets.kv.v2
            if self.kv_version == 2
            else self.client.secrets.kv.v1
        )

    def _list(self) -> list[str]:
        try:
            response = self.call(
                lambda: self._kv().list_secrets(
                    path=self.path_prefix, mount_point=self.mount_point
                ),
                _transient,
                'list',
            )
        except _exc().InvalidPath:
            return []
        keys = (response or {}).get('data', {}).get('keys', [])
        return [k for k in keys if not k.endswith('/')]

    def _read(self, path: str) -> tuple[dict[str, Any], float]:
        def read() -> Any:
            if self.kv_version == 2:
                return self.client.secrets.kv.v2.read_secret_version(
                    path=path,
                    mount_point=self.mount_point,
                    raise_on_deleted_version=True,
                )
            return self.client.secrets.kv.v1.read_secret(
                path=path, mount_point=self.mount_point
            )

        response = self.call(read, _transient, f'read {path}')
        data = response.get('data') or {}
        if self.kv_version == 2:
            data = data.get('data') or {}
        return data, float(response.get('lease_duration') or 0)

    def _convention_path(self, group: str) -> str:
        return f'{self.path_prefix}/{group}' if self.path_prefix else group

    def fetch(self) -> base.FetchResult:
        return self._on_any_server(self._fetch_from_current)

    def _on_any_server(self, func: Callable[[], T]) -> T:
        """Run ``func`` on the server in use; when it cannot be reached,
        move to the next of ``urls`` (an HA cluster: any node serves,
        standbys forward to the active one) and try again."""
        last: _Unreachable | None = None
        for _ in range(len(self.urls)):
            try:
                return func()
            except _Unreachable as exc:
                last = exc
                if len(self.urls) == 1:
                    break
                index = (self.urls.index(self.url) + 1) % len(self.urls)
                LOG.info(
                    'config source [%s] (vault): %s unreachable, trying %s',
                    self.name,
                    self.url,
                    self.urls[index],
                )
                self.url = self.client.url = self.urls[index]
                self._client_args['url'] = self.url
        assert last is not None
        raise base.BackendUnavailable(str(last)) from None

    def _fetch_from_current(self) -> base.FetchResult:
        try:
            return self._fetch_once()
        except _exc().Forbidden:
            if self.auth_method == 'token':
                raise base.BackendUnavailable(
                    f'{self.url}: {_describe(_exc().Forbidden())}'
                ) from None
            # The login token expired early or was revoked: log in again.
            self.client.token = None
            try:
                return self._fetch_once()
            except Exception as exc:
                raise base.BackendUnavailable(
                    f'{self.url}: {_describe(exc)}'
                ) from None
        except base.BackendUnavailable:
            raise
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise _Unreachable(f'{self.url}: {_describe(exc)}') from None
        except (requests.RequestException, _exc().VaultError) as exc:
            raise base.BackendUnavailable(
                f'{self.url}: {_describe(exc)}'
            ) from None
        except OSError as exc:
            raise base.BackendUnavailable(
                f'{self.url}: cannot read a credential file: '
                f'{exc.strerror or type(exc).__name__}'
            ) from None
        except Exception as exc:
            raise base.BackendUnavailable(
                f'{self.url}: {_describe(exc)}'
            ) from None

    def _fetch_dynamic(self, result: base.FetchResult) -> None:
        """Fill options from dynamic secrets (``_vault_dynamic``)."""
        for spec in self.dynamic.specs:
            result.locations[spec.key] = f'{spec.path} (dynamic)'
        try:
            result.values.update(self.dynamic.values())
        except (_exc().InvalidPath, LookupError) as exc:
            for spec in self.dynamic.specs:
                result.values.pop(spec.key, None)
                result.errors[spec.key] = (
                    f'dynamic secret {spec.path}: {_describe(exc)}'
                )

    def _fetch_once(self) -> base.FetchResult:
        self.token.ensure()
        wanted: dict[str, list[tuple[base.Key, str]]] = {}
        convention: dict[str, str] = {}
        groups = self.groups if self.groups is not None else self._list()
        for group in groups:
            convention[self._convention_path(group)] = group
        for key, spec in self.mapping.items():
            path, field = _mapping.split_field(spec, key[1])
            wanted.setdefault(path, []).append((key, field))

        result = base.FetchResult()
        ttls = []
        for path in sorted(set(convention) | set(wanted)):
            try:
                data, ttl = self._read(path)
            except _exc().InvalidPath:
                if path in convention:
                    # A group the source is told to serve, or one still
                    # listed (KV v2 keeps a deleted secret's metadata):
                    # fail closed.
                    group = _group_name(convention[path])
                    why = 'not found' if self.groups else 'deleted'
                    result.errors[(group, base.WHOLE_GROUP)] = (
                        f'secret {self.mount_point}/{path} {why}'
                    )
                for key, _field in wanted.get(path, ()):
                    result.locations[key] = f'{self.mount_point}/{path}'
                    result.errors[key] = (
                        f'secret {self.mount_point}/{path} not found'
                    )
                continue
            if ttl:
                ttls.append(ttl)
            if path in convention:
                group = _group_name(convention[path])
                for field, value in data.items():
                    key = (group, field)
                    result.locations[key] = (
                        f'{self.mount_point}/{path}#{field}'
                    )
                    _put(result, key, value)
            for key, field in wanted.get(path, ()):
                result.locations[key] = f'{self.mount_point}/{path}#{field}'
                if field in data:
                    _put(result, key, data[field])
                else:
                    result.values.pop(key, None)
                    result.errors[key] = (
                        f'secret {self.mount_point}/{path} has no field '
                        f'{field!r}'
                    )
        result.ttl = min(ttls) if ttls else None
        self._fetch_dynamic(result)
        return result


def _put(result: base.FetchResult, key: base.Key, value: Any) -> None:
    """Record a field's value; a JSON null is no value (never ``'None'``)."""
    if value is None:
        result.values.pop(key, None)
        result.errors[key] = f'{result.locations[key]} is null'
    else:
        result.errors.pop(key, None)
        result.values[key] = value


class VaultDriver(base.SourceDriver):
    """HashiCorp Vault / OpenBao KV v1 or v2 secrets through hvac: field
    ``<option>`` of ``<mount>/<path_prefix>/<group>`` by convention."""

    name = 'vault'

    def driver_opts(self) -> list[cfg.Opt]:
        return _vault_opts.driver_opts()

    def make_source(self, group: Any, **common: Any) -> VaultSource:
        verify: bool | str = group.verify_tls
        if group.verify_tls and group.ca_file:
            verify = group.ca_file
        _vault_opts.check_auth(group, common['name'])
        jwt_file = group.jwt_file
        if group.auth_method == 'kubernetes' and not jwt_file:
            jwt_file = _vault_opts.KUBERNETES_JWT
        return VaultSource(
            url=group.url,
            urls=group.urls,
            kv_version=group.kv_version,
            mount_point=group.mount_point,
            path_prefix=group.path_prefix,
            groups=group.groups,
            auth_method=group.auth_method,
            token=group.token,
            token_file=group.token_file,
            role_id=group.role_id,
            secret_id=group.secret_id,
            secret_id_file=group.secret_id_file,
            approle_mount_point=group.approle_mount_point,
            secret_id_wrapped=group.secret_id_wrapped,
            auth_mount_point=group.auth_mount_point,
            role=group.role,
            jwt_file=jwt_file,
            client_cert=(
                (group.client_cert_file, group.client_key_file)
                if group.client_cert_file
                else None
            ),
            dynamic=_vault_dynamic.parse_specs(
                group.dynamic_secrets, common['name']
            ),
            namespace=group.namespace,
            verify=verify,
            **common,
        )
