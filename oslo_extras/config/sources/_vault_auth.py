"""The ``vault`` driver's token: log in, look up, renew, log in again.

A Vault token lapses at the end of its TTL whether or not anyone reads a
secret, so renewal cannot wait for the next fetch: :class:`TokenKeeper`
knows when the token is due (:meth:`TokenKeeper.due_in`, which the source
adds to ``refresh_due_in()``) and :class:`RenewalThread` renews it at that
point even when the service never calls ``refresh()``.

Rules: a renewable token is renewed once less than ``renew_fraction`` of its
TTL is left; a login token (AppRole, JWT, Kubernetes, TLS certificate) that
cannot be renewed (not renewable, at its max TTL, revoked) is replaced by
logging in again; a plain token that cannot be renewed is logged (the
operator replaces it, e.g. through ``token_file`` written by a Vault
agent). No token, secret id or JWT is ever logged. The login calls are
hvac's (``auth.approle``, ``auth.jwt``, ``auth.kubernetes``, ``auth.cert``).
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

LOG = logging.getLogger(__name__)

#: Seconds between attempts after a failed renewal or login.
RETRY_AFTER = 5.0


class TokenKeeper:
    """Holds the client's token and keeps it valid.

    :param source: the owning source (``call()``, ``name``, credentials)
    :param renew_fraction: renew once less than this fraction of the TTL
        is left
    """

    def __init__(self, source: Any, renew_fraction: float = 0.5) -> None:
        self.source = source
        self.renew_fraction = renew_fraction
        self.expires: float | None = None
        self.ttl = 0.0
        self.renewable = False
        self.checked = False

    @property
    def client(self) -> Any:
        return self.source.client

    # -- state --------------------------------------------------------------

    def note(self, ttl: Any, renewable: Any) -> None:
        """Remember a token's TTL as the server gave it."""
        self.ttl = float(ttl or 0)
        self.renewable = bool(renewable)
        self.expires = time.monotonic() + self.ttl if self.ttl else None
        self.checked = True

    def expired(self) -> bool:
        return self.expires is not None and time.monotonic() >= self.expires

    def due_in(self) -> float | None:
        """Seconds until the token should be renewed or replaced, or None
        for a token that never expires (or cannot be kept alive)."""
        if self.expires is None:
            return None
        if not (self.renewable or self.source.auth_method != 'token'):
            return None
        renew_at = self.expires - self.ttl * self.renew_fraction
        return max(0.0, renew_at - time.monotonic())

    # -- actions ------------------------------------------------------------

    def ensure(self) -> None:
        """Make sure the client holds a token that is not about to expire.

        :raises: hvac or requests errors of a login or lookup (the caller
            turns them into ``BackendUnavailable``)
        """
        source = self.source
        if source.auth_method != 'token':
            if not self.client.token or self.expired():
                self.login()
        else:
            token = source.configured_token()
            if token != self.client.token:
                self.client.token = token
                self.checked = False
            if not self.client.token:
                from oslo_extras.config.sources.base import BackendUnavailable

                raise BackendUnavailable('no token configured')
            if not self.checked:
                data = source.call(
                    self.client.auth.token.lookup_self,
                    source.transient,
                    'token lookup',
                )['data']
                self.note(data.get('ttl'), data.get('renewable'))
        due = self.due_in()
        if due is not None and due <= 0:
            self.renew()

    def login(self) -> None:
        """Log in with the source's method (not ``token``)."""
        source = self.source
        method = source.auth_method
        mount = source.auth_mount_point
        auth = self.client.auth
        if method == 'approle':
            role_id, secret_id = source.approle_credentials()

            def call() -> Any:
                return auth.approle.login(
                    role_id=role_id, secret_id=secret_id, mount_point=mount
                )
        elif method == 'jwt':
            jwt = source.login_jwt()

            def call() -> Any:
                return auth.jwt.jwt_login(
                    role=source.role, jwt=jwt, path=mount
                )
        elif method == 'kubernetes':
            jwt = source.login_jwt()

            def call() -> Any:
                return auth.kubernetes.login(
                    role=source.role, jwt=jwt, mount_point=mount
                )
        elif method == 'cert':
            # The certificate goes with every request (the client's cert).

            def call() -> Any:
                return auth.cert.login(
                    name=source.role or '', mount_point=mount
                )
        else:
            raise ValueError(f'auth method {method!r} cannot log in')
        response = source.call(call, source.transient, f'{method} login')
        auth = response['auth']
        self.client.token = source.remember_secret(auth.get('client_token'))
        self.note(auth.get('lease_duration'), auth.get('renewable'))

    def renew(self) -> None:
        """Renew the token; for AppRole, log in again when that fails or
        the renewed TTL is cut short by the token's max TTL."""
        source = self.source
        old_left = (self.expires or 0) - time.monotonic()
        if self.renewable:
            try:
                auth = source.call(
                    self.client.auth.token.renew_self,
                    source.transient,
                    'token renew',
                )['auth']
            except Exception as exc:
                if source.auth_method == 'token' and (
                    self.expired() or _refused(exc)
                ):
                    # Expired or revoked: no renewal can help, and nothing
                    # else can log in. Say so once and stop trying; a new
                    # token (token_file) is picked up by the next fetch.
                    LOG.error(
                        'config source [%s] (vault): the token expired or '
                        'was revoked (%s); replace it (token_file) and '
                        'refresh',
                        source.name,
                        source.describe(exc),
                    )
                    self.expires = None
                    return
                if source.auth_method == 'token' and _at_max_ttl(exc):
                    # Valid until its max TTL, and no renewal can push
                    # that out: say so once, then leave it alone.
                    LOG.warning(
                        'config source [%s] (vault): the token reached its '
                        'max TTL and expires in %.0fs; replace it '
                        '(token_file) before then',
                        source.name,
                        max(old_left, 0),
                    )
                    self.expires = None
                    return
                LOG.warning(
                    'config source [%s] (vault): token renewal failed: %s',
                    source.name,
                    source.describe(exc),
                )
            else:
                self.note(auth.get('lease_duration'), auth.get('renewable'))
                if self.ttl > max(old_left, 0) or (
                    source.auth_method == 'token'
                ):
                    LOG.debug(
                        'config source [%s] (vault): token renewed for %.0fs',
                        source.name,
                        self.ttl,
                    )
                    return
        if source.auth_method != 'token':
            LOG.debug(
                'config source [%s] (vault): logging in again before the '
                'token expires',
                source.name,
            )
            self.login()
        elif not self.renewable:
            LOG.warning(
                'config source [%s] (vault): the token is not renewable and '
                'expires in %.0fs; replace it (token_file) before then',
                source.name,
                max(old_left, 0),
            )
            # Do not warn again on every wake-up.
            self.expires = None


