"""Build the next config from the files, typed, and diff it with the live one.

The files are parsed into a fresh private namespace (the live one is not
touched), then every registered option is read from it exactly as a normal
read would (overrides, command line, environment, files, sources, defaults)
and converted to its type. Comparing typed values means ``true`` and
``True`` are the same, and a removed key is its default, not ``None``.
"""

from __future__ import annotations

import dataclasses
import glob
import os
from collections.abc import Callable
from collections.abc import Collection
from collections.abc import Mapping
from typing import Any

from oslo_config import cfg

from oslo_extras.config import _upstream
from oslo_extras.config import masking
from oslo_extras.config.reload.report import APPLIED
from oslo_extras.config.reload.report import NEEDS_RESTART
from oslo_extras.config.reload.report import REJECTED
from oslo_extras.config.reload.report import OptionChange
from oslo_extras.config.reload.report import scrubbed

Key = tuple[str, str]

try:
    from oslo_extras.config.sources.base import SourceError
except ImportError:  # the sources are optional

    class SourceError(Exception):  # type: ignore[no-redef]
        """Stands in when the config sources are not installed."""


#: What reading one option can raise for a bad value; RecursionError is
#: oslo.config following ``password = ${password}x`` without end, and a
#: config source raises SourceError for a value it serves that does not
#: convert (a rotated secret) or that expired and could not be re-read.
_READ_ERRORS = (ValueError, cfg.Error, RecursionError, SourceError)


@dataclasses.dataclass
class Candidate:
    """A parsed and typed next config, not installed yet.

    :param namespace: the parsed namespace, or ``None`` if parsing failed
    :param values: ``{(group, dest): value}`` readers would see once it is
        installed (mutable options new, immutable options unchanged)
    :param changes: typed differences, in report order
    :param errors: why it cannot be installed, besides ``file_errors``
        and ``option_errors`` (the command line no longer parses, say)
    :param file_errors: files that cannot be read or parsed
    :param option_errors: ``{(group, dest): reason}`` for values that do
        not convert or are missing; any refuses the reload
    :param option_warnings: ``{(group, dest): reason}`` for values that
        were already invalid in the running config and did not change:
        they refuse nothing (only errors the edit introduced do)
    :param invalid: the still invalid values of ``option_warnings``
    :param hook_diff: ``{(group or None, name): (old, new)}`` of applied
        changes, the shape oslo.config mutate hooks receive
    :param secret_keys: keys of secret options
    :param secret_values: old and new secret values, to scrub error texts
    """

    namespace: Any = None
    values: dict[Key, Any] = dataclasses.field(default_factory=dict)
    changes: list[OptionChange] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)
    file_errors: list[str] = dataclasses.field(default_factory=list)
    option_errors: dict[Key, str] = dataclasses.field(default_factory=dict)
    option_warnings: dict[Key, str] = dataclasses.field(default_factory=dict)
    invalid: dict[Key, Invalid] = dataclasses.field(default_factory=dict)
    hook_diff: dict[tuple[str | None, str], tuple[Any, Any]] = (
        dataclasses.field(default_factory=dict)
    )
    secret_keys: frozenset[Key] = frozenset()
    secret_values: list[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.errors or self.file_errors or self.option_errors)

    def refuse(self) -> None:
        """Mark every change rejected: the reload is refused as a whole."""
        self.changes = [_refused(c) for c in self.changes]
        self.hook_diff = {}


def options(conf: cfg.ConfigOpts) -> list[tuple[str, cfg.Opt]]:
    """Return every readable ``(group, opt)`` of ``conf`` in report order."""
    found = [
        (group, opt)
        for group, opt in _upstream.registered_opts(conf)
        if not isinstance(opt, cfg.SubCommandOpt)
    ]
    return sorted(
        found, key=lambda item: (_group_order(item[0]), item[1].dest)
    )


class Invalid:
    """The live value of an option whose current value does not convert.

    :param error: oslo.config's error text, to tell whether a later parse
        finds the same bad value (never shown: it may quote a secret)
    :param reason: the one-line reason to show
    """

    __slots__ = ('error', 'reason')

    def __init__(self, error: str, reason: str) -> None:
        self.error = error
        self.reason = reason

    def __repr__(self) -> str:
        return '<invalid>'


def current_values(
    conf: cfg.ConfigOpts,
) -> tuple[dict[Key, Any], dict[Key, Invalid]]:
    """Return what readers see now, and the options that fail to convert."""
    values: dict[Key, Any] = {}
    invalid: dict[Key, Invalid] = {}
    opts = options(conf)
    for group, opt in opts:
        key = (group, opt.dest)
        try:
            values[key] = _upstream.typed_value(conf, group, opt.dest)
        except _READ_ERRORS as exc:
            invalid[key] = Invalid(
                _error_text(exc), _reason(group, opt, exc, [])
            )
    # A plain option substituting ``$password`` quotes it in its error.
    secrets = list(
        masking.secret_fragments(
            _strings(values.get((g, o.dest)) for g, o in opts if o.secret)
        )
    )
    invalid = {
        k: Invalid(bad.error, masking.scrub(bad.reason, secrets))
        for k, bad in invalid.items()
    }
    return values, invalid


