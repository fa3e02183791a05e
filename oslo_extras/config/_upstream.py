"""The only place oslo_extras.config touches oslo.config private internals.

oslo.config has no public API to list what a ``ConfigOpts`` has registered or
to name the "no value" sentinel of a configuration source. Keeping both here
means an upstream change breaks one small module, and
``tests/unit/config/test_upstream.py`` fails loudly when it does.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from oslo_config import cfg
from oslo_config import sources

#: What ``ConfigurationSource.get()`` returns when it has no value.
NO_VALUE = sources._NoValue


def registered_groups(conf: cfg.ConfigOpts) -> dict[str, cfg.OptGroup]:
    """Return the option groups registered on ``conf`` keyed by name."""
    return dict(conf._groups)


def registered_opts(conf: cfg.ConfigOpts) -> Iterator[tuple[str, cfg.Opt]]:
    """Yield ``(group_name, opt)`` for every option registered on ``conf``.

    Options of the default group are yielded with ``'DEFAULT'``.
    """
    for info in conf._opts.values():
        yield 'DEFAULT', info['opt']
    for name, group in conf._groups.items():
        for info in group._opts.values():
            yield name, info['opt']


def group_driver_opts(group: cfg.OptGroup) -> dict[str, list[cfg.Opt]]:
    """Return the per-driver options the generator saved on ``group``."""
    return dict(group._driver_opts)


def loaded_sources(conf: cfg.ConfigOpts) -> list[sources.ConfigurationSource]:
    """Return the configuration sources ``conf`` loaded, in lookup order."""
    return list(getattr(conf, '_sources', ()))


def clear_value_caches(conf: cfg.ConfigOpts) -> None:
    """Forget every option value ``conf`` has cached, source values too.

    oslo.config keeps converted values in ``__cache`` and source answers in
    ``__drivers_cache``; it has no public way to clear either, so after a
    source's values change both must go.
    """
    conf._ConfigOpts__cache.clear()
    conf._ConfigOpts__drivers_cache.clear()


# -- live reload (oslo_extras.config.reload) ---------------------------------
#
# A reload parses the files into a fresh namespace, computes typed values
# from it, and installs namespace and values in one step. oslo.config keeps
# both in private attributes; these helpers are the only code touching them.


class PrefilledCache(dict):
    """A value cache that keeps the values a reload installed.

    oslo.config's ``_get`` looks a key up, computes the value on a miss and
    then stores it. A reader that missed just before a reload swapped the
    namespace would store a value computed from the old namespace into the
    new cache; keeping existing keys makes that late store harmless.
    """

    #: While True, ``clear()`` is ignored (see :func:`cache_frozen`).
    frozen = False

    def __setitem__(self, key, value):
        self.setdefault(key, value)

    def clear(self):
        if not self.frozen:
            super().clear()


@contextlib.contextmanager
def cache_frozen(conf: cfg.ConfigOpts) -> Iterator[None]:
    """Ignore clears of ``conf``'s value cache inside the block.

    Config sources clear the cache when their values change; a reload
    refreshing them wants readers to keep the installed values until it
    installs the next generation. Source answers (``__drivers_cache``) are
    still cleared, so the candidate reads the new values.
    """
    cache = conf._ConfigOpts__cache
    if not isinstance(cache, PrefilledCache):
        yield
        return
    cache.frozen = True
    try:
        yield
    finally:
        cache.frozen = False


def cache_key(group: str, dest: str) -> tuple[str | None, str]:
    """Return the key ``ConfigOpts._get`` caches ``[group] dest`` under."""
    return (None if group == 'DEFAULT' else group, dest)


def parse_files(conf: cfg.ConfigOpts):
    """Parse the command line and config files of ``conf`` again.

    Returns a new private namespace without touching ``conf``. Unlike
    ``conf._reload_config_files()`` it does not check required options:
    that check reads through ``conf._get``, which stores candidate values
    in the live cache before anything is validated.

    :raises oslo_config.cfg.Error: unreadable or unparsable files
    :raises SystemExit: a command-line value no longer converts
    """
    namespace = conf._parse_config_files()
    if namespace._files_not_found:
        raise cfg.ConfigFilesNotFoundError(namespace._files_not_found)
    if namespace._files_permission_denied:
        raise cfg.ConfigFilesPermissionDeniedError(
            namespace._files_permission_denied
        )
    return namespace


def has_override_or_default(conf: cfg.ConfigOpts, group: str, dest: str):
    """Tell whether ``set_override``/``set_default`` gave the option a value.

    oslo.config's required-option check skips those options.
    """
    grp = None if group == 'DEFAULT' else group
    info = conf._get_opt_info(dest, grp)
    return 'override' in info or 'default' in info


def is_parsed(conf: cfg.ConfigOpts) -> bool:
    """Tell whether ``conf()`` has parsed a command line and files."""
    return conf._namespace is not None and conf._args is not None


def mutable_namespace(conf: cfg.ConfigOpts):
    """Return the namespace mutable options are read from now."""
    return conf._mutable_ns


def typed_value(conf: cfg.ConfigOpts, group: str, dest: str, namespace=None):
    """Return the typed value of ``[group] dest`` read from ``namespace``.

    With ``namespace=None`` this is the value readers see right now (mutable
    options from the mutated namespace); overrides, environment, sources and
    defaults apply as in a normal read.

    :raises ValueError: the value does not convert to the option type
    """
    return _do_get(conf, group, dest, namespace)[0]


def typed_value_and_location(
    conf: cfg.ConfigOpts, group: str, dest: str, namespace=None
):
    """Like :func:`typed_value`, with the ``LocationInfo`` (or ``None``)."""
    return _do_get(conf, group, dest, namespace)


def _do_get(conf: cfg.ConfigOpts, group: str, dest: str, namespace):
    # oslo.config < 10.4 reads ``group.name`` in ``_do_get``: it needs the
    # OptGroup object, not its name (10.4+ accepts either).
    grp = None if group == 'DEFAULT' else conf._get_group(group)
    return conf._do_get(dest, grp, namespace)


def install(conf: cfg.ConfigOpts, namespace, values: dict) -> None:
    """Make ``namespace`` the mutable namespace and ``values`` the cache.

    Two reference assignments; readers holding no lock may see the new
    cache with the old namespace for an instant, which is harmless because
    every registered option is in the cache.
    """
    conf._ConfigOpts__cache = PrefilledCache(values)
    conf._mutable_ns = namespace


def config_reading_order(
    conf: cfg.ConfigOpts, expected_dirs: frozenset[str] = frozenset()
) -> list[tuple[str, str]]:
    """Return ``[(kind, path)]`` (kind ``'file'`` or ``'dir'``) in the
    order ``ConfigOpts._parse_config_files`` reads them: the default config
    files unless ``--config-file`` is on the command line, the existing
    default config dirs unless ``--config-dir`` is, then the command line's
    in its own order (argparse's abbreviations included).

    :param expected_dirs: default config dirs to list even when they do
        not exist now (oslo.config skips them silently)
    """
    args = list(conf._args or ())
    cli: list[str] = []
    for arg in args:
        if arg == '--':
            break
        name = arg.partition('=')[0]
        if len(name) <= len('--config-'):
            continue
        if '--config-file'.startswith(name):
            cli.append('file')
        elif '--config-dir'.startswith(name):
            cli.append('dir')
    # oslo.config only skips the defaults for the exact spellings
    exact_file = any(
        a == '--config-file' or a.startswith('--config-file=') for a in args
    )
    exact_dir = any(
        a == '--config-dir' or a.startswith('--config-dir=') for a in args
    )
    order: list[tuple[str, str]] = []
    if not exact_file:
        order += [
            ('file', p)
            for p in getattr(conf, 'default_config_files', ()) or ()
        ]
    if not exact_dir:
        order += [
            ('dir', p)
            for p in getattr(conf, 'default_config_dirs', ()) or ()
            if os.path.exists(p) or p in expected_dirs
        ]
    # with any on the command line, these are the command line's, in order
    given = {
        'file': iter(conf.config_file or () if 'file' in cli else ()),
        'dir': iter(conf.config_dir or () if 'dir' in cli else ()),
    }
    for kind in cli:
        path = next(given[kind], None)
        if path is not None:
            order.append((kind, path))
    return order


def parsed_files(conf: cfg.ConfigOpts, namespace, paths: list[str]):
    """Return ``[(path, sections)]`` of what ``namespace`` parsed, in
    reading order, or ``None`` when they cannot be told apart safely.

    oslo.config keeps each parsed file as ``{section: {key: [values]}}``
    (section and key as written) in ``namespace._parsed``, newest first,
    without its name. ``paths`` are the files the caller expects, in the
    order it expects them (config files, then config dir files): they are
    paired with the parsed files only when the counts match and the file
    oslo.config last saw each section in is the one the pairing says
    (:func:`config_reading_order` gives the order to expect).
    """
    parsed = list(reversed(namespace._parsed))
    if len(parsed) != len(paths):
        return None
    last_file: dict[str, str] = {}
    for path, sections in zip(paths, parsed, strict=True):
        for section in sections:
            last_file[section] = _fixpath(path)
    if last_file != {
        s: _fixpath(f) for s, f in namespace._sections_to_file.items()
    }:
        return None
    return list(zip(paths, parsed, strict=True))


def normalized_files(namespace) -> list[dict]:
    """Return each parsed file's ``{group: {name: [values]}}``, groups as
    oslo.config looks them up (lower case except ``DEFAULT``), names as
    written, in reading order."""
    return list(reversed(namespace._normalized))


def _fixpath(path: str) -> str:
    return os.path.abspath(os.path.expanduser(path))


def registration_signature(conf: cfg.ConfigOpts) -> tuple:
    """Return a cheap value that changes when options are (un)registered."""
    return (
        len(conf._opts),
        tuple(
            (name, len(group._opts)) for name, group in conf._groups.items()
        ),
    )


def overridden_keys(conf: cfg.ConfigOpts) -> set[tuple[str, str]]:
    """Return ``(group, dest)`` of options with an override or a default
    set in code (``set_override``/``set_default``), which no file shows."""
    found = set()
    for dest, info in conf._opts.items():
        if 'override' in info or 'default' in info:
            found.add(('DEFAULT', dest))
    for name, group in conf._groups.items():
        for dest, info in group._opts.items():
            if 'override' in info or 'default' in info:
                found.add((name, dest))
    return found


def namespace(conf: cfg.ConfigOpts):
    """Return the namespace ``conf()`` parsed (immutable options)."""
    return conf._namespace


def has_config_sources(conf: cfg.ConfigOpts) -> bool:
    """Tell whether ``conf`` reads ``[DEFAULT] config_source`` sources."""
    return bool(getattr(conf, '_sources', ()))


def mutate_hooks(conf: cfg.ConfigOpts) -> list:
    """Return the hooks registered with ``conf.register_mutate_hook``."""
    return list(conf._mutate_hooks)


# -- value interpolation (oslo_extras.config.interpolation) ------------------

#: The ``string.Template`` oslo.config substitutes ``$name``,
#: ``${group.name}`` and ``$$`` with (``ConfigOpts._substitute``); reused so
#: a checker reads exactly the names the service does.
SubstitutionTemplate = cfg.ConfigOpts.Template
