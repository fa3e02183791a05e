"""``$var`` interpolation of raw file values, as oslo.config applies it.

oslo.config substitutes ``$my_ip``, ``$state_path/x``, ``${group.option}``
and ``$$`` (``\\$`` too) in a value before converting it to the option's
type, so ``server_listen = $my_ip`` is an IP address to the service. A
checker that type-checks the raw text reports a false error. This module
expands a raw value against the files' own values and the options'
defaults, with oslo.config's own template class.

A name is looked up as oslo.config does: ``$name`` in the option's group,
then in ``[DEFAULT]``; ``${group.name}`` in that group. A name the catalog
does not know leaves the value unexpanded (``None``): the checker cannot
tell what the service would read, so it says nothing about that value.
``${DEFAULT.name}`` never resolves: oslo.config looks ``DEFAULT`` up as a
registered group, which it never is, and raises ``NoSuchGroupError``.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any

from oslo_extras.config import _upstream
from oslo_extras.config.catalog import DEFAULT_GROUP
from oslo_extras.config.catalog import normalize_group

if TYPE_CHECKING:
    from oslo_extras.config.catalog import OptionCatalog
    from oslo_extras.config.catalog import OptionInfo
    from oslo_extras.config.configset import ConfigSet

#: References deeper than this are treated as unresolvable.
_MAX_DEPTH = 10


class _Unresolved(Exception):
    """A reference names no known option, or references loop.

    ``never`` when oslo.config fails on it whatever the service registers;
    ``loop`` when the references come back to an option being expanded
    (oslo.config recurses without end). The name is always an option's
    name, never a value: a value on the way may be a secret.
    """

    def __init__(
        self, name: str, never: bool = False, loop: bool = False
    ) -> None:
        super().__init__(name)
        self.never = never
        self.loop = loop


class Expanded:
    """A raw value after interpolation.

    :param value: the text the service converts to the option's type
    :param uses_secret: a secret option's value was substituted in, so
        ``value`` must not be shown
    """

    __slots__ = ('value', 'uses_secret')

    def __init__(self, value: str, uses_secret: bool) -> None:
        self.value = value
        self.uses_secret = uses_secret


class Interpolator:
    """Expands raw values of a set of files against a catalog.

    :param catalog: the options known (bound to the files)
    :param config: the files
    """

    def __init__(self, catalog: OptionCatalog, config: ConfigSet) -> None:
        self.catalog = catalog
        self.config = config

    def expand(self, group: str, value: str) -> Expanded | None:
        """Return ``value`` of an option in ``group`` after substitution.

        ``None`` when a reference cannot be resolved.
        """
        if '$' not in value:
            return Expanded(value, False)
        used: list[bool] = []
        try:
            text = self._expand(normalize_group(group), value, 0, used, [])
        except _Unresolved:
            return None
        return Expanded(text, any(used))

    def unresolved(self, group: str, value: str) -> str | None:
        """Return the reference in ``value`` that cannot be resolved.

        ``None`` when every reference resolves or they loop
        (:meth:`loops_at` says so); ``''`` when the reference is inside a
        secret's value that ``value`` substitutes (never to be shown).
        """
        try:
            self._expand(normalize_group(group), value, 0, [], [])
        except _Unresolved as exc:
            return None if exc.loop else str(exc.args[0])
        return None

    def loops_at(self, group: str, value: str) -> str | None:
        """Return the option (``name`` or ``group.name``) the references
        in ``value`` come back to, or ``None`` when they do not loop
        (``''`` when the loop passes through a secret's value)."""
        try:
            self._expand(normalize_group(group), value, 0, [], [])
        except _Unresolved as exc:
            return str(exc.args[0]) if exc.loop else None
        return None

    def never_resolves(self, group: str, value: str) -> str | None:
        """Return a reference in ``value`` that oslo.config always fails
        on (``DEFAULT.name``), or ``None``."""
        try:
            self._expand(normalize_group(group), value, 0, [], [])
        except _Unresolved as exc:
            return str(exc.args[0]) if exc.never else None
        return None

    def _expand(
        self,
        group: str,
        value: str,
        depth: int,
        used: list[bool],
        path: list[tuple[str, str]],
    ) -> str:
        """:param path: the options being expanded, outermost first"""
        if depth > _MAX_DEPTH:
            # Not the value: it may be a secret's.
            raise _Unresolved(f'more than {_MAX_DEPTH} levels of $')
        if r'\$' in value:
            value = value.replace(r'\$', '$$')
        template = _upstream.SubstitutionTemplate(value)
        return template.safe_substitute(
            _Lookup(self, group, depth, used, path)
        )

    def _resolve(
        self,
        group: str,
        key: str,
        depth: int,
        used: list[bool],
        path: list[tuple[str, str]],
    ) -> str:
        group_name, dot, option = key.partition('.')
        if dot and group_name == DEFAULT_GROUP:
            raise _Unresolved(key, never=True)
        if dot:
            info = self.catalog.option(group_name, option)
            if info is None:
                info = self.catalog.option(DEFAULT_GROUP, key)
        else:
            info = self.catalog.option(group, key)
            if info is None:
                info = self.catalog.option(DEFAULT_GROUP, key)
        if info is None:
            raise _Unresolved(key)
        if info.secret:
            used.append(True)
        where = (info.group, info.dest)
        if where in path:
            name = info.dest
            if info.group != DEFAULT_GROUP:
                name = f'{info.group}.{info.dest}'
            raise _Unresolved(name, loop=True)
        path.append(where)
        try:
            return self._value_of(info, depth, used, path)
        except _Unresolved as exc:
            if not info.secret or not exc.args[0]:
                raise
            # The name may be a piece of the secret's text (``Pa$sw0rd``).
            raise _Unresolved('', never=exc.never, loop=exc.loop) from None
        finally:
            path.pop()

    def _value_of(
        self,
        info: OptionInfo,
        depth: int,
        used: list[bool],
        path: list[tuple[str, str]],
    ) -> str:
        entry = self.config.effective_entry(
            info.group, info.dest, self.catalog
        )
        if entry is not None:
            raw = self._expand(info.group, entry.value, depth + 1, used, path)
            return _as_text(_typed(info, raw))
        default = info.opt.default
        if default is None:
            return ''
        if isinstance(default, str):
            default = self._expand(info.group, default, depth + 1, used, path)
        return _as_text(default)


class _Lookup(Mapping[str, str]):
    # string.Template only calls __getitem__; a KeyError is a bad name.

    def __init__(
        self,
        owner: Interpolator,
        group: str,
        depth: int,
        used: list[bool],
        path: list[tuple[str, str]],
    ) -> None:
        self.owner = owner
        self.group = group
        self.depth = depth
        self.used = used
        self.path = path

    def __getitem__(self, key: str) -> str:
        return self.owner._resolve(
            self.group, key, self.depth, self.used, self.path
        )

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def _typed(info: OptionInfo, raw: str) -> Any:
    # oslo.config substitutes the referenced option's typed value.
    opt_type = info.opt.type
    if info.multi:
        return raw
    try:
        return opt_type(raw)
    except (ValueError, TypeError):
        return raw


def _as_text(value: Any) -> str:
    return f'{value}'
