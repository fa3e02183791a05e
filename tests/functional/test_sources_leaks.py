"""One leak test for every source scenario: no secret value or token in
any log record (DEBUG, every logger: ours, hvac, urllib3, etcd3gw,
requests), exception text, traceback, repr, reload report or CLI output
(``oslo-config-check`` on source groups holding credentials)."""

# Session fixtures are imported and then requested by name.
# ruff: noqa: F811

import logging
import types

from tests.functional import source_scenarios
from tests.functional.servers.etcd import etcd  # noqa: F401
from tests.functional.servers.etcd import etcd_auth  # noqa: F401
from tests.functional.servers.etcd import etcd_tls  # noqa: F401
from tests.functional.servers.openbao import openbao  # noqa: F401
from tests.functional.servers.openbao import openbao_tls  # noqa: F401
from tests.functional.servers.postgres import postgres  # noqa: F401

LIBRARY_LOGGERS = ('hvac', 'urllib3', 'etcd3gw', 'requests', 'oslo_extras')


class _Everything(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter('%(name)s %(message)s'))
        self.lines = []

    def emit(self, record):
        # format() also renders exc_info and stack_info (tracebacks).
        self.lines.append(self.format(record))
        self.lines.append(repr(record.args))


def test_no_secret_anywhere(
    tmp_path, openbao, openbao_tls, etcd, etcd_auth, etcd_tls, postgres
):
    servers = types.SimpleNamespace(
        openbao=openbao,
        openbao_tls=openbao_tls,
        postgres=postgres,
        etcd=etcd,
        etcd_auth=etcd_auth,
        etcd_tls=etcd_tls,
    )
    handler = _Everything()
    root = logging.getLogger()
    saved = (
        root.level,
        {name: logging.getLogger(name).level for name in LIBRARY_LOGGERS},
    )
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    witness = source_scenarios.Witness()
    try:
        for scenario in source_scenarios.SCENARIOS:
            directory = tmp_path / scenario.__name__
            directory.mkdir()
            scenario(directory, servers, witness)
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)

    # The capture really saw the libraries' DEBUG records and our errors.
    text = '\n'.join(handler.lines)
    assert 'urllib3.connectionpool' in text
    assert 'oslo_extras.config.sources' in text
    assert len(witness.secrets) > 20
    shown = handler.lines + witness.texts
    # Report where, never what: the failure message must not leak either.
    # Also the forms a library quotes a value in: repr() escapes, and
    # stripped of surrounding whitespace (oslo.config's number types).
    forms = {
        form
        for secret in witness.secrets
        for form in (secret, secret.strip(), repr(secret)[1:-1])
        if len(form) >= 6
    }
    leaks = sorted(
        {
            line.replace(form, '<SECRET>')[:160]
            for form in forms
            for line in shown
            if form in line
        }
    )
    assert not leaks, leaks
