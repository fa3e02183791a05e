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
from collections.abc import Callable
from typing import Any
from typing import TypeVar

import requests
from oslo_config import cfg

from oslo_extras.config.sources import _vault_auth
from oslo_extras.config.sources import _vault_credentials
from oslo_extras.config.sources import _vault_dynamic
from oslo_extras.config.sources import _vault_errors
from oslo_extras.config.sources import _vault_kv
from oslo_extras.config.sources import _vault_opts
from oslo_extras.config.sources import base

LOG = logging.getLogger(__name__)

T = TypeVar('T')

# The names this module had before the split, kept importable from here.
CREDENTIAL_MAX_SIZE = _vault_credentials.CREDENTIAL_MAX_SIZE
_exc = _vault_errors.hvac_exceptions
_transient = _vault_errors.transient
_describe = _vault_errors.describe
_Unreachable = _vault_errors.Unreachable


class VaultSource(
    _vault_kv.KVReader,
    _vault_credentials.VaultCredentials,
    base.RefreshableSource,
):
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

    # -- reading (the KV secrets themselves: _vault_kv.KVReader) ------------

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
