"""Dynamic secrets (e.g. OpenBao's database engine) for the ``vault`` driver.

``dynamic_secrets = database.connection database/creds/nova
postgresql+psycopg2://{username}:{password}@db/nova`` fills ``[database]
connection`` from a fresh credential of ``database/creds/nova``:

* the credential's lease is renewed at half its duration (by the token
  renewal thread, refresh or not);
* once renewal can no longer push the lease's end out (its max TTL) and
  less than a third of the credential's first lease is left, the next
  ``refresh()`` reads a new credential: the value changes, the ``sources``
  reload trigger installs it, and ``refresh_due_in()`` includes that point
  so the trigger wakes for it. The old credential stays valid until its
  lease ends, so connections opened with it finish their work.

``{username}`` and ``{password}`` are percent-encoded (URL-safe);
``{raw_username}`` and ``{raw_password}`` are inserted as they are.
"""

from __future__ import annotations

import dataclasses
import logging
import string
import time
import urllib.parse
from typing import Any

LOG = logging.getLogger(__name__)

Key = tuple[str, str]

_FIELDS = {'username', 'password', 'raw_username', 'raw_password'}


@dataclasses.dataclass
class DynamicSpec:
    """One option filled from a dynamic secret path through a template."""

    key: Key
    path: str
    template: str


def parse_specs(lines: list[str], source: str) -> list[DynamicSpec]:
    """Parse ``group.option path template`` lines.

    :raises ValueError: one line naming the source group and the entry
    """
    specs = []
    for line in lines or ():
        parts = line.split(None, 2)
        group, dot, option = (
            parts[0].rpartition('.') if parts else ('', '', '')
        )
        if len(parts) != 3 or not dot or not group or not option:
            raise ValueError(
                f'[{source}] dynamic_secrets: {parts[0] if parts else line!r} '
                'must be "group.option path template"'
            )
        names = {
            name
            for _, name, _, _ in string.Formatter().parse(parts[2])
            if name is not None
        }
        if not names or names - _FIELDS:
            raise ValueError(
                f'[{source}] dynamic_secrets {parts[0]}: the template may '
                'use only ' + ', '.join(sorted(_FIELDS))
            )
        group = 'DEFAULT' if group.upper() == 'DEFAULT' else group.lower()
        specs.append(
            DynamicSpec((group, option), parts[1].strip('/'), parts[2])
        )
    return specs


@dataclasses.dataclass
class _Lease:
    # The lease id and the credential never show in a repr.
    lease_id: str = dataclasses.field(repr=False)
    value: str = dataclasses.field(repr=False)
    first_ttl: float
    duration: float
    renewable: bool
    renewed_at: float
    expires: float

    @property
    def rotate_at(self) -> float:
        return self.expires - max(self.first_ttl / 3, 1.0)

    @property
    def renew_at(self) -> float:
        return self.renewed_at + self.duration / 2


class DynamicLeases:
    """Credentials of a source's dynamic secrets and their leases.

    :param source: the :class:`~oslo_extras.config.sources.vault.VaultSource`
    :param specs: what to fill
    """

    def __init__(self, source: Any, specs: list[DynamicSpec]) -> None:
        self.source = source
        self.specs = specs
        self._leases: dict[Key, _Lease] = {}

    def values(self) -> dict[Key, str]:
        """The value of every spec, reading a new credential where there is
        none yet or where rotation is due.

        :raises: hvac errors of a read (the source reports them)
        """
        now = time.monotonic()
        found = {}
        for spec in self.specs:
            lease = self._leases.get(spec.key)
            if lease is None or now >= lease.rotate_at:
                lease = self._read(spec)
                self._leases[spec.key] = lease
            found[spec.key] = lease.value
        return found

    def due_in(self) -> float | None:
        """Seconds until a lease needs renewing or rotating, or None."""
        if not self._leases:
            return None
        now = time.monotonic()
        due = min(
            min(lease.renew_at, lease.rotate_at)
            for lease in self._leases.values()
        )
        return max(0.0, due - now)

    def rotation_due_in(self) -> float | None:
        """Seconds until a credential must be replaced (through refresh)."""
        if not self._leases:
            return None
        now = time.monotonic()
        due = min(lease.rotate_at for lease in self._leases.values())
        return max(0.0, due - now)

    def renew(self) -> None:
        """Renew every lease past half its duration (not the ones due for
        rotation: those are replaced by the next refresh)."""
        now = time.monotonic()
        for lease in self._leases.values():
            if not lease.renewable or now < lease.renew_at:
                continue
            if now >= lease.rotate_at:
                continue
            response = self.source.call(
                lambda lease=lease: self.source.client.sys.renew_lease(
                    lease_id=lease.lease_id, increment=int(lease.first_ttl)
                ),
                self.source.transient,
                'lease renew',
            )
            lease.duration = float(response.get('lease_duration') or 0)
            lease.renewable = bool(response.get('renewable'))
            lease.renewed_at = time.monotonic()
            lease.expires = lease.renewed_at + lease.duration
            LOG.debug(
                'config source [%s] (vault): lease renewed for %.0fs',
                self.source.name,
                lease.duration,
            )

    def _read(self, spec: DynamicSpec) -> _Lease:
        source = self.source
        response = source.call(
            lambda: source.client.read(spec.path),
            source.transient,
            f'read {spec.path}',
        )
        if not response or not response.get('data'):
            raise LookupError(f'{spec.path} returned no credential')
        data = response['data']
        username = source.remember_secret(str(data.get('username', '')))
        password = source.remember_secret(str(data.get('password', '')))
        value = spec.template.format(
            username=urllib.parse.quote(username or '', safe=''),
            password=urllib.parse.quote(password or '', safe=''),
            raw_username=username,
            raw_password=password,
        )
        source.remember_secret(value)
        ttl = float(response.get('lease_duration') or 0)
        now = time.monotonic()
        LOG.info(
            'config source [%s] (vault): new credential from %s for [%s] %s '
            '(lease %.0fs)',
            source.name,
            spec.path,
            spec.key[0],
            spec.key[1],
            ttl,
        )
        return _Lease(
            lease_id=str(response.get('lease_id') or ''),
            value=value,
            first_ttl=ttl,
            duration=ttl,
            renewable=bool(response.get('renewable')),
            renewed_at=now,
            expires=now + ttl if ttl else float('inf'),
        )
