"""The real-world config corpus: files, their services' options, faults.

Shared by the tests in this directory and by
``benchmarks/config_check_corpus.py``. Every file under ``files/`` is
listed in ``expected.yaml`` with the generator config (from the service's
own sdist, under ``generator/``) whose namespace list describes it, and the
errors accepted on it as true positives.

The fault generator is deterministic (seeded by the file name) and reads
the files with its own small line scanner, not the project's parser, so it
can serve as the oracle the checker is measured against.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import random
import re
import warnings
import zlib
from collections.abc import Iterator

import stevedore
import yaml
from keystoneauth1 import loading as ks_loading
from oslo_config import cfg
from oslo_config import types

from oslo_extras.config.catalog import OptionCatalog

HERE = os.path.dirname(os.path.abspath(__file__))
FILES = os.path.join(HERE, 'files')
GENERATOR = os.path.join(HERE, 'generator')
EXPECTED = os.path.join(HERE, 'expected.yaml')


@dataclasses.dataclass(frozen=True)
class Accepted:
    """An error finding accepted as a true positive on a valid file."""

    line: int
    code: str
    reason: str


@dataclasses.dataclass(frozen=True)
class CorpusFile:
    name: str  # relative to files/
    generators: tuple[str, ...]  # relative to generator/
    accepted: tuple[Accepted, ...] = ()
    #: {check or 'all': reason} for checks that still fail on this file
    #: because of a false-error class of issue 10 not fixed yet
    xfail: dict[str, str] | None = None

    @property
    def path(self) -> str:
        return os.path.join(FILES, self.name)

    @property
    def service(self) -> str:
        return self.generators[0].split('/')[0]

    @property
    def namespaces(self) -> tuple[str, ...]:
        found: list[str] = []
        for generator in self.generators:
            path = os.path.join(GENERATOR, generator)
            found += [n for n in generator_namespaces(path) if n not in found]
        return tuple(found)

    def text(self) -> str:
        with open(self.path) as stream:
            return stream.read()


def generator_namespaces(path: str) -> tuple[str, ...]:
    """The ``namespace = ...`` lines of an oslo-config-generator config."""
    found = []
    with open(path) as stream:
        for line in stream:
            match = re.match(r'^namespace\s*=\s*(\S+)\s*$', line)
            if match:
                found.append(match.group(1))
    return tuple(found)


def load() -> list[CorpusFile]:
    with open(EXPECTED) as stream:
        data = yaml.safe_load(stream)
    corpus = []
    for name, entry in data['files'].items():
        accepted = tuple(
            Accepted(a['line'], a['code'], a['reason'])
            for a in entry.get('accepted', ())
        )
        generators = entry['generator']
        if isinstance(generators, str):
            generators = [generators]
        corpus.append(
            CorpusFile(name, tuple(generators), accepted, entry.get('xfail'))
        )
    return corpus


@functools.cache
def catalog(namespaces: tuple[str, ...]) -> OptionCatalog:
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return OptionCatalog.from_namespaces(list(namespaces))


@functools.cache
def _listed_opts(namespaces: tuple[str, ...]) -> list:
    """``(namespace, group, opts)`` of the namespaces, as the generator."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        # Libraries and services adjust their defaults first (the
        # generator and the services' own startup do the same).
        stevedore.named.NamedExtensionManager(
            'oslo.config.opts.defaults',
            names=list(namespaces),
            on_load_failure_callback=_raise,
            invoke_on_load=True,
        )
        manager = stevedore.named.NamedExtensionManager(
            'oslo.config.opts',
            names=list(namespaces),
            on_load_failure_callback=_raise,
            invoke_on_load=True,
        )
        return [
            (ext.name, group, list(opts))  # some lists are iterators
            for ext in manager
            for group, opts in ext.obj
        ]


def _raise(manager, entrypoint, exc):
    raise exc


#: Groups a library registers only when the feature runs (a paste filter is
#: built), not at service startup: registered here only when the file has
#: them, so their required options count only then. The same holds for the
#: driver groups the ``oslo.config`` namespace lists for the sample file
#: (registered when ``config_source`` names them).
LAZY_GROUPS = frozenset({'oslo_middleware_tracing'})