def _at_max_ttl(exc: BaseException) -> bool:
    """Whether Vault refused a renewal because the token is at its max TTL
    (OpenBao and Vault answer 500 "past the max TTL, cannot renew")."""
    return 'past the max TTL' in str(exc)


def _refused(exc: BaseException) -> bool:
    """Whether Vault refused the token itself (expired or revoked)."""
    import hvac.exceptions

    return isinstance(exc, hvac.exceptions.Forbidden)


class RenewalThread:
    """Renews a source's token at the right time, refresh or not.

    A daemon thread holding only a weak reference to the source: it ends
    when the source is garbage-collected or :meth:`stop` is called.

    :param source: the :class:`~oslo_extras.config.sources.vault.VaultSource`
    :param max_wait: longest sleep between checks, in seconds
    """

    def __init__(self, source: Any, max_wait: float = 300.0) -> None:
        self._source_ref: Callable[[], Any] = weakref.ref(source)
        self._stop = threading.Event()
        self.max_wait = max_wait
        self._thread = threading.Thread(
            target=self._run,
            name=f'vault-token-renewal[{source.name}]',
            daemon=True,
        )

    def start(self) -> RenewalThread:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _wait_time(self) -> float | None:
        source = self._source_ref()
        if source is None:
            return None
        dues = [
            due
            for due in (source.token.due_in(), source.dynamic.due_in())
            if due is not None
        ]
        return min([self.max_wait, *dues])

    def _run(self) -> None:
        wait = self._wait_time()
        while wait is not None and not self._stop.wait(wait):
            source = self._source_ref()
            if source is None:
                return
            try:
                source.keep_token_alive()
            except Exception as exc:
                # A short-lived token cannot wait long for the next try.
                wait = min(RETRY_AFTER, max(0.2, source.token.ttl / 4))
                LOG.warning(
                    'config source [%s] (vault): could not keep the token '
                    'alive, trying again in %.1fs: %s',
                    source.name,
                    wait,
                    source.describe(exc),
                )
                del source
                continue
            del source
            wait = self._wait_time()
            if wait is not None and wait <= 0:
                # Still due right after a try: renewal failed quietly.
                source = self._source_ref()
                ttl = source.token.ttl if source is not None else 0.0
                wait = min(RETRY_AFTER, max(0.2, ttl / 4))
                del source
