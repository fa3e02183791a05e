"""Explicit ``[group] option -> backend path`` mappings of a source.

A mapping overrides a driver's naming convention. It comes from the source
group (``mapping = database.connection:nova/db#password``) or from a file
with ``[group]`` sections and ``option = path`` lines.
"""

from __future__ import annotations

from oslo_config import cfg

Key = tuple[str, str]


class MappingError(ValueError):
    """A mapping entry or file cannot be understood."""


def _normalise_group(group: str) -> str:
    return 'DEFAULT' if group.upper() == 'DEFAULT' else group.lower()


def parse_inline(items: dict[str, str], source: str) -> dict[Key, str]:
    """Parse the ``mapping`` DictOpt of the source group ``[source]``.

    :param items: ``{'group.option': 'path', ...}``
    :raises MappingError: for a key without a group
    """
    mapping: dict[Key, str] = {}
    for key, path in (items or {}).items():
        group, dot, option = key.rpartition('.')
        if not dot or not group or not option or not path:
            raise MappingError(
                f'[{source}] mapping: {key!r} must be group.option:path'
            )
        mapping[(_normalise_group(group), option.replace('-', '_'))] = path
    return mapping


def parse_file(path: str) -> dict[Key, str]:
    """Parse a mapping file (INI: ``[group]`` then ``option = path``).

    :raises MappingError: naming the file and line when it cannot be parsed
    """
    sections: dict[str, dict[str, list[str]]] = {}
    try:
        cfg.ConfigParser(path, sections).parse()
    except cfg.ParseError as exc:
        raise MappingError(f'mapping file {path}: {exc}') from None
    except OSError as exc:
        raise MappingError(
            f'mapping file {path}: {exc.strerror or exc}'
        ) from None
    mapping: dict[Key, str] = {}
    for group, options in sections.items():
        for option, values in options.items():
            mapping[(_normalise_group(group), option.replace('-', '_'))] = (
                values[-1]
            )
    return mapping


def split_field(path: str, default_field: str) -> tuple[str, str]:
    """Split ``path#field``; without ``#`` the field is ``default_field``."""
    base, sep, field = path.partition('#')
    return base.strip('/'), (field if sep else default_field)