def service_conf(namespaces: tuple[str, ...], path: str) -> cfg.ConfigOpts:
    """The service's own view of ``path``: its options, parsed, checked.

    Registers the options of the namespaces on a fresh ``ConfigOpts`` as
    the service does at startup, parses the file, runs oslo.config's own
    required-option check, reads every registered option the file sets
    (values are converted and ``$var`` references substituted when read)
    and loads the keystoneauth plugin of every group whose ``auth_type``
    the file sets.

    The generator lists a keystoneauth plugin's options (``auth_url``...)
    under each group that authenticates; services register them only when
    they load the plugin (``load_auth_from_conf_options``), so they are
    left out of the startup registration here too and checked by loading
    the plugin, which fails on a missing required one as the service would.

    :raises cfg.Error: where the service itself would fail
    :raises keystoneauth1.exceptions.auth_plugins.MissingRequiredOptions:
        for a plugin the service could not load
    """
    conf = cfg.ConfigOpts()
    in_file = {section for section, _line in sections(open(path).read())}
    auth_groups = []
    for namespace, group, opts in _listed_opts(namespaces):
        if isinstance(group, cfg.OptGroup):
            group_name = group.name
        else:
            group_name = group or 'DEFAULT'
        lazy = group_name in LAZY_GROUPS or (
            namespace == 'oslo.config' and group_name != 'DEFAULT'
        )
        if lazy and group_name not in in_file:
            continue
        if namespace == 'oslo.config' and group_name == 'DEFAULT':
            # config_file and config_dir: ConfigOpts registers them itself
            opts = [o for o in opts if o.dest == 'config_source']
        if isinstance(group, cfg.OptGroup):
            try:
                conf.register_group(group)
            except cfg.DuplicateOptError:
                pass
        if 'auth_url' in {o.dest for o in opts}:
            auth_groups.append(group_name)
            opts = [o for o in opts if o.dest not in _plugin_option_dests()]
            # what services call for such a group (auth_type, auth_section)
            try:
                ks_loading.register_auth_conf_options(conf, group_name)
            except cfg.DuplicateOptError:
                pass
        for opt in opts:
            try:
                conf.register_opt(
                    opt, group=None if group_name == 'DEFAULT' else group_name
                )
            except cfg.DuplicateOptError:
                pass  # two namespaces sharing a name: the service sees one
    conf([], project='realworld', default_config_files=[path])
    conf._check_required_opts()
    for section, key, _line in scan(open(path).read()):
        group = conf if section == 'DEFAULT' else _group(conf, section)
        if group is None:
            continue
        dest = key.replace('-', '_')
        if dest in group:
            getattr(group, dest)
    for group_name in auth_groups:
        if conf[group_name].auth_type:
            ks_loading.load_auth_from_conf_options(conf, group_name)
    return conf


@functools.cache
def _plugin_option_dests() -> frozenset[str]:
    """Options of keystoneauth's plugins, minus the common auth options."""
    common = {o.dest for o in ks_loading.get_auth_common_conf_options()}
    dests = set()
    for name in ks_loading.get_available_plugin_names():
        try:
            options = ks_loading.get_auth_plugin_conf_options(name)
        except Exception:  # a plugin whose extra dependency is missing
            continue
        dests.update(o.dest for o in options)
    return frozenset(dests - common)


def _group(conf: cfg.ConfigOpts, section: str):
    try:
        return conf[section]
    except cfg.NoSuchOptError:
        return None


# -- a small INI scanner (independent of the project's parser) -------------

_SECTION = re.compile(r'^\[([^\]]+)\]\s*$')
_ENTRY = re.compile(r'^([A-Za-z0-9_.\-]+)\s*[=:]')


def scan(text: str) -> Iterator[tuple[str, str, int]]:
    """``(section, key, line)`` of every ``key = value`` line."""
    section = None
    for number, line in enumerate(text.splitlines(), 1):
        match = _SECTION.match(line)
        if match:
            section = match.group(1)
            continue
        match = _ENTRY.match(line)
        if match and section is not None:
            yield section, match.group(1), number


def sections(text: str) -> Iterator[tuple[str, int]]:
    for number, line in enumerate(text.splitlines(), 1):
        match = _SECTION.match(line)
        if match:
            yield match.group(1), number


# -- fault injection -------------------------------------------------------

KINDS = (
    'misspelt-option',
    'misspelt-group',
    'wrong-group',
    'bad-int',
    'out-of-range',
    'bad-bool',
    'bad-choice',
)
PER_KIND = 3


@dataclasses.dataclass(frozen=True)
class Fault:
    """One mistake put into a valid file, and what a checker should say."""

    file: str  # corpus name
    kind: str
    text: str  # the whole file with the mistake
    line: int
    code: str
    group: str  # where the mistake is, as written in the faulty file
    option: str | None
    suggestion: str | None  # None: any (or no) suggestion is right

    def describe(self) -> str:
        where = f'[{self.group}] {self.option or ""}'.strip()
        return f'{self.file}:{self.line}: {self.kind} {where}'


