"""Check one service's part of the corpus in a process of its own.

    python -m tests.realworld.config_check.worker SERVICE [--upstream]

Services register options on the global ``cfg.CONF`` when their option
modules are imported, and two services in one process collide (cinder and
glance both define ``[DEFAULT] enable_new_services``...), so the tests and
the benchmark run one process per service. Prints one JSON object:
``{file: result}`` where a result has the service's own verdict
(``service_error``), the findings of the library, the command line and
strict mode, and each injected fault with whether it was found. With
``--upstream``, ``oslo-config-validator``'s errors on the same inputs too.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import subprocess
import sys
import tempfile
import warnings

from tests.realworld.config_check import corpus


def _finding_dicts(findings) -> list[dict]:
    return [f.as_dict() for f in findings]


def _service_verdict(item) -> tuple[object, str | None]:
    try:
        return corpus.service_conf(item.namespaces, item.path), None
    except Exception as exc:  # the service would refuse the file
        return None, f'{type(exc).__name__}: {exc}'


def _cli(item) -> dict:
    from oslo_extras.cmd import config_check

    argv = [arg for ns in item.namespaces for arg in ('--namespace', ns)]
    argv += ['--config-file', item.path, '--format', 'json']
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = config_check.main(argv)
    findings = json.loads(out.getvalue()) if out.getvalue().strip() else []
    return {'status': status, 'findings': findings, 'stderr': err.getvalue()}


def _strict(conf) -> list[dict]:
    from oslo_extras.config import strict

    try:
        findings = strict.enable(conf, mode='error')
    except strict.StrictConfigError as exc:
        findings = exc.findings
    return _finding_dicts(findings)


def _strict_refuses(item, fault, tmp) -> bool:
    """Whether strict mode refuses the file with ``fault`` at its line."""
    from oslo_extras.config import strict

    path = os.path.join(tmp, 'strict-' + os.path.basename(item.name))
    with open(path, 'w') as stream:
        stream.write(fault.text)
    try:
        conf = corpus.service_conf(item.namespaces, path)
    except Exception:
        return True  # the service itself refuses it: so does strict mode
    try:
        strict.enable(conf, mode='error')
    except strict.StrictConfigError as exc:
        return any(
            f.line == fault.line and f.code == fault.code for f in exc.findings
        )
    return False


class _Upstream:
    """``oslo-config-validator`` on the same files, errors by (group, opt)."""

    def __init__(self, tmp: str) -> None:
        self.tmp = tmp
        self.opt_data: dict[str, dict] = {}

    def _data(self, item) -> tuple[str, dict]:
        key = '+'.join(item.generators).replace('/', '-')
        path = os.path.join(self.tmp, key + '.yaml')
        if key not in self.opt_data:
            import yaml

            args = [
                os.path.join(
                    os.path.dirname(sys.executable), 'oslo-config-generator'
                ),
                *(a for ns in item.namespaces for a in ('--namespace', ns)),
                '--format',
                'yaml',
                '--output-file',
                path,
            ]
            subprocess.run(args, check=True, stderr=subprocess.DEVNULL)
            loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
            with open(path) as stream:
                self.opt_data[key] = yaml.load(stream, loader)
        return path, self.opt_data[key]

    def errors(self, item, path: str) -> list[list[str]]:
        from oslo_config import cfg
        from oslo_config import validator

        data_path, data = self._data(item)
        records: list[logging.LogRecord] = []

        class Collect(logging.Handler):
            def emit(self, record):
                records.append(record)

        handler = Collect(logging.ERROR)
        logger = logging.getLogger(validator.__name__)
        logger.addHandler(handler)
        logger.setLevel(logging.ERROR)
        logger.propagate = False  # collected, not printed
        # The validator re-reads its YAML on every call (seconds for nova);
        # the harness hands it the same data, parsed once.
        original = validator.load_opt_data
        validator.load_opt_data = lambda conf: data
        try:
            conf = cfg.ConfigOpts()
            validator._register_cli_opts(conf)
            conf(['--opt-data', data_path, '--input-file', path])
            validator._validate(conf)
        finally:
            validator.load_opt_data = original
            logger.removeHandler(handler)
        return [list(r.args[:2]) for r in records if len(r.args or ()) >= 2]


def check_service(service: str, upstream: bool) -> dict:
    from oslo_extras.config.validate import Validator

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        theirs = _Upstream(tmp) if upstream else None
        items = [i for i in corpus.load() if i.service == service]
        strict_probe_done = False
        for item in items:
            validator = Validator(corpus.catalog(item.namespaces))
            conf, service_error = _service_verdict(item)
            result = {
                'service_error': service_error,
                'library': _finding_dicts(validator.validate([item.path])),
                'cli': _cli(item),
                'strict': None if conf is None else _strict(conf),
                'faults': [],
            }
            if theirs:
                result['upstream'] = theirs.errors(item, item.path)
            for index, fault in enumerate(corpus.faults(item)):
                path = os.path.join(
                    tmp, f'{index}-{os.path.basename(item.name)}'
                )
                with open(path, 'w') as stream:
                    stream.write(fault.text)
                findings = validator.validate([path])
                entry = {
                    'kind': fault.kind,
                    'where': fault.describe(),
                    'line': fault.line,
                    'group': fault.group,
                    'option': fault.option,
                    'found': corpus.detected(fault, findings),
                }
                if theirs:
                    entry['upstream'] = theirs.errors(item, path)
                if fault.kind == 'bad-int' and not strict_probe_done:
                    entry['strict_refuses'] = _strict_refuses(item, fault, tmp)
                    strict_probe_done = True
                result['faults'].append(entry)
            results[item.name] = result
    return results


def main(argv: list[str]) -> int:
    service = argv[0]
    upstream = '--upstream' in argv[1:]
    logging.basicConfig(level=logging.CRITICAL)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        results = check_service(service, upstream)
    json.dump(results, sys.stdout)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
