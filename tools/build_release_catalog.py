"""Build the release catalog: option renames and removals across releases.

For each package and OpenStack release in :data:`RELEASES`, downloads the
newest matching release from PyPI (``pip download --no-deps``), extracts its
options statically (the AST of every module: ``cfg.*Opt(...)`` calls, their
``deprecated_*`` arguments, and the group each list is registered under or
listed with), then diffs consecutive releases:

* an old name declared as ``deprecated_name``/``deprecated_opts`` of an
  option is a *rename* (kept after a later release drops the alias);
* an option present in one release and absent from the next, and not an
  old name of anything, is a *removal* in that next release, with the
  ``deprecated_reason`` of the last release that had it as the hint.

Static extraction, not import: old releases do not import on today's
Python. An option whose group cannot be resolved inside its module is left
out rather than guessed. Writes
``oslo_extras/config/migrate/data/release_catalog.json``::

    python tools/build_release_catalog.py [--cache DIR] [--only PACKAGE]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(
    ROOT, 'oslo_extras', 'config', 'migrate', 'data', 'release_catalog.json'
)

#: OpenStack release series, oldest first (the order of the catalog)
SERIES = [
    'icehouse', 'juno', 'kilo', 'liberty', 'mitaka', 'newton', 'ocata',
    'pike', 'queens', 'rocky', 'stein', 'train', 'ussuri', 'victoria',
    'wallaby', 'xena', 'yoga', 'zed', '2023.1', '2023.2', '2024.1',
    '2024.2', '2025.1',
]  # fmt: skip

#: package -> [(series, version prefix)]: the newest PyPI release whose
#: version starts with the prefix stands for the series
RELEASES = {
    'oslo.messaging': [
        ('icehouse', '1.3.'), ('juno', '1.4.'), ('kilo', '1.8.'),
        ('liberty', '2.5.'), ('mitaka', '4.6.'), ('newton', '5.10.'),
        ('ocata', '5.17.'), ('pike', '5.30.'), ('queens', '5.35.'),
        ('rocky', '8.1.'), ('stein', '9.5.'), ('train', '10.2.'),
        ('ussuri', '12.1.'), ('wallaby', '12.7.'), ('yoga', '12.13.'),
        ('2023.1', '14.2.'), ('2024.1', '14.7.'),
    ],
    'oslo.db': [
        ('juno', '1.0.'), ('kilo', '1.7.'), ('liberty', '2.6.'),
        ('mitaka', '4.7.'), ('newton', '4.13.'), ('ocata', '4.17.'),
        ('pike', '4.25.'), ('queens', '4.33.'), ('rocky', '4.40.'),
        ('stein', '4.46.'), ('train', '6.0.'), ('ussuri', '8.1.'),
        ('wallaby', '8.5.'), ('yoga', '11.2.'), ('2023.1', '12.3.'),
        ('2024.1', '15.0.'),
    ],
    'oslo.log': [
        ('kilo', '1.0.'), ('liberty', '1.11.'), ('mitaka', '3.2.'),
        ('newton', '3.16.'), ('ocata', '3.22.'), ('pike', '3.30.'),
        ('queens', '3.36.'), ('rocky', '3.39.'), ('stein', '3.42.'),
        ('train', '3.44.'), ('ussuri', '4.1.'), ('wallaby', '4.4.'),
        ('yoga', '4.7.'), ('2023.1', '5.1.'), ('2024.1', '5.5.'),
    ],
    'oslo.cache': [
        ('liberty', '0.7.'), ('mitaka', '1.6.'), ('newton', '1.14.'),
        ('ocata', '1.17.'), ('pike', '1.25.'), ('queens', '1.28.'),
        ('rocky', '1.30.'), ('stein', '1.33.'), ('train', '1.37.'),
        ('ussuri', '2.3.'), ('wallaby', '2.7.'), ('yoga', '2.10.'),
        ('2023.1', '3.3.'), ('2024.1', '3.7.'),
    ],
    'keystonemiddleware': [
        ('kilo', '1.5.'), ('liberty', '2.3.'), ('mitaka', '4.4.'),
        ('newton', '4.9.'), ('ocata', '4.14.'), ('pike', '4.17.'),
        ('queens', '4.21.'), ('rocky', '5.2.'), ('stein', '6.0.'),
        ('train', '7.0.'), ('ussuri', '9.0.'), ('wallaby', '9.2.'),
        ('yoga', '9.4.'), ('2023.1', '10.2.'), ('2024.1', '10.6.'),
    ],
    'nova': [
        ('ocata', '15.'), ('pike', '16.'), ('queens', '17.'),
        ('rocky', '18.'), ('stein', '19.'), ('train', '20.'),
        ('ussuri', '21.'), ('wallaby', '23.'), ('yoga', '25.'),
        ('2023.1', '27.'), ('2024.1', '29.'),
    ],
    'cinder': [
        ('ocata', '10.'), ('pike', '11.'), ('queens', '12.'),
        ('rocky', '13.'), ('stein', '14.'), ('train', '15.'),
        ('ussuri', '16.'), ('wallaby', '18.'), ('yoga', '20.'),
        ('2023.1', '22.'), ('2024.1', '24.'),
    ],
    'glance': [
        ('ocata', '14.'), ('pike', '15.'), ('queens', '16.'),
        ('rocky', '17.'), ('stein', '18.'), ('train', '19.'),
        ('ussuri', '20.'), ('wallaby', '22.'), ('yoga', '24.'),
        ('2023.1', '26.'), ('2024.1', '28.'),
    ],
    'neutron': [
        ('newton', '9.'), ('ocata', '10.'), ('pike', '11.'),
        ('queens', '12.'), ('rocky', '13.'), ('stein', '14.'),
        ('train', '15.'), ('ussuri', '16.'), ('wallaby', '18.'),
        ('yoga', '20.'), ('2023.1', '22.'), ('2024.1', '24.'),
    ],
    'keystone': [
        ('ocata', '11.'), ('pike', '12.'), ('queens', '13.'),
        ('rocky', '14.'), ('stein', '15.'), ('train', '16.'),
        ('ussuri', '17.'), ('wallaby', '19.'), ('yoga', '21.'),
        ('2023.1', '23.'), ('2024.1', '25.'),
    ],
}  # fmt: skip

OPT_CLASSES = {
    'Opt', 'StrOpt', 'BoolOpt', 'IntOpt', 'FloatOpt', 'ListOpt', 'DictOpt',
    'MultiOpt', 'MultiStrOpt', 'IPOpt', 'PortOpt', 'HostnameOpt',
    'HostAddressOpt', 'URIOpt',
}  # fmt: skip
REGISTER = {'register_opts', 'register_opt', 'register_cli_opts',
            'register_cli_opt'}  # fmt: skip


# -- static extraction ------------------------------------------------------


def _callee(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute):
            return func.attr
        if isinstance(func, ast.Name):
            return func.id
    return ''


def _text(node: ast.AST | None) -> str | None:
    """A string literal, or implicit/``+`` concatenations of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _text(node.left), _text(node.right)
        if left is not None and right is not None:
            return left + right
    if isinstance(node, ast.Call) and _callee(node) == '_' and node.args:
        return _text(node.args[0])  # i18n wrapper
    return None


