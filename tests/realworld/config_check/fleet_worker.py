"""Check one service's corpus files with ``oslo-config-check --each``.

    python -m tests.realworld.config_check.fleet_worker SERVICE MODE [DIR]

MODE is ``no-cache`` (``--no-cache``), ``cache`` (the catalog cache in
``DIR``), ``export`` (write each namespace set's catalog with
``--export-opt-data`` into ``DIR``) or ``opt-data`` (check with those
exports alone, no ``--namespace``). One run per namespace set of the
service's files. Prints one JSON object: ``{"sets": {namespaces: {status,
findings}}, "imported": [top-level packages of the service in
sys.modules]}``, so a test can tell a warm run imported no service code.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import sys
import warnings

from tests.realworld.config_check import corpus


def _sets(service: str) -> dict[tuple[str, ...], list[str]]:
    found: dict[tuple[str, ...], list[str]] = {}
    for item in corpus.load():
        if item.service == service:
            found.setdefault(item.namespaces, []).append(item.path)
    return found


def export_path(directory: str, namespaces: tuple[str, ...]) -> str:
    digest = hashlib.sha256('\n'.join(namespaces).encode()).hexdigest()
    return os.path.join(directory, f'{digest[:16]}.yaml')


def _main(service: str, mode: str, directory: str | None) -> dict:
    from oslo_extras.cmd import config_check

    results = {}
    for namespaces, paths in _sets(service).items():
        argv = [a for ns in namespaces for a in ('--namespace', ns)]
        if mode == 'no-cache':
            argv.append('--no-cache')
        elif mode == 'cache':
            argv += ['--catalog-cache', directory]
        elif mode == 'export':
            argv += ['--no-cache', '--export-opt-data']
            argv.append(export_path(directory, namespaces))
        elif mode == 'opt-data':
            argv = ['--opt-data', export_path(directory, namespaces)]
        if mode != 'export':
            argv += ['--format', 'json', '--each', *paths]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = config_check.main(argv)
        text = out.getvalue().strip()
        results[' '.join(namespaces)] = {
            'status': status,
            'findings': json.loads(text) if text else [],
            'stderr': err.getvalue()[-2000:],
        }
    imported = sorted(
        {name.split('.')[0] for name in sys.modules}
        & {service, f'{service}_lib', f'{service}client'}
    )
    return {'sets': results, 'imported': imported}


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.CRITICAL)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        result = _main(argv[0], argv[1], argv[2] if len(argv) > 2 else None)
    json.dump(result, sys.stdout)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
