"""``key_manager``: secrets from any castellan backend (Barbican, Vault).

The same setup as castellan's own ``castellan`` driver, without its gaps::

    [DEFAULT]
    config_source = secrets

    [secrets]
    driver = key_manager
    config_file = /etc/nova/castellan.conf   # [key_manager], [barbican]...
    mapping_file = /etc/nova/secrets.conf    # [database] password = <id>

Every mapped secret is read once when the source opens, in parallel
(``max_workers``), and cached; the same id mapped to several options is
read once. With Keystone credentials one token serves the whole batch
(castellan would authenticate again for every secret). A failed read stops
the service instead of letting the option fall back to its default.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
from typing import Any

from castellan import key_manager as castellan_km
from castellan.common import exception as km_exc
from castellan.common import utils as km_utils
from castellan.common.credentials import keystone_password
from castellan.common.credentials import keystone_token
from keystoneauth1 import identity
from oslo_config import cfg
from oslo_context import context as oslo_context

from oslo_extras.config.sources import base

LOG = logging.getLogger(__name__)


class _SharedAuthContext(oslo_context.RequestContext):
    """A context whose keystoneauth plugin (and token) is reused.

    castellan's Barbican backend builds a new session per call from
    ``get_auth_plugin()``; handing it the same plugin keeps the token it
    fetched the first time.
    """

    def __init__(self, plugin: Any) -> None:
        super().__init__()
        self._plugin = plugin

    def get_auth_plugin(self) -> Any:
        return self._plugin


def shared_context(credential: Any) -> Any:
    """Turn a castellan Keystone credential into a token-reusing context."""
    common = {
        'auth_url': getattr(credential, 'auth_url', None),
        'trust_id': getattr(credential, 'trust_id', None),
    }
    if isinstance(credential, keystone_password.KeystonePassword):
        plugin = identity.Password(
            username=credential.username,
            password=credential.password,
            user_id=credential.user_id,
            user_domain_id=credential.user_domain_id,
            user_domain_name=credential.user_domain_name,
            domain_id=credential.domain_id,
            domain_name=credential.domain_name,
            project_id=credential.project_id,
            project_name=credential.project_name,
            project_domain_id=credential.project_domain_id,
            project_domain_name=credential.project_domain_name,
            reauthenticate=credential.reauthenticate,
            **common,
        )
    elif isinstance(credential, keystone_token.KeystoneToken):
        plugin = identity.Token(
            token=credential.token,
            domain_id=credential.domain_id,
            domain_name=credential.domain_name,
            project_id=credential.project_id,
            project_name=credential.project_name,
            project_domain_id=credential.project_domain_id,
            project_domain_name=credential.project_domain_name,
            reauthenticate=credential.reauthenticate,
            **common,
        )
    else:
        return credential
    return _SharedAuthContext(plugin)


class _HideResponseBodies(logging.Filter):
    """Drop keystoneauth's ``RESP BODY`` debug records during our reads.

    keystoneauth logs every text response body at DEBUG, and a Barbican
    payload is a text body: with debug logging on, castellan would write
    the secrets to the log.
    """

    def __init__(self) -> None:
        super().__init__()
        self._active = 0
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        with self._lock:
            self._active += 1

    def __exit__(self, *exc: Any) -> None:
        with self._lock:
            self._active -= 1

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._active:
            return True
        return not str(record.msg).startswith('RESP BODY')


_HIDE_BODIES = _HideResponseBodies()
logging.getLogger('keystoneauth.session').addFilter(_HIDE_BODIES)


def _transient(exc: BaseException) -> bool:
    # castellan wraps connection errors and 5xx in KeyManagerError; a
    # missing object or a refusal will not get better by retrying.
    return isinstance(exc, km_exc.KeyManagerError)


class KeyManagerSource(base.RefreshableSource):
    """Mapped secrets read through a castellan key manager.

    :param manager: a castellan ``KeyManager``
    :param context: the credential or context to call it with
    :param backend: the backend name, for locations
    :param max_workers: secrets read in parallel
    """

    def __init__(
        self,
        manager: Any,
        context: Any,
        backend: str = 'barbican',
        max_workers: int = 8,
        **common: Any,
    ) -> None:
        common.setdefault('driver', 'key_manager')
        super().__init__(**common)
        self.manager = manager
        self.context = context
        self.backend = backend
        self.max_workers = max_workers

    def _get(self, secret_id: str) -> str:
        obj = self.call(
            lambda: self.manager.get(self.context, secret_id),
            _transient,
            f'get {secret_id}',
        )
        encoded = obj.get_encoded()
        if isinstance(encoded, bytes):
            return encoded.decode('utf-8')
        return str(encoded)

    def fetch(self) -> base.FetchResult:
        by_id: dict[str, list[base.Key]] = {}
        for key, secret_id in self.mapping.items():
            by_id.setdefault(secret_id, []).append(key)
        result = base.FetchResult()
        if not by_id:
            return result
        workers = max(1, min(self.max_workers, len(by_id)))
        with (
            _HIDE_BODIES,
            concurrent.futures.ThreadPoolExecutor(workers) as pool,
        ):
            futures = {pool.submit(self._get, sid): sid for sid in by_id}
            outcomes = {
                futures[f]: f.exception() or f.result()
                for f in concurrent.futures.as_completed(futures)
            }
        for secret_id, outcome in outcomes.items():
            for key in by_id[secret_id]:
                result.locations[key] = f'{self.backend}/{secret_id}'
                if isinstance(outcome, km_exc.ManagedObjectNotFoundError):
                    result.errors[key] = f'secret {secret_id} not found'
                elif isinstance(outcome, UnicodeDecodeError):
                    result.errors[key] = f'secret {secret_id} is not UTF-8'
                elif isinstance(outcome, BaseException):
                    raise base.BackendUnavailable(
                        f'{self.backend}: reading {secret_id} failed: '
                        f'{_describe(outcome)}'
                    )
                else:
                    result.values[key] = outcome
        return result


def _describe(exc: BaseException) -> str:
    if isinstance(exc, km_exc.Forbidden):
        return 'forbidden'
    if isinstance(exc, km_exc.CastellanException):
        return f'{type(exc).__name__}: {exc}'
    return type(exc).__name__


class KeyManagerDriver(base.SourceDriver):
    """Secrets of any castellan backend (Barbican, Vault), mapped by id,
    read once in parallel and cached."""

    name = 'key_manager'

    def driver_opts(self) -> list[cfg.Opt]:
        return [
            cfg.StrOpt(
                'config_file',
                required=True,
                sample_default='/etc/myservice/castellan.conf',
                help='castellan configuration file ([key_manager], '
                '[barbican] or [vault]).',
            ),
            cfg.IntOpt(
                'max_workers',
                default=8,
                min=1,
                help='Secrets read in parallel.',
            ),
        ]

    def list_options_for_discovery(self) -> list[cfg.Opt]:
        opts = super().list_options_for_discovery()
        for opt in opts:
            if opt.dest == 'mapping_file':
                opt.help = (
                    'INI file with ``[group]`` sections and '
                    '``option = <castellan secret id>`` lines.'
                )
        return opts

    def make_source(self, group: Any, **common: Any) -> KeyManagerSource:
        km_conf = cfg.ConfigOpts()
        km_conf(args=[], default_config_files=[group.config_file])
        manager = castellan_km.API(km_conf)
        try:
            credential = km_utils.credential_factory(km_conf)
        except km_exc.AuthTypeInvalidError:
            raise ValueError(
                f'{group.config_file}: [key_manager] auth_type must be one '
                'of token, password, keystone_token, keystone_password'
            ) from None
        common['sensitive'] = [
            getattr(credential, name, None) or ''
            for name in ('password', 'token')
        ]
        return KeyManagerSource(
            manager=manager,
            context=shared_context(credential),
            backend=km_conf.key_manager.backend,
            max_workers=group.max_workers,
            **common,
        )
