"""What past releases renamed and removed: the release catalog.

The installed libraries only declare the old names they still accept. An
operator upgrading an old cloud has ``[DEFAULT] sql_connection``,
``[database] idle_timeout`` or nova's ``vncserver_listen``, which today's
code no longer knows at all. ``data/release_catalog.json`` records, per
package and OpenStack series, every old name that was declared as an alias
of another option and every option that disappeared from one release to the
next (with the deprecation reason of its last release as a hint). It is
built by ``tools/build_release_catalog.py`` from the releases on PyPI.

:class:`ReleaseCatalog` answers two questions for a name the installed code
does not read: which current option did it become (following renames
across releases), and if none, in which release was it removed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any

from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.catalog import OptionInfo
from oslo_extras.config.catalog import normalize_group

DATA = os.path.join(os.path.dirname(__file__), 'data', 'release_catalog.json')


class ReleaseCatalog:
    """Renames and removals across releases, optionally narrowed.

    :param data: the parsed ``release_catalog.json``
    :param from_release: only changes made after this series count
    :param to_release: only changes made up to this series count
    :param namespaces: only the packages behind these ``oslo.config.opts``
        namespaces count (``nova.conf`` is nova, ``oslo.messaging`` is
        oslo.messaging): a nova file is not told what cinder removed
    :raises ValueError: for a series the catalog does not know
    """

    def __init__(
        self,
        data: dict[str, Any],
        from_release: str | None = None,
        to_release: str | None = None,
        namespaces: Iterable[str] | None = None,
    ):
        self.series: list[str] = list(data.get('series', ()))
        self.packages = data.get('packages', {})
        low = self._index(from_release) if from_release else -1
        high = self._index(to_release) if to_release else len(self.series)

        wanted = None
        if namespaces is not None:
            wanted = {
                package
                for package in self.packages
                for namespace in namespaces
                if namespace == package or namespace.startswith(package + '.')
            }

        def within(entry: dict) -> bool:
            if wanted is not None and entry['package'] not in wanted:
                return False
            index = self._position(entry['release'])
            return low < index <= high

        self._renames: dict[tuple[str, str], dict] = {}
        for entry in data.get('renames', ()):
            key = (normalize_group(entry['old_group']), entry['old_name'])
            if within(entry):
                self._renames.setdefault(key, entry)
        self._removals: dict[tuple[str, str], dict] = {}
        for entry in data.get('removals', ()):
            key = (normalize_group(entry['group']), entry['name'])
            if within(entry):
                self._removals.setdefault(key, entry)

    @classmethod
    def load(
        cls,
        path: str | None = None,
        from_release: str | None = None,
        to_release: str | None = None,
        namespaces: Iterable[str] | None = None,
    ) -> ReleaseCatalog:
        """Load the shipped catalog (or ``path``)."""
        with open(path or DATA, encoding='utf-8') as stream:
            return cls(json.load(stream), from_release, to_release, namespaces)

    def _index(self, series: str) -> int:
        try:
            return self.series.index(series.lower())
        except ValueError:
            raise ValueError(
                f'unknown release {series!r}; known: ' + ', '.join(self.series)
            ) from None

    def _position(self, series: str) -> int:
        try:
            return self.series.index(series)
        except ValueError:
            return len(self.series)

    def successor(
        self, catalog: OptionCatalog, group: str, name: str
    ) -> tuple[OptionInfo, list[dict]] | None:
        """Return the option ``[group] name`` became, and the renames.

        Follows renames release after release until an option ``catalog``
        declares; ``None`` when the chain ends elsewhere.
        """
        key = (normalize_group(group), name)
        steps: list[dict] = []
        while key in self._renames and len(steps) < 10:
            entry = self._renames[key]
            steps.append(entry)
            key = (normalize_group(entry['new_group']), entry['new_name'])
            info = catalog.option(*key)
            if info is not None:
                return info, steps
        return None

    def removal(self, group: str, name: str) -> dict | None:
        """Return the removal record of ``[group] name``, if any.

        A name renamed to something later removed reports that removal.
        """
        key = (normalize_group(group), name)
        for _ in range(10):
            if key in self._removals:
                return self._removals[key]
            entry = self._renames.get(key)
            if entry is None:
                return None
            key = (normalize_group(entry['new_group']), entry['new_name'])
        return None