def _kw(call: ast.Call, name: str, position: int | None = None):
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    if position is not None and len(call.args) > position:
        return call.args[position]
    return None


class _Module:
    """The options of one module, with the groups they are registered in.

    :param tree: the module's AST
    :param registry: ``{module basename: _Module}`` of the whole release,
        so ``impl_rabbit.rabbit_opts`` from another module resolves
    """

    def __init__(
        self, tree: ast.Module, registry: dict[str, _Module], name: str = ''
    ):
        self.tree = tree
        self.registry = registry
        self.strings: dict[str, str] = {}
        self.groups: dict[str, str] = {}
        self.lists: dict[str, list[dict]] = {}
        self.found: list[tuple[str, dict]] = []
        self.assigns = [n for n in ast.walk(tree) if isinstance(n, ast.Assign)]
        for node in self.assigns:  # names first: lists may refer to them
            for target in node.targets:
                if not isinstance(target, ast.Name):
                    continue
                text = _text(node.value)
                if text is not None:
                    self.strings[target.id] = text
                elif '__name__' in ast.unparse(node.value):
                    # keystone: GROUP_NAME = __name__.split('.')[-1]
                    self.strings[target.id] = name
                if _callee(node.value) == 'OptGroup':
                    name = _text(_kw(node.value, 'name', 0))
                    if name:
                        self.groups[target.id] = name

    def collect_lists(self) -> None:
        """Bind list names to options (call again to follow other lists)."""
        for node in self.assigns:
            opts = self.opts(node.value)
            if opts:
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.lists[target.id] = opts

    def scan(self) -> None:
        """Find where the options are registered or listed, with groups."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and _callee(node) in REGISTER:
                if not node.args:
                    continue
                group = _kw(node, 'group', 1)
                name = 'DEFAULT' if group is None else self.group(group)
                if name:
                    for opt in self.opts(node.args[0]):
                        self.found.append((name, opt))
            elif isinstance(node, ast.Tuple) and len(node.elts) == 2:
                self._pair(*node.elts)
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if key is not None:
                        self._pair(key, value)

    def _pair(self, first: ast.AST, second: ast.AST) -> None:
        if isinstance(first, ast.Constant) and first.value is None:
            name = 'DEFAULT'
        else:
            name = self.group(first)
        for opt in self.opts(second) if name else []:
            self.found.append((name, opt))

    def group(self, node: ast.AST) -> str | None:
        text = _text(node)
        if text is not None:
            return text
        if isinstance(node, ast.Name):
            return self.groups.get(node.id) or self.strings.get(node.id)
        if isinstance(node, ast.Attribute) and node.attr == 'name':
            if isinstance(node.value, ast.Name):
                return self.groups.get(node.value.id)
        if isinstance(node, ast.Attribute) and isinstance(
            node.value, ast.Name
        ):  # another module's constant: _base.AUTHTOKEN_GROUP
            other = self.registry.get(node.value.id)
            if other is not None and other is not self:
                return other.groups.get(node.attr) or other.strings.get(
                    node.attr
                )
        if _callee(node) == 'OptGroup':
            return _text(_kw(node, 'name', 0))
        return None

    def opts(self, node: ast.AST) -> list[dict]:
        if isinstance(node, ast.Call) and _callee(node) in OPT_CLASSES:
            opt = _opt(node)
            return [opt] if opt else []
        if isinstance(node, (ast.List, ast.Tuple)):
            return [o for elt in node.elts for o in self.opts(elt)]
        if isinstance(node, ast.Name):
            return list(self.lists.get(node.id, ()))
        if isinstance(node, ast.Attribute) and isinstance(
            node.value, ast.Name
        ):
            other = self.registry.get(node.value.id)
            if other is not None and other is not self:
                return list(other.lists.get(node.attr, ()))
            return []
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.opts(node.left) + self.opts(node.right)
        if isinstance(node, ast.Call) and _callee(node) in (
            'chain',
            'list',
            'deepcopy',
            'tuple',
        ):
            return [o for arg in node.args for o in self.opts(arg)]
        if isinstance(node, ast.Starred):
            return self.opts(node.value)
        return []


def _opt(call: ast.Call) -> dict | None:
    name = _text(_kw(call, 'name', 0))
    if not name:
        return None
    old: list[tuple[str | None, str | None]] = []
    dname = _text(_kw(call, 'deprecated_name'))
    dgroup = _text(_kw(call, 'deprecated_group'))
    if dname or dgroup:
        old.append((dgroup, dname))
    deps = _kw(call, 'deprecated_opts')
    if isinstance(deps, (ast.List, ast.Tuple)):
        for dep in deps.elts:
            if _callee(dep) == 'DeprecatedOpt':
                old.append(
                    (_text(_kw(dep, 'group', 1)), _text(_kw(dep, 'name', 0)))
                )
    removal = _kw(call, 'deprecated_for_removal')
    reason = _text(_kw(call, 'deprecated_reason')) or ''
    return {
        'name': name,
        'old': old,
        'removal': isinstance(removal, ast.Constant) and removal.value is True,
        'reason': ' '.join(reason.split())[:300],
    }


def _group(name: str) -> str:
    return name if name.upper() == 'DEFAULT' else name.lower()


def extract(root: str) -> dict[tuple[str, str], dict]:
    """Return ``{(group, name): option}`` of the tree at ``root``."""
    registry: dict[str, _Module] = {}
    modules: list[_Module] = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in ('tests', 'test', 'doc')]
        for file_name in sorted(files):
            if not file_name.endswith('.py'):
                continue
            path = os.path.join(directory, file_name)
            try:
                with open(path, encoding='utf-8', errors='replace') as stream:
                    tree = ast.parse(stream.read())
            except SyntaxError:
                continue  # Python 2 only code
            module = _Module(tree, registry, file_name[:-3])
            # By basename, as modules import each other (``_options``);
            # the first of a name wins.
            registry.setdefault(file_name[:-3], module)
            modules.append(module)
    for _ in range(3):  # lists made of other modules' lists
        for module in modules:
            module.collect_lists()
    options: dict[tuple[str, str], dict] = {}
    for module in modules:
        module.scan()
        for group, opt in module.found:
            dest = opt['name'].replace('-', '_')
            options.setdefault((_group(group), dest), opt)
    return options


def old_names(group: str, opt: dict) -> list[tuple[str, str]]:
    """The ``(group, name)`` spellings oslo.config reads as old names."""
    out = []
    dest = opt['name'].replace('-', '_')
    for old_group, old_name in opt['old']:
        spelled = (_group(old_group or group), old_name or dest)
        if spelled != (group, dest) and spelled not in out:
            out.append(spelled)
            if '-' in spelled[1]:
                out.append((spelled[0], spelled[1].replace('-', '_')))
    return out


# -- downloading ------------------------------------------------------------


def _versions(package: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, '-m', 'pip', 'index', 'versions', package],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r'Available versions: (.*)', out)
    return [v.strip() for v in match.group(1).split(',')] if match else []


def _pick(versions: list[str], prefix: str) -> str | None:
    def key(version: str):
        return [int(p) if p.isdigit() else 0 for p in version.split('.')]

    matching = [
        v
        for v in versions
        if v.startswith(prefix) and re.fullmatch(r'[0-9.]+', v)
    ]
    return max(matching, key=key) if matching else None


def _download(package: str, version: str, cache: str) -> str:
    target = os.path.join(cache, f'{package}-{version}')
    if os.path.isdir(target):
        return target
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, '-m', 'pip', 'download', '--no-deps',
             '--only-binary', ':all:', '--quiet', '-d', tmp,
             f'{package}=={version}'],
            check=False,
        )  # fmt: skip
        files = os.listdir(tmp)
        if not files:
            subprocess.run(
                [sys.executable, '-m', 'pip', 'download', '--no-deps',
                 '--no-binary', ':all:', '--quiet',
                 '-d', tmp, f'{package}=={version}'],
                check=True,
            )  # fmt: skip
            files = os.listdir(tmp)
        archive = os.path.join(tmp, files[0])
        os.makedirs(target + '.part', exist_ok=True)
        if archive.endswith(('.whl', '.zip')):
            with zipfile.ZipFile(archive) as zipped:
                names = [n for n in zipped.namelist() if n.endswith('.py')]
                zipped.extractall(target + '.part', names)
        else:
            with tarfile.open(archive) as tarred:
                members = [m for m in tarred if m.name.endswith('.py')]
                tarred.extractall(target + '.part', members, filter='data')
        os.rename(target + '.part', target)
    return target


# -- diffing ----------------------------------------------------------------


def diff(package: str, releases: list[tuple[str, str, dict]]):
    """Renames and removals of ``package`` over its releases.

    :param releases: ``[(series, version, options)]``, oldest first
    """
    renames: dict[tuple[str, str], dict] = {}
    removals: dict[tuple[str, str], dict] = {}
    for series, _version, options in releases:
        for (group, dest), opt in options.items():
            for old in old_names(group, opt):
                if old in options or old in renames:
                    continue
                renames[old] = {
                    'package': package,
                    'old_group': old[0],
                    'old_name': old[1],
                    'new_group': group,
                    'new_name': dest,
                    'release': series,
                }
    for (series, _v, before), (next_series, _n, after) in zip(
        releases, releases[1:], strict=False
    ):
        for key, opt in before.items():
            if key in after or key in renames or key in removals:
                continue
            removals[key] = {
                'package': package,
                'group': key[0],
                'name': key[1],
                'release': next_series,
                'last_release': series,
                'hint': opt['reason'],
            }
    return list(renames.values()), list(removals.values())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--cache',
        default=os.path.join(
            tempfile.gettempdir(), 'oslo-extras-release-catalog'
        ),
    )
    parser.add_argument('--only', action='append')
    parser.add_argument('--output', default=OUTPUT)
    args = parser.parse_args(argv)
    os.makedirs(args.cache, exist_ok=True)
    catalog = {
        'generated_by': 'tools/build_release_catalog.py',
        'series': SERIES,
        'packages': {},
        'renames': [],
        'removals': [],
    }
    if args.only and os.path.exists(args.output):
        with open(args.output) as stream:
            previous = json.load(stream)
        for key in ('packages', 'renames', 'removals'):
            keep = previous[key]
            if key == 'packages':
                catalog[key] = {
                    k: v for k, v in keep.items() if k not in args.only
                }
            else:
                catalog[key] = [
                    e for e in keep if e['package'] not in args.only
                ]
    for package, wanted in RELEASES.items():
        if args.only and package not in args.only:
            continue
        versions = _versions(package)
        releases = []
        for series, prefix in wanted:
            version = _pick(versions, prefix)
            if version is None:
                print(
                    f'{package} {series}: no {prefix}* on PyPI',
                    file=sys.stderr,
                )
                continue
            try:
                root = _download(package, version, args.cache)
            except (subprocess.CalledProcessError, OSError) as exc:
                print(f'{package}=={version}: {exc}', file=sys.stderr)
                continue
            options = extract(root)
            print(
                f'{package} {series} {version}: {len(options)} options',
                file=sys.stderr,
            )
            releases.append((series, version, options))
        renames, removals = diff(package, releases)
        catalog['packages'][package] = [
            {'series': s, 'version': v, 'options': len(o)}
            for s, v, o in releases
        ]
        catalog['renames'] += renames
        catalog['removals'] += removals
    for key in ('renames', 'removals'):
        catalog[key].sort(key=lambda e: json.dumps(e, sort_keys=True))
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, 'w') as stream:
        json.dump(catalog, stream, indent=1, sort_keys=True)
        stream.write('\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