def _misspell(name: str, rng: random.Random) -> str:
    # Swap two adjacent letters away from the ends (typing slip).
    inner = [i for i in range(1, len(name) - 2) if name[i] != name[i + 1]]
    i = rng.choice(inner)
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]


def _replace_line(text: str, number: int, new: str) -> str:
    lines = text.split('\n')
    lines[number - 1] = new
    return '\n'.join(lines)


def faults(corpus_file: CorpusFile) -> list[Fault]:
    """Up to :data:`PER_KIND` faults of each kind for ``corpus_file``."""
    cat = catalog(corpus_file.namespaces)
    text = corpus_file.text()
    lines = text.split('\n')
    rng = random.Random(zlib.crc32(corpus_file.name.encode()))
    known = []  # (section, key, line, OptionInfo) of live options
    for section, key, number in scan(text):
        info = cat.option(section, key)
        if info is not None and info.name in (key, key.replace('-', '_')):
            known.append((section, key, number, info))
    found: list[Fault] = []

    def add(kind, text, line, code, group, option, suggestion):
        found.append(
            Fault(
                corpus_file.name,
                kind,
                text,
                line,
                code,
                group,
                option,
                suggestion,
            )
        )

    def pick(candidates):
        return rng.sample(candidates, min(PER_KIND, len(candidates)))

    # misspelt option: suggestion is the real name
    names = [k for k in known if len(k[1]) >= 6]
    for section, key, number, _info in pick(names):
        wrong = _misspell(key, rng)
        if cat.option(section, wrong) is not None:
            continue
        new = lines[number - 1].replace(key, wrong, 1)
        add(
            'misspelt-option',
            _replace_line(text, number, new),
            number,
            'unknown-option',
            section,
            wrong,
            key,
        )

    # misspelt group: only groups the catalog has by name (not dynamic)
    static = [
        (name, number)
        for name, number in sections(text)
        if name != 'DEFAULT' and len(name) >= 5 and cat.group(name)
    ]
    for name, number in pick(static):
        wrong = _misspell(name, rng)
        if cat.group(wrong) is not None:
            continue
        add(
            'misspelt-group',
            _replace_line(text, number, f'[{wrong}]'),
            number,
            'unknown-group',
            wrong,
            None,
            name,
        )

    # option in the wrong group: moved under another section of the file;
    # only options that live in exactly one group of the service
    headers = [
        (name, number)
        for name, number in sections(text)
        if cat.group(name) is not None
    ]

    def wrong_for(name, key):
        # neither an option there nor an old name of one (deprecated-name)
        return not cat.option(name, key) and not cat.replacement_for(name, key)

    movable = [
        k
        for k in known
        if cat.groups_with_option(k[1]) == [k[3].group]
        if any(name != k[0] and wrong_for(name, k[1]) for name, _ in headers)
    ]
    for section, key, number, info in pick(movable):
        targets = [
            (name, n)
            for name, n in headers
            if name != section and wrong_for(name, key)
        ]
        target, header_line = rng.choice(targets)
        moved = lines[number - 1]
        new_lines = lines[: number - 1] + lines[number:]
        at = header_line if header_line < number else header_line - 1
        new_lines.insert(at, moved)
        add(
            'wrong-group',
            '\n'.join(new_lines),
            at + 1,
            'unknown-option',
            target,
            key,
            f'[{info.group}] {key}',
        )

    # bad values, by the option's type
    def typed(predicate):
        return [k for k in known if predicate(k[3].opt.type)]

    def value_fault(kind, candidates, make_value):
        for section, key, number, _info in pick(candidates):
            add(
                kind,
                _replace_line(
                    text, number, f'{key} = {make_value(_info.opt.type)}'
                ),
                number,
                'invalid-value',
                section,
                key,
                None,
            )

    def is_int(t):
        return isinstance(t, types.Integer) and not t.choices

    value_fault('bad-int', typed(is_int), lambda t: 'ten')
    value_fault(
        'out-of-range',
        typed(lambda t: is_int(t) and t.min is not None),
        lambda t: str(t.min - 1),
    )
    value_fault(
        'bad-bool',
        typed(lambda t: isinstance(t, types.Boolean)),
        lambda t: 'ture',
    )
    value_fault(
        'bad-choice',
        typed(lambda t: isinstance(t, types.String) and t.choices),
        lambda t: 'no-such-choice',
    )
    return found


def detected(fault: Fault, findings) -> bool:
    """Whether ``findings`` report ``fault`` at its line, code, suggestion."""
    for finding in findings:
        if finding.line != fault.line or finding.code != fault.code:
            continue
        if fault.suggestion is None or finding.suggestion == fault.suggestion:
            return True
    return False
