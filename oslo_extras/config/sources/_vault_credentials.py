"""The ``vault`` driver's credentials: what each login method presents.

:class:`VaultCredentials` is a mixin of :class:`.vault.VaultSource`: it
reads the token, AppRole secret id and JWT files (as ``secrets_dir`` reads
a secret), unwraps a response-wrapped secret id, remembers every
credential so that no error or log shows it, and keeps the token and
dynamic leases alive between refreshes. The token itself (login, renewal)
is :class:`._vault_auth.TokenKeeper`'s.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import requests

from oslo_extras.config.sources import secrets_dir
from oslo_extras.config.sources._model import BackendUnavailable
from oslo_extras.config.sources._vault_errors import Unreachable
from oslo_extras.config.sources._vault_errors import describe
from oslo_extras.config.sources._vault_errors import transient

#: Largest token, secret id or JWT file read (bytes).
CREDENTIAL_MAX_SIZE = 64 * 1024


class VaultCredentials:
    """Credential handling of a vault source.

    The source provides ``auth_method``, ``role_id``, ``token_file``,
    ``secret_id_file``, ``secret_id_wrapped``, ``jwt_file``, ``url``,
    ``sensitive``, ``token``, ``dynamic``, ``call()`` and
    ``_on_any_server()``.
    """

    auth_method: str
    role_id: str | None
    token_file: str | None
    secret_id_file: str | None
    secret_id_wrapped: bool
    jwt_file: str | None
    url: str
    sensitive: list[str]
    token: Any
    dynamic: Any
    _token: str | None
    _secret_id: str | None
    _unwrapped: tuple[str, str] | None
    _client_args: dict[str, Any]
    _lock: Any
    call: Callable[..., Any]
    _on_any_server: Callable[..., Any]

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
            raise BackendUnavailable(
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
        data = self.call(unwrapper.sys.unwrap, transient, 'unwrap')['data']
        secret_id = self.remember_secret(data.get('secret_id'))
        if not secret_id:
            raise BackendUnavailable('the wrapped response holds no secret_id')
        self._unwrapped = (wrapping_token, secret_id)
        return secret_id

    def login_jwt(self) -> str:
        """The JWT of ``jwt`` and ``kubernetes`` logins, read each time
        (Kubernetes rotates projected service account tokens)."""
        if not self.jwt_file:
            raise BackendUnavailable(f'{self.auth_method} needs jwt_file')
        return self._read_file(self.jwt_file)

    def keep_token_alive(self) -> None:
        """Renew (or replace) the token if it is due; the renewal thread
        calls this between refreshes."""

        def ensure() -> None:
            try:
                self.token.ensure()
            except (requests.ConnectionError, requests.Timeout) as exc:
                raise Unreachable(f'{self.url}: {describe(exc)}') from None

        def renew_leases() -> None:
            try:
                self.dynamic.renew()
            except (requests.ConnectionError, requests.Timeout) as exc:
                raise Unreachable(f'{self.url}: {describe(exc)}') from None

        with self._lock:
            self._on_any_server(ensure)
            self._on_any_server(renew_leases)