def build(
    conf: cfg.ConfigOpts,
    previous: Mapping[Key, Any],
    previous_invalid: Mapping[Key, Invalid] | None = None,
    opts: list[tuple[str, cfg.Opt]] | None = None,
    select: Callable[[Any], Collection[Key] | None] | None = None,
    parsed: tuple[Any, BaseException | None] | None = None,
) -> Candidate:
    """Parse the files again and compare every option with ``previous``.

    :param previous: the values installed by the last reload; options
        registered since then are read live
    :param previous_invalid: options whose running value does not convert
        (see :func:`current_values`); the same bad value again is a
        warning, not an error
    :param opts: :func:`options` of ``conf``, if the caller has them
    :param select: given the parsed namespace, returns the keys to read
        again (see :mod:`.changed`), or ``None`` for all; the others keep
        their ``previous`` value
    :param parsed: what :func:`parse` returned, if the caller parsed the
        files already (the validator reads the same parse)
    """
    candidate = Candidate()
    opts = options(conf) if opts is None else opts
    previous_invalid = previous_invalid or {}
    # What readers see now, looked up only for the options read again
    # (and the secrets, to scrub error texts).
    current: dict[Key, Any] = {}

    def current_of(group: str, opt: cfg.Opt) -> Any:
        key = (group, opt.dest)
        if key in current:
            return current[key]
        if key in previous:
            value = previous[key]
        elif key in previous_invalid:
            value = previous_invalid[key]
        else:
            try:
                value = _upstream.typed_value(conf, group, opt.dest)
            except _READ_ERRORS as exc:
                value = Invalid(_error_text(exc), _reason(group, opt, exc, []))
        current[key] = value
        return value

    secret_keys = frozenset((g, o.dest) for g, o in opts if o.secret)
    candidate.secret_keys = secret_keys
    candidate.secret_values = _strings(
        current_of(g, o) for g, o in opts if o.secret
    )
    # oslo.config globs ``<dir>/*.conf``: a dir it may not list reads as
    # empty, and every value from it would fall back to its default.
    candidate.file_errors += _unlistable_dirs(conf)
    namespace, exc = parse(conf) if parsed is None else parsed
    candidate.namespace = namespace
    if isinstance(exc, SystemExit):
        candidate.errors.append(
            f'the command line no longer parses (exit code {exc.code})'
        )
    elif isinstance(exc, cfg.Error):
        candidate.file_errors.append(
            masking.scrub(str(exc), candidate.secret_values)
        )
    elif exc is not None:
        # oslo.config lets these through: a config path that became a
        # directory or a symlink loop, or a file saved in Latin-1.
        candidate.file_errors.append(_unreadable(conf, exc))
    if candidate.namespace is None:
        return candidate
    only = select(candidate.namespace) if select is not None else None

    # Installed values kept as they are (set operations, not a loop).
    keep = set() if only is None else previous.keys() - set(only)

    new_values: dict[Key, Any] = {}
    rejected: dict[Key, str] = {}
    for group, opt in opts:
        key = (group, opt.dest)
        if key in keep:
            continue
        try:
            value = _upstream.typed_value(
                conf, group, opt.dest, candidate.namespace
            )
        except _READ_ERRORS as exc:
            old = current_of(group, opt)
            if isinstance(old, Invalid) and old.error == _error_text(exc):
                # Bad before the edit and unchanged: upstream would still
                # apply the rest, and so do we.
                candidate.invalid[key] = old
                candidate.option_warnings[key] = (
                    old.reason + ' (already in the running config)'
                )
                continue
            rejected[key] = _reason(group, opt, exc, candidate.secret_values)
            continue
        if (
            opt.required
            and value is None
            and not _upstream.has_override_or_default(conf, group, opt.dest)
        ):
            rejected[key] = (
                f'[{group}] {opt.dest}: required option has no value'
            )
            continue
        new_values[key] = value
    candidate.secret_values += _strings(
        new_values[k] for k in secret_keys if k in new_values
    )
    # A plain option may hold a secret through ``$password``: what the
    # report shows of it is scrubbed too (installed values are untouched),
    # and so is its conversion error, which quotes the substituted value
    # (the new secrets were not known when it was written).
    fragments = list(masking.secret_fragments(candidate.secret_values))
    rejected = {k: masking.scrub(v, fragments) for k, v in rejected.items()}
    candidate.option_errors.update(rejected)

    def shown(value: Any, secret: bool) -> Any:
        return value if secret else scrubbed(value, fragments)

    for group, opt in opts:
        key = (group, opt.dest)
        if key in candidate.invalid:
            continue
        if key in keep:
            candidate.values[key] = previous[key]
            continue
        old = current_of(group, opt)
        old_is_invalid = isinstance(old, Invalid)
        old_shown = None if old_is_invalid else old
        if key in rejected:
            candidate.changes.append(
                OptionChange.build(
                    group,
                    opt.dest,
                    REJECTED,
                    shown(old_shown, opt.secret),
                    None,
                    opt.secret,
                    _strip_prefix(rejected[key], group, opt.dest),
                )
            )
            continue
        new = new_values[key]
        if not old_is_invalid and old == new:
            candidate.values[key] = old
            continue
        if opt.mutable:
            status, reason = APPLIED, None
            candidate.values[key] = new
            candidate.hook_diff[
                (None if group == 'DEFAULT' else group, opt.name)
            ] = (old_shown, new)
        else:
            status = NEEDS_RESTART
            reason = 'option is not mutable; restart the service to apply'
            if not old_is_invalid:
                candidate.values[key] = old
        candidate.changes.append(
            OptionChange.build(
                group,
                opt.dest,
                status,
                shown(old_shown, opt.secret),
                shown(new, opt.secret),
                opt.secret,
                reason,
            )
        )
    if not candidate.ok:
        candidate.refuse()
    return candidate


