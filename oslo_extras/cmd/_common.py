"""What every oslo_extras command line shares.

Exit codes (0 ok, 1 findings, 2 bad usage or unreadable input), one-line
errors instead of argparse's usage dump or a traceback, and the flags that
say where a config's options come from (``--namespace``, ``--opt-data``,
``--group-pattern``) and which files to read, in command-line order.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from importlib import metadata
from typing import IO
from typing import TypeVar

from oslo_extras.config.catalog import CatalogError
from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.catalog import cache as catalog_cache
from oslo_extras.config.configset import DIR
from oslo_extras.config.configset import FILE

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

_T = TypeVar('_T')


class UsageError(Exception):
    """Bad arguments or unreadable input: exit 2 with one line."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (a UsageError)."""

    def error(self, message: str):
        raise UsageError(message)


class _OrderedPaths(argparse.Action):
    # --config-file and --config-dir share one list so the order in which
    # oslo.config would read them survives.
    def __call__(self, parser, namespace, values, option_string=None):
        ordered = list(getattr(namespace, 'ordered', None) or [])
        kind = DIR if option_string == '--config-dir' else FILE
        ordered.append((kind, values))
        namespace.ordered = ordered


def package_version() -> str:
    """The installed oslo_extras version (``unknown`` when not installed)."""
    try:
        return metadata.version('oslo_extras')
    except metadata.PackageNotFoundError:
        return 'unknown'


def add_version_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--version``: prints ``PROG VERSION`` and exits 0."""
    parser.add_argument(
        '--version',
        action='version',
        version=f'%(prog)s {package_version()}',
    )


class Progress:
    """One progress line on stderr, rewritten in place; only on a terminal.

    Long runs (many files, many hosts, a big catalog) say how far they are
    when a person watches; logs and pipes get nothing, so the output of a
    CI job stays exactly what the command reports.

    :param label: what is being done (``checking``, ``migrating``...)
    :param total: how many steps, if known
    :param stream: where to write (default: ``sys.stderr``)
    :param interval: seconds between two repaints
    """

    def __init__(
        self,
        label: str,
        total: int | None = None,
        stream: IO[str] | None = None,
        interval: float = 0.1,
    ) -> None:
        self.label = label
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        isatty = getattr(self.stream, 'isatty', None)
        self.enabled = bool(isatty and isatty())
        self._last = 0.0
        self._width = 0

    def update(self, done: int, item: str = '') -> None:
        """Show that ``done`` steps are finished (``item`` is the latest)."""
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < self.interval and done != self.total:
            return
        self._last = now
        count = f'{done}/{self.total}' if self.total is not None else str(done)
        line = f'{self.label} {count} {item}'.rstrip()[:160]
        pad = ' ' * max(0, self._width - len(line))
        self.stream.write('\r' + line + pad)
        self.stream.flush()
        self._width = len(line)

    def close(self) -> None:
        """Erase the line, so what follows starts on a clean line."""
        if self.enabled and self._width:
            self.stream.write('\r' + ' ' * self._width + '\r')
            self.stream.flush()
            self._width = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def with_progress(
    items: Iterable[_T],
    label: str,
    stream: IO[str] | None = None,
    describe: Callable[[_T], str] = str,
) -> Iterator[_T]:
    """Yield ``items``, showing ``label N/TOTAL item`` on a terminal."""
    items = list(items)
    if not items:
        return
    with Progress(label, len(items), stream) as progress:
        for done, item in enumerate(items):
            progress.update(done, describe(item))
            yield item
        progress.update(len(items))


def add_catalog_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--namespace``, ``--opt-data``, the cache flags and
    ``--group-pattern``."""
    group = parser.add_argument_group('where the options come from')
    group.add_argument(
        '--namespace',
        action='append',
        default=[],
        metavar='NS',
        help='an oslo.config.opts namespace, as for oslo-config-generator '
        '(repeatable)',
    )
    group.add_argument(
        '--opt-data',
        action='append',
        default=[],
        metavar='FILE',
        help='oslo-config-generator --format yaml|json output (repeatable)',
    )
    group.add_argument(
        '--catalog-cache',
        metavar='DIR',
        help='where catalogs built from --namespace are cached '
        '(default: $XDG_CACHE_HOME/oslo_extras, ~/.cache/oslo_extras); a '
        'cached catalog is reused until a providing distribution changes',
    )
    group.add_argument(
        '--no-cache',
        action='store_true',
        help='build the catalog from --namespace, neither reading nor '
        'writing the cache',
    )
    group.add_argument(
        '--group-pattern',
        action='append',
        default=[],
        metavar='PATTERN=GROUP',
        help="sections matching PATTERN take GROUP's options, for dynamic "
        "sections (e.g. 'backend_*=backend_defaults')",
    )


def add_config_path_arguments(
    group: argparse._ArgumentGroup, aliases: Sequence[str] = ()
) -> None:
    """Add ``--config-file`` (and ``aliases``) and ``--config-dir``.

    The paths land in ``args.ordered`` as ``(FILE|DIR, path)`` pairs.
    """
    for flag, helptext in (
        ('--config-file', 'a config file (repeatable; later wins)'),
        *((alias, 'same as --config-file') for alias in aliases),
        (
            '--config-dir',
            'a config dir: the .conf files in it, sorted by name',
        ),
    ):
        group.add_argument(
            flag,
            action=_OrderedPaths,
            dest='ordered',
            metavar='PATH',
            help=helptext,
        )


def config_paths(args: argparse.Namespace) -> list[tuple[str, str]]:
    """Return ``args.ordered``; UsageError when no file or dir was given."""
    ordered = getattr(args, 'ordered', None)
    if not ordered:
        raise UsageError('give at least one --config-file or --config-dir')
    return ordered


def load_catalog(args: argparse.Namespace) -> OptionCatalog:
    """Build the catalog the catalog arguments name; UsageError if not."""
    if not args.namespace and not args.opt_data:
        raise UsageError('give at least one --namespace or --opt-data')
    try:
        with warnings.catch_warnings():
            # Libraries warn on import (eventlet...); not the user's concern.
            warnings.simplefilter('ignore')
            cache = (
                None
                if getattr(args, 'no_cache', True)
                else catalog_cache.CatalogCache(args.catalog_cache)
            )
            with Progress('loading options from') as progress:
                # Importing many namespaces takes seconds; say so.
                progress.update(len(args.namespace), 'namespace(s)')
                catalog = catalog_cache.load_namespaces(args.namespace, cache)
            for path in with_progress(args.opt_data, 'loading --opt-data'):
                catalog.merge(OptionCatalog.from_opt_data(path))
    except CatalogError as exc:
        raise UsageError(str(exc))
    for spec in args.group_pattern:
        pattern, sep, template = spec.partition('=')
        if not sep or not pattern or not template:
            raise UsageError(f'--group-pattern wants PATTERN=GROUP: {spec!r}')
        if template not in catalog:
            raise UsageError(f'--group-pattern: unknown group {template!r}')
        try:
            catalog.add_group_pattern(pattern, template)
        except CatalogError as exc:
            raise UsageError(f'--group-pattern: {exc}') from None
    return catalog


def run_main(
    prog: str,
    parser: argparse.ArgumentParser,
    run: Callable[[argparse.Namespace], int],
    argv: Sequence[str] | None,
) -> int:
    """Parse ``argv`` and run; a UsageError becomes one line and exit 2."""
    try:
        return run(parser.parse_args(argv))
    except UsageError as exc:
        print(f'{prog}: error: {exc}', file=sys.stderr)
        return EXIT_USAGE
