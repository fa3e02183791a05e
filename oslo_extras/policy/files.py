"""Find and read the operator's policy overrides, keeping line numbers.

The files are resolved exactly as oslo.policy's ``Enforcer.load_rules()``
does: ``[oslo_policy] policy_file`` through ``conf.find_file()`` (so a
relative name is searched next to the config files), then every directory of
``[oslo_policy] policy_dirs`` that exists, each one's non-hidden files in
sorted order, later files overriding earlier ones.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import yaml
from oslo_config import cfg

# libyaml when present: same results, about ten times faster.
_LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)

FILE = 'file'
POLICY_D = 'policy.d'


class PolicyFileError(Exception):
    """A policy file that cannot be read or is not a YAML mapping.

    :param path: the file
    :param line: 1-based line of the problem, or ``None``
    :param reason: one sentence
    """

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        where = f'{path}:{line}' if line else path
        super().__init__(f'{where}: {reason}')


@dataclasses.dataclass(frozen=True)
class Entry:
    """One ``name: check`` line of a policy file.

    :param value: as YAML parsed it (a ``str`` unless the file is wrong)
    :param line: 1-based line of the key
    :param end_line: 1-based last line of the value
    """

    name: str
    value: Any
    path: str
    line: int
    kind: str
    end_line: int | None = None


@dataclasses.dataclass
class Layer:
    """One policy file: its entries in file order and repeated keys.

    :param unreachable: keys YAML does not read as a string (``1``,
        ``yes``, ``null``): oslo.policy keeps them under that non-string
        key, where no ``enforce()`` call finds them
    """

    path: str
    kind: str
    entries: dict[str, Entry]
    duplicates: list[Entry]
    unreachable: list[Entry] = dataclasses.field(default_factory=list)


def read_layer(path: str, kind: str = FILE) -> Layer:
    """Read one policy file (YAML or JSON).

    :raises PolicyFileError: when it cannot be read or parsed, or its top
        level is not a mapping
    """
    try:
        with open(path, encoding='utf-8') as stream:
            text = stream.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyFileError(path, None, f'cannot read: {exc}')
    return parse_layer(text, path, kind)


def parse_layer(text: str, path: str, kind: str = FILE) -> Layer:
    """Parse policy file content; see :func:`read_layer`."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, 'problem_mark', None) or getattr(
            exc, 'context_mark', None
        )
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, 'problem', None) or str(exc)
        raise PolicyFileError(path, line, f'not valid YAML: {problem}')
    layer = Layer(path, kind, {}, [])
    if node is None:
        return layer
    if not isinstance(node, yaml.MappingNode):
        raise PolicyFileError(
            path,
            node.start_mark.line + 1,
            'expected a mapping of rule names to check strings',
        )
    constructor = yaml.constructor.SafeConstructor()
    written = {id(key) for key, _value in node.value}
    try:
        # YAML merge keys (<<: *anchor), as yaml.safe_load applies them.
        constructor.flatten_mapping(node)
    except yaml.YAMLError as exc:
        raise PolicyFileError(path, None, f'not valid YAML: {exc}')
    merged: set[str] = set()
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        end = value_node.end_mark
        end_line = end.line + 1 if end.column else end.line
        end_line = max(end_line, line)
        try:
            name = constructor.construct_object(key_node, deep=True)
            value = constructor.construct_object(value_node, deep=True)
        except yaml.YAMLError as exc:
            raise PolicyFileError(path, line, f'not valid YAML: {exc}')
        if not isinstance(name, str):
            text = getattr(key_node, 'value', None)
            label = text if isinstance(text, str) else repr(name)
            layer.unreachable.append(
                Entry(label, value, path, line, kind, end_line)
            )
            continue
        entry = Entry(name, value, path, line, kind, end_line)
        if name in layer.entries:
            earlier = layer.entries.pop(name)
            if name not in merged:
                layer.duplicates.append(earlier)
        if id(key_node) not in written:
            merged.add(name)
        else:
            merged.discard(name)
        layer.entries[name] = entry
    return layer


def policy_paths(
    conf: cfg.ConfigOpts, policy_file: str | None = None
) -> list[tuple[str, str]]:
    """Return ``[(path, kind), ...]`` in the order oslo.policy applies them.

    :param conf: a configuration with the ``[oslo_policy]`` options
        registered (an :class:`oslo_policy.policy.Enforcer` registers them)
    :param policy_file: overrides ``[oslo_policy] policy_file`` like the
        ``Enforcer(policy_file=...)`` argument
    """
    found: list[tuple[str, str]] = []
    main = conf.find_file(policy_file or conf.oslo_policy.policy_file)
    if main:
        found.append((main, FILE))
    for directory in conf.oslo_policy.policy_dirs:
        path = conf.find_file(directory)
        if not path or not os.path.isdir(path):
            continue
        names = sorted(next(os.walk(path))[2])
        for name in names:
            if not name.startswith('.'):
                found.append((os.path.join(path, name), POLICY_D))
    return found


def read_layers(
    conf: cfg.ConfigOpts, policy_file: str | None = None
) -> list[Layer]:
    """Read every policy file :func:`policy_paths` finds, in order."""
    return [
        read_layer(path, kind)
        for path, kind in policy_paths(conf, policy_file)
    ]


def signature(paths: list[tuple[str, str]]) -> tuple:
    """Return what changes when any policy file changes (for reload polls).

    Covers the file list itself, so a file added to ``policy.d`` counts.
    """
    result = []
    for path, _kind in paths:
        try:
            stat = os.stat(path)
        except OSError:
            result.append((path, None))
            continue
        result.append((path, stat.st_mtime_ns, stat.st_size, stat.st_ino))
    return tuple(result)
