"""An immutable view of every option's value at one config generation.

``reloader.snapshot()`` returns the view installed by the last reload with
one reference read, so a reader that takes a snapshot and reads several
options from it never mixes two generations, without any lock::

    snap = reloader.snapshot()
    if snap.DEFAULT.debug:
        ...
    url = snap['database'].connection
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any

from oslo_extras.config import masking
from oslo_extras.config.masking import MASK
from oslo_extras.config.reload.report import scrubbed


class ConfigSnapshot:
    """Typed option values of one generation.

    :param generation: 0 before the first reload, then +1 per applied one
    :param values: ``{(group, dest): value}``
    :param secrets: the ``(group, dest)`` keys of secret options
    """

    __slots__ = ('generation', '_values', '_secrets', '_groups')

    def __init__(
        self,
        generation: int,
        values: Mapping[tuple[str, str], Any],
        secrets: frozenset[tuple[str, str]] = frozenset(),
    ) -> None:
        self.generation = generation
        self._values = types.MappingProxyType(dict(values))
        self._secrets = secrets
        groups: dict[str, dict[str, Any]] = {}
        for (group, dest), value in self._values.items():
            groups.setdefault(group, {})[dest] = value
        self._groups = {
            name: _GroupView(name, opts) for name, opts in groups.items()
        }

    def get(self, group: str, option: str) -> Any:
        """Return the value of ``[group] option``.

        :raises KeyError: the option was not registered at that generation
        """
        return self._values[(group, option)]

    def __getitem__(self, group: str) -> _GroupView:
        return self._groups[group]

    def __getattr__(self, group: str) -> _GroupView:
        try:
            return self._groups[group]
        except KeyError:
            raise AttributeError(group) from None

    def __contains__(self, key: tuple[str, str]) -> bool:
        return key in self._values

    def items(self):
        return self._values.items()

    def values(self) -> Mapping[tuple[str, str], Any]:
        """Return the read-only ``{(group, dest): value}`` mapping."""
        return self._values

    def secret_strings(self) -> list[str]:
        """Return the secret values, and passwords inside secret URLs, to
        scrub from texts this generation's values may reach."""
        return list(
            masking.secret_fragments(
                v
                for k, v in self._values.items()
                if k in self._secrets and isinstance(v, str)
            )
        )

    def __repr__(self) -> str:
        # A plain option may hold a secret through ``$password``.
        fragments = self.secret_strings()
        shown = {
            f'{g}.{o}': MASK
            if (g, o) in self._secrets
            else scrubbed(v, fragments)
            for (g, o), v in self._values.items()
        }
        return f'<ConfigSnapshot generation={self.generation} {shown!r}>'


class _GroupView:
    __slots__ = ('_name', '_opts')

    def __init__(self, name: str, opts: dict[str, Any]) -> None:
        self._name = name
        self._opts = opts

    def __getattr__(self, option: str) -> Any:
        try:
            return self._opts[option]
        except KeyError:
            raise AttributeError(f'[{self._name}] {option}') from None

    def __getitem__(self, option: str) -> Any:
        return self._opts[option]

    def __repr__(self) -> str:
        return f'<group {self._name}: {len(self._opts)} options>'
