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

from oslo_config import cfg

from oslo_extras.config.sources import base

LOG = logging.getLogger(__name__)


def _km_exc() -> Any:
    """``castellan.common.exception``, imported on first use.

    oslo.config imports every ``oslo.config.driver`` plugin as soon as one
    source is configured; castellan (and keystoneauth) are imported only
    when a key_manager source is actually used.
    """
    from castellan.common import exception

    return exception


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
    return isinstance(exc, _km_exc().KeyManagerError)


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
        # castellan's Barbican backend has no timeout of its own: bound the
        # whole batch (every call may use all its retries) and stop waiting
        # for a hung call rather than hang the service's startup.
        rounds = -(-len(by_id) // workers)
        deadline = rounds * (self.retry.retries + 1) * self.retry.timeout
        pool = concurrent.futures.ThreadPoolExecutor(workers)
        try:
            with _HIDE_BODIES:
                futures = {pool.submit(self._get, sid): sid for sid in by_id}
                outcomes = {
                    futures[f]: f.exception() or f.result()
                    for f in concurrent.futures.as_completed(
                        futures, timeout=deadline
                    )
                }
        except concurrent.futures.TimeoutError:
            raise base.BackendUnavailable(
                f'{self.backend}: timed out after {deadline:.0f}s'
            ) from None
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        for secret_id, outcome in outcomes.items():
            for key in by_id[secret_id]:
                result.locations[key] = f'{self.backend}/{secret_id}'
                if isinstance(outcome, _km_exc().ManagedObjectNotFoundError):
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
    if isinstance(exc, _km_exc().Forbidden):
        return 'forbidden'
    if isinstance(exc, _km_exc().CastellanException):
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
        from castellan import key_manager as castellan_km
        from castellan.common import utils as km_utils

        from oslo_extras.config.sources._castellan_auth import shared_context

        km_conf = cfg.ConfigOpts()
        km_conf(args=[], default_config_files=[group.config_file])
        manager = castellan_km.API(km_conf)
        try:
            credential = km_utils.credential_factory(km_conf)
        except _km_exc().AuthTypeInvalidError:
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
