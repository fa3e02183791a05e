"""Demo: the database password comes from a secrets directory, not the file.

The service's ``.conf`` has no password; ``[DEFAULT] config_source`` points
at a ``secrets_dir`` source (the layout Kubernetes and Docker secrets use).
The step shows the value typed and located but masked, a rotation picked up
by ``refresh()``, a path escaping the directory refused, and a missing
directory stopping startup instead of leaving the password empty.
"""

from __future__ import annotations

import logging
import os

from oslo_config import cfg

from oslo_extras.config import masking
from oslo_extras.config import sources
from oslo_extras.demo import service

TITLE = 'Config source drivers: the password lives in a secrets directory'

PASSWORD = 'demo-db-pw-from-secrets-dir'


def _write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as stream:
        stream.write(text)
    os.chmod(path, 0o600)


def _conf(workdir: str, secrets: str, extra: str = '') -> cfg.ConfigOpts:
    path = os.path.join(workdir, 'demo.conf')
    with open(path, 'w') as stream:
        stream.write(
            '[DEFAULT]\nconfig_source = secrets\n\n'
            f'[secrets]\ndriver = secrets_dir\ndirectory = {secrets}\n' + extra
        )
    conf = cfg.ConfigOpts()
    service.register(conf)
    conf(['--config-file', path])
    return conf


def run(workdir: str) -> bool:
    # The failures below are on purpose: keep their log lines out of the
    # demo's output (the exceptions say the same), then restore the levels.
    loggers = [logging.getLogger(n) for n in ('oslo_extras', 'oslo_config')]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        return _run(workdir)
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _run(workdir: str) -> bool:
    secrets = os.path.join(workdir, 'secrets')
    _write(os.path.join(secrets, 'database', 'password'), PASSWORD + '\n')
    _write(os.path.join(secrets, 'database', 'pool_size'), '12\n')
    ok = True

    conf = _conf(workdir, secrets)
    sources.load(conf)
    location = conf.get_location('password', 'database').detail
    print('demo.conf has no password; [secrets] driver = secrets_dir')
    print(
        f'  [database] password  = {masking.display(PASSWORD, True)}'
        f'  (from {location})'
    )
    print(f'  [database] pool_size = {conf.database.pool_size!r} (an int)')
    ok &= conf.database.password == PASSWORD and conf.database.pool_size == 12

    _write(os.path.join(secrets, 'database', 'password'), 'rotated-pw\n')
    report = sources.refresh_all(conf)
    print(f'rotated the file; refresh() reports changed: {report.changed}')
    ok &= conf.database.password == 'rotated-pw'

    outside = os.path.join(workdir, 'outside')
    _write(outside, 'not-for-you')
    conf = _conf(
        workdir, secrets, 'mapping = database.connection:../outside\n'
    )
    try:
        sources.load(conf)
        print('!! a path escaping the directory was accepted')
        ok = False
    except sources.SourceError as exc:
        print(f'refused: {exc}')

    try:
        # The password is required, so conf() itself reads it and fails;
        # sources.load(conf) catches the other cases.
        sources.load(_conf(workdir, os.path.join(workdir, 'missing')))
        print('!! started without its password')
        ok = False
    except sources.SourceError as exc:
        print(f'startup stopped (fail closed): {exc}')
    return ok