def parse(conf: cfg.ConfigOpts) -> tuple[Any, BaseException | None]:
    """Parse the command line and files again into a fresh namespace.

    :returns: ``(namespace, None)``, or ``(None, error)`` when they no
        longer parse (:func:`build` turns the error into a reason)
    """
    try:
        return _upstream.parse_files(conf), None
    except (SystemExit, cfg.Error, OSError, UnicodeError) as exc:
        return None, exc


def cache_values(values: dict[Key, Any]) -> dict[tuple[str | None, str], Any]:
    """Return ``values`` keyed the way oslo.config's value cache is."""
    return {
        _upstream.cache_key(group, dest): value
        for (group, dest), value in values.items()
    }


def _refused(change: OptionChange) -> OptionChange:
    if change.status == REJECTED:
        return change
    return dataclasses.replace(
        change,
        status=REJECTED,
        reason='not applied: the reload was rejected as a whole',
    )


def _reason(group: str, opt: cfg.Opt, exc: Exception, secrets: list) -> str:
    if isinstance(exc, SourceError):
        # Written to name the source and option, never the value.
        return f'[{group}] {opt.dest}: {masking.scrub(str(exc), secrets)}'
    if isinstance(exc, RecursionError):
        return (
            f'[{group}] {opt.dest}: invalid value: a $ substitution refers '
            'back to itself'
        )
    if opt.secret:
        # The conversion error quotes the bad value; say only where it is.
        detail = f'invalid {type(opt.type).__name__} value (secret, not shown)'
    else:
        # oslo.config prefixes a LocationInfo repr; keep the useful part.
        text = str(exc).split(' is not valid: ', 1)[-1]
        detail = 'invalid value: ' + masking.scrub(text, secrets)
    return f'[{group}] {opt.dest}: {detail}'


def _unlistable_dirs(conf: cfg.ConfigOpts) -> list[str]:
    """Say which config dirs exist but cannot be listed."""
    problems = []
    for directory in conf.config_dir or []:
        try:
            os.listdir(directory)
        except FileNotFoundError:
            continue  # oslo.config and the validator say so
        except OSError as exc:
            problems.append(
                f'{directory}: cannot list the config dir: {exc.strerror}; '
                'its files would all be ignored'
            )
    return problems


def _unreadable(conf: cfg.ConfigOpts, exc: Exception) -> str:
    """Say which config file cannot be read, and why (never its text)."""
    if isinstance(exc, OSError):
        return f'{exc.filename}: cannot read it: {exc.strerror}'
    files = list(conf.config_file or [])
    for directory in conf.config_dir or []:
        files += sorted(
            glob.glob(os.path.join(glob.escape(directory), '*.conf'))
        )
    reason = getattr(exc, 'reason', 'cannot decode')
    for path in files:
        try:
            with open(path, 'rb') as stream:
                stream.read().decode('utf-8')
        except UnicodeDecodeError as bad:
            return (
                f'{path}: not UTF-8 text ({bad.reason} at byte {bad.start}); '
                'oslo.config reads config files as UTF-8'
            )
        except OSError:
            continue
    return f'a config file is not UTF-8 text ({reason})'


def _error_text(exc: Exception) -> str:
    """The conversion error without where the value came from: the same
    bad value moved to another file (a config-dir file renamed) is the
    same error."""
    return str(exc).split(' is not valid: ', 1)[-1]


def _strip_prefix(reason: str, group: str, dest: str) -> str:
    prefix = f'[{group}] {dest}: '
    return reason[len(prefix) :] if reason.startswith(prefix) else reason


def _strings(values) -> list[str]:
    found = []
    for value in values:
        if isinstance(value, str) and value:
            found.append(value)
    return found


def _group_order(group: str) -> tuple[int, str]:
    return (0, '') if group == 'DEFAULT' else (1, group)
