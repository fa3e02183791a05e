"""The ``vault`` driver's reading: KV v1 or v2 secrets into a fetch result.

:class:`KVReader` is a mixin of :class:`.vault.VaultSource`: it lists the
groups under ``path_prefix`` (or takes ``groups``), reads each secret by
convention and each explicit mapping, once per path, and fills the options
of dynamic secrets (:mod:`._vault_dynamic`). A missing secret, field or a
JSON null is an error for its option, never a silent default.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oslo_extras.config.sources import _mapping
from oslo_extras.config.sources import base
from oslo_extras.config.sources._vault_errors import describe as _describe
from oslo_extras.config.sources._vault_errors import hvac_exceptions as _exc
from oslo_extras.config.sources._vault_errors import transient as _transient


def _group_name(name: str) -> str:
    """oslo.config lower-cases group names, except ``DEFAULT``."""
    return 'DEFAULT' if name.upper() == 'DEFAULT' else name.lower()


class KVReader:
    """Reading of a vault source's KV secrets.

    The source provides ``client``, ``kv_version``, ``mount_point``,
    ``path_prefix``, ``groups``, ``mapping``, ``token``, ``dynamic`` and
    ``call()``.
    """

    client: Any
    kv_version: int
    mount_point: str
    path_prefix: str
    groups: list[str] | None
    mapping: dict[base.Key, str]
    token: Any
    dynamic: Any
    call: Callable[..., Any]

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
