"""The validator's view of the files oslo.config has just parsed.

A reload parses the files once, with oslo.config (its namespace is the
candidate). The checks of ``oslo-config-check`` read a
:class:`~oslo_extras.config.configset.ConfigSet`; :func:`config_set` builds
one from that namespace instead of parsing every file a second time.

oslo.config does not keep line numbers, so every entry and section of such
a set has line ``0``: it is only good for telling that a config has no
finding located in a file. When it has one, the caller parses the files
with line numbers (:meth:`ConfigSet.load`) and checks again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from typing import NamedTuple

from oslo_config import cfg

from oslo_extras.config import _upstream
from oslo_extras.config.configset import DIR
from oslo_extras.config.configset import FILE
from oslo_extras.config.configset import ConfigSet
from oslo_extras.config.inifile import ConfigFileError
from oslo_extras.config.inifile import Entry
from oslo_extras.config.inifile import IniFile
from oslo_extras.config.inifile import Section

#: The line of every entry and section of a set built from a namespace.
NO_LINE = 0


class ParsedConfig(NamedTuple):
    """What oslo.config parsed, as the checks read it.

    :param config: the files, entries and sections without line numbers
    :param values: ``{(file, section, key): values}`` in reading order
    """

    config: ConfigSet
    values: dict[tuple[str, str, str], tuple[str, ...]]


def config_set(
    conf: cfg.ConfigOpts,
    namespace: Any,
    config_files: Sequence[str] = (),
    config_dirs: Sequence[str] = (),
    ordered: Sequence[tuple[str, str]] | None = None,
) -> ParsedConfig | None:
    """Return what ``namespace`` parsed as a line-less ``ConfigSet``.

    :param namespace: a namespace ``_upstream.parse_files`` returned
    :param config_files: the config files, as the validator reads them
    :param config_dirs: the config dirs, read after the files
    :param ordered: ``(FILE|DIR, path)`` in oslo.config's reading order
        (then ``config_files`` and ``config_dirs`` are ignored)
    :returns: ``None`` when the parsed files cannot be paired with the
        paths safely (a dir listing that changed in between, say): the
        caller parses the files itself
    """
    if ordered is None:
        ordered = [(FILE, p) for p in config_files] + [
            (DIR, p) for p in config_dirs
        ]
    try:
        paths = ConfigSet.expand(ordered)
    except ConfigFileError:
        return None
    pairs = _upstream.parsed_files(conf, namespace, paths)
    if pairs is None:
        return None
    files = []
    values: dict[tuple[str, str, str], tuple[str, ...]] = {}
    for path, sections in pairs:
        entries = []
        add = entries.append
        for name, keys in sections.items():
            for key, texts in keys.items():
                # A file given twice is read twice: its values add up.
                where = (path, name, key)
                values[where] = values.get(where, ()) + tuple(texts)
                for text in texts:
                    add(Entry(path, NO_LINE, name, key, text))
        files.append(
            IniFile(
                path,
                [Section(path, NO_LINE, name) for name in sections],
                entries,
            )
        )
    return ParsedConfig(ConfigSet(files), values)
