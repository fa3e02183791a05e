"""Demo: a config with typos and bad values is caught before startup."""

from __future__ import annotations

import os

from oslo_config import cfg

from oslo_extras.config import strict
from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.validate import Validator
from oslo_extras.demo import service

TITLE = 'Strict config validation (oslo-config-check, strict mode)'

BROKEN = """\
[DEFAULT]
devug = True
workers = notanint
bind_port = 99999

[database]
password = s3cr3t-demo-pw
pool_size = 0
[Database]
pool_szie = 3
"""

FIXED = """\
[DEFAULT]
debug = True
workers = 4

[database]
password = s3cr3t-demo-pw
"""


def _load(conf_path: str) -> cfg.ConfigOpts:
    conf = cfg.ConfigOpts()
    service.register(conf)
    conf(['--config-file', conf_path], project='demo')
    return conf


def run(workdir: str) -> bool:
    path = os.path.join(workdir, 'demo.conf')
    with open(path, 'w') as stream:
        stream.write(BROKEN)
    print(
        f'Checking {os.path.basename(path)} against the demo service '
        'options (what oslo-config-check does):'
    )
    catalog = OptionCatalog.from_conf(_load(path))
    findings = Validator(catalog).validate([path])
    for finding in findings:
        print('  ' + finding.as_text().replace(workdir + os.sep, ''))
    print('\nThe service starts in strict error mode and refuses the file:')
    try:
        strict.enable(_load(path), mode='error')
        refused = False
    except strict.StrictConfigError as exc:
        refused = True
        print(
            f'  StrictConfigError: {len(exc.findings)} finding(s); '
            'the password never appears:',
            's3cr3t' not in str(exc),
        )
    with open(path, 'w') as stream:
        stream.write(FIXED)
    clean = strict.enable(_load(path), mode='error') == []
    print(
        f'\nAfter the fix: {"no findings, service starts" if clean else "?"}'
    )
    return refused and clean and len(findings) >= 6
