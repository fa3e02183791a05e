"""A persistent cache of catalogs built from ``oslo.config.opts`` namespaces.

Loading namespaces imports the service's code, which is nearly all the
cost of a check (about 2.6 s for nova's). The catalog those imports produce
is stored as JSON (never pickle: reading it runs no code) and reused while
nothing it came from has changed.

The key covers the namespaces, the name, version and entry-point
definitions of every installed distribution that provides one of them
(``oslo.config.opts``, ``.defaults`` and per-driver groups) or a dynamic
group plugin (whose captured data the catalog keeps), the name and
version of every other installed distribution (a dependency's options are
often listed through the service's namespace), the Python version and the
schema of this file. Installing, upgrading or removing any distribution
therefore rebuilds it.

A cache file is two JSON lines: a header (schema, key, SHA-256 of the
body) and the body, :func:`~.opt_data.catalog_to_data` output. A file that
does not parse, has another schema or key, or whose body does not match its
checksum is ignored and rewritten; it is never trusted. Files are written
to a temporary file and renamed over the old one, so a concurrent run reads
either the old file or the new one, whole.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import sys
from collections.abc import Iterable

from oslo_extras._fileutils import atomic_write
from oslo_extras.config import dynamic_groups
from oslo_extras.config.catalog import loaders
from oslo_extras.config.catalog.model import CatalogError
from oslo_extras.config.catalog.model import OptionCatalog
from oslo_extras.config.catalog.opt_data import catalog_to_data

#: Bump when the stored data changes meaning.
SCHEMA = 1

#: Entry-point groups whose definitions make a namespace's options.
_OPTS_GROUP = 'oslo.config.opts'
#: The dynamic group plugins, whose captured data the catalog keeps.
_PLUGINS_GROUP = dynamic_groups.NAMESPACE


def default_directory() -> str:
    """Return ``$XDG_CACHE_HOME/oslo_extras`` (``~/.cache/oslo_extras``)."""
    base = os.environ.get('XDG_CACHE_HOME') or os.path.join(
        os.path.expanduser('~'), '.cache'
    )
    return os.path.join(base, 'oslo_extras')


def cache_key(namespaces: Iterable[str]) -> str:
    """Return the key of the catalog ``namespaces`` build here and now.

    Reads distribution metadata only: no entry point is loaded.
    """
    wanted = set(namespaces)
    providers: list[list[str]] = []
    installed: list[str] = []
    for dist in importlib.metadata.distributions():
        name, version = _name_and_version(dist)
        installed.append(f'{name}=={version}')
        # Parse entry points only where a relevant group is declared.
        text = dist.read_text('entry_points.txt') or ''
        if _OPTS_GROUP not in text and _PLUGINS_GROUP not in text:
            continue
        for ep in dist.entry_points:
            if ep.group == _PLUGINS_GROUP or (
                ep.name in wanted
                and (
                    ep.group == _OPTS_GROUP
                    or ep.group.startswith(_OPTS_GROUP + '.')
                )
            ):
                providers.append([name, version, ep.group, ep.name, ep.value])
    material = {
        'schema': SCHEMA,
        'python': list(sys.version_info[:2]),
        'namespaces': sorted(wanted),
        'providers': sorted(providers),
        'installed': sorted(installed),
    }
    return _digest(json.dumps(material, sort_keys=True).encode())


def _name_and_version(
    dist: importlib.metadata.Distribution,
) -> tuple[str, str]:
    """Read ``Name`` and ``Version`` from the metadata's header lines.

    ``dist.metadata`` parses the whole file as an e-mail message (long
    descriptions included): over a few hundred distributions that is most
    of a warm run's time.
    """
    text = dist.read_text('METADATA') or dist.read_text('PKG-INFO') or ''
    found = {'Name': '', 'Version': ''}
    for line in text.split('\n\n', 1)[0].splitlines():
        field, sep, value = line.partition(':')
        if sep and field in found and not found[field]:
            found[field] = value.strip()
    return found['Name'], found['Version']


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class CatalogCache:
    """Catalogs of namespace sets, stored as JSON files in one directory.

    :param directory: where the files live (created when first written);
        default :func:`default_directory`
    """

    def __init__(self, directory: str | None = None) -> None:
        self.directory = directory or default_directory()

    def path_for(self, namespaces: Iterable[str]) -> str:
        """Return the file of a namespace set in this environment.

        One file per namespace set and Python environment: a newer key
        overwrites it instead of piling up files.
        """
        name = json.dumps([sorted(set(namespaces)), sys.prefix])
        return os.path.join(
            self.directory, f'catalog-{_digest(name.encode())[:24]}.json'
        )

    def load(
        self, namespaces: Iterable[str], key: str
    ) -> OptionCatalog | None:
        """Return the stored catalog for ``key``, or ``None``.

        ``None`` for a missing, unreadable, corrupt or stale file.
        """
        try:
            with open(self.path_for(namespaces), 'rb') as stream:
                header_line = stream.readline()
                body = stream.read()
            header = json.loads(header_line)
            if not (
                isinstance(header, dict)
                and header.get('schema') == SCHEMA
                and header.get('key') == key
                and header.get('sha256') == _digest(body)
            ):
                return None
            return loaders.load_data(
                OptionCatalog(), json.loads(body), 'catalog cache'
            )
        except (OSError, ValueError, CatalogError, TypeError, KeyError):
            return None

    def store(
        self, namespaces: Iterable[str], key: str, catalog: OptionCatalog
    ) -> None:
        """Write ``catalog`` for ``key``, atomically; errors are ignored.

        A cache that cannot be written only costs the next run its speed.
        """
        namespaces = list(namespaces)
        body = json.dumps(
            catalog_to_data(catalog), separators=(',', ':'), default=str
        ).encode()
        header = json.dumps(
            {
                'schema': SCHEMA,
                'key': key,
                'sha256': _digest(body),
                'namespaces': sorted(set(namespaces)),
            }
        ).encode()
        try:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            atomic_write(self.path_for(namespaces), header + b'\n' + body)
        except OSError:
            pass


def load_namespaces(
    namespaces: Iterable[str], cache: CatalogCache | None
) -> OptionCatalog:
    """Return the catalog of ``namespaces``, from ``cache`` when it is fresh.

    Without a cache (``--no-cache``) this is
    :meth:`OptionCatalog.from_namespaces`. Otherwise a fresh cached catalog
    is returned without importing any namespace's code; a missing or stale
    one is built and stored.

    :raises CatalogError: when a namespace is not installed or fails
    """
    namespaces = list(namespaces)
    if cache is None or not namespaces:
        return OptionCatalog.from_namespaces(namespaces)
    key = cache_key(namespaces)
    catalog = cache.load(namespaces, key)
    if catalog is None:
        catalog = OptionCatalog.from_namespaces(namespaces)
        cache.store(namespaces, key, catalog)
    return catalog
