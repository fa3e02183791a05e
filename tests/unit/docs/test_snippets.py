"""Every literal block of README.rst and specs/*.rst runs, as written.

Each block is matched by its first line to one way of running it:

* Python: executed with only the names the text leaves to the reader
  (``CONF``, ``target``...) defined first, and paths under ``/etc``
  pointed at a temporary directory;
* INI: written to a file and checked by the ``oslo-config-check`` rules
  against the options it names (config source drivers included): no
  error;
* ``oslo-*`` command lines: parsed by the tool's own parser (every flag
  exists and takes the value shown), ``python3 run.py`` jobs exist;
* sample output: the lines have the shape the tool prints.

A new block that matches nothing fails ``test_every_snippet_is_run``.
Snippets that need a real broker run in tests/functional.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
import textwrap

import pytest
from oslo_config import cfg
from oslo_config import fixture as config_fixture

from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.validate import Validator
from tests.unit.docs import snippets

SNIPPETS = snippets.all_snippets()


# ---------------------------------------------------------------- Python


def _run_python(snippet, namespace, tmp_path, replace=()):
    code = snippet.text
    for old, new in replace:
        assert old in code, f'{snippet.id}: {old!r} no longer in the snippet'
        code = code.replace(old, new)
    exec(compile(code, snippet.id, 'exec'), namespace)
    return namespace


def _conf(tmp_path, text=''):
    path = tmp_path / 'svc.conf'
    path.write_text(text)
    return str(path)


def py_strict(snippet, tmp_path, monkeypatch):
    from oslo_extras.config.strict import StrictConfigError

    path = _conf(tmp_path, '[DEFAULT]\ndebug = true\n')
    monkeypatch.setattr(sys, 'argv', ['svc', '--config-file', path])
    _run_python(snippet, {'sys': sys, 'CONF': cfg.ConfigOpts()}, tmp_path)
    # The same lines stop a service whose file has a typo.
    _conf(tmp_path, '[DEFAULT]\ndebgu = true\n')
    with pytest.raises(StrictConfigError, match='debgu'):
        _run_python(snippet, {'sys': sys, 'CONF': cfg.ConfigOpts()}, tmp_path)


def py_sources(snippet, tmp_path, monkeypatch):
    secrets = tmp_path / 'secrets'
    (secrets / 'database').mkdir(parents=True)
    (secrets / 'database' / 'password').write_text('s3cret\n')
    os.chmod(secrets / 'database' / 'password', 0o600)
    path = _conf(
        tmp_path,
        '[DEFAULT]\nconfig_source = secrets\n'
        f'[secrets]\ndriver = secrets_dir\ndirectory = {secrets}\n',
    )
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.StrOpt('password', secret=True), group='database')
    monkeypatch.setattr(sys, 'argv', ['nova', '--config-file', path])
    ns = _run_python(snippet, {'sys': sys, 'CONF': conf}, tmp_path)
    assert conf.database.password == 's3cret'
    # Where the value came from, as the README says (never the value).
    location = conf.get_location('password', 'database')
    assert location.detail.startswith('secrets_dir:')
    assert 's3cret' not in location.detail
    assert ns['report'].failed == []


def py_migration_plugin(snippet, tmp_path, monkeypatch):
    from oslo_extras.config.migrate.plugins import Migration

    ns = _run_python(snippet, {}, tmp_path)
    assert issubclass(ns['DropFoo'], Migration)


def py_migrate_api(snippet, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'svc.conf').write_text('[DEFAULT]\nlogfile = /var/log/a\n')
    (tmp_path / 'svc.conf.d').mkdir()
    catalog = OptionCatalog.from_namespaces(['oslo.log'])
    _run_python(snippet, {'catalog': catalog}, tmp_path)
    assert 'log_file = /var/log/a' in (tmp_path / 'svc.conf').read_text()
    assert (tmp_path / 'svc.conf.orig').exists()


def _reloader_namespace(tmp_path, monkeypatch):
    calls = []
    return {'set_log_level': lambda: calls.append(1)}


def py_reloader(snippet, tmp_path, monkeypatch):
    path = _conf(tmp_path, '[DEFAULT]\ndebug = false\n')
    ns = _run_python(
        snippet,
        _reloader_namespace(tmp_path, monkeypatch),
        tmp_path,
        replace=[('/etc/svc/svc.conf', path)],
    )
    try:
        assert ns['report'] is not None
        assert 'config reload' in ns['report'].as_text()
    finally:
        ns['reloader'].stop()


def py_consistent(snippet, tmp_path, monkeypatch):
    from oslo_extras.config.reload import Reloader

    conf = cfg.ConfigOpts()
    conf.register_opts(
        [
            cfg.StrOpt('user', mutable=True),
            cfg.StrOpt('password', mutable=True),
        ],
        group='database',
    )
    conf(['--config-file', _conf(tmp_path, '[database]\nuser = u\n')])
    reloader = Reloader(conf)
    ns = _run_python(snippet, {'reloader': reloader}, tmp_path)
    assert ns['user'] == 'u'
    assert ns['snap'].database.user == 'u'


def py_reload_opts(snippet, tmp_path, monkeypatch):
    conf = cfg.ConfigOpts()
    path = _conf(tmp_path, '[config_reload]\ntriggers = poll\n')
    monkeypatch.setattr(sys, 'argv', ['svc', '--config-file', path])
    ns = _run_python(snippet, {'sys': sys, 'CONF': conf}, tmp_path)
    try:
        assert conf.config_reload.triggers == ['poll']
    finally:
        ns['reloader'].stop()


def py_policy_defaults(snippet, tmp_path, monkeypatch):
    ns = _run_python(snippet, {}, tmp_path)
    names = {rule.name for rule in ns['list_rules']()}
    assert names == {'admin_required', 'demo:widgets:delete'}
    assert callable(ns['get_enforcer'])


def py_safe_enforcer(snippet, tmp_path, monkeypatch):
    from oslo_extras.demo._policy_service import list_rules

    conf = cfg.ConfigOpts()
    conf([])
    ns = _run_python(
        snippet,
        {
            'CONF': conf,
            'list_rules': list_rules,
            'target': {'project_id': 'p1', 'user_id': 'alice'},
            'context': {'roles': ['admin'], 'project_id': 'p1'},
        },
        tmp_path,
    )
    assert ns['enforcer'].enforce(
        'demo:widgets:delete', ns['target'], ns['context']
    )


PYTHON = {
    'from oslo_extras.config import strict': py_strict,
    'from oslo_extras.config import sources': py_sources,
    'from oslo_extras.config.migrate.plugins import Migration': (
        py_migration_plugin
    ),
    'from oslo_extras.config import migrate': py_migrate_api,
    'from oslo_config import cfg': py_reloader,
    'with reloader.consistent() as conf:': py_consistent,
    'from oslo_extras.config.reload import opts as reload_opts': (
        py_reload_opts
    ),
    'from oslo_extras.policy import defaults': py_policy_defaults,
    'from oslo_extras.policy.runtime import SafeEnforcer': py_safe_enforcer,
}
# Need a message broker: run against RabbitMQ in
# tests/functional/test_snippets_messaging.py.
FUNCTIONAL = {
    'import oslo_messaging',
    'transport = messaging.get_rpc_transport(conf)',
    "rabbitmqctl list_queues name messages | grep '\\.dead'",
    '# The client above, its broker unreachable for longer than the TTL:',
    # Run as the demo's --oslo-service --reload-in-worker mode by
    # tests/functional/test_reload_triggers.py.
    'class MyService(service.Service):',
}


# ------------------------------------------------------------------- INI


def ini_checked(snippet, tmp_path, monkeypatch):
    path = tmp_path / 'snippet.conf'
    path.write_text(snippet.text)
    namespaces = ['oslo_extras']
    if 'config_source' in snippet.text:
        # The drivers' options come with oslo.config's namespace.
        namespaces.append('oslo.config')
    catalog = OptionCatalog.from_namespaces(namespaces)
    findings = Validator(catalog).validate([str(path)])
    errors = [f.as_text() for f in findings if f.is_error]
    assert errors == [], snippet.id


# ---------------------------------------------------------- command lines


def _commands(text):
    joined = text.replace('\\\n', ' ')
    for line in joined.splitlines():
        line = line.split(' # ', 1)[0].split(';', 1)[0].strip()
        if line.startswith('oslo-'):
            yield shlex.split(line)


def cli_parsed(snippet, tmp_path, monkeypatch):
    from oslo_extras.cmd import config_check
    from oslo_extras.cmd import config_migrate
    from oslo_extras.cmd import policy_delta

    tools = {
        'oslo-config-check': config_check,
        'oslo-config-migrate': config_migrate,
        'oslo-policy-delta': policy_delta,
    }
    commands = list(_commands(snippet.text))
    assert commands, snippet.id
    for prog, *args in commands:
        # '...' stands for the arguments of the command shown above.
        args = [a for a in args if a != '...']
        tools[prog].build_parser().parse_args(args)


def run_py_jobs(snippet, tmp_path, monkeypatch):
    with open(os.path.join(snippets.ROOT, 'run.py')) as stream:
        source = stream.read()
    for line in snippet.text.splitlines():
        job = line.split()[2]
        assert f"'{job}'" in source, f'run.py has no job {job!r}'


# ----------------------------------------------------------- sample output

FINDING = re.compile(
    r'^\S+:\d+: \[\w+\] \w+: .+ \[(error|warning): [a-z-]+\]$'
)


def output_findings(snippet, tmp_path, monkeypatch):
    cli_parsed(snippet, tmp_path, monkeypatch)
    lines = [
        line
        for line in snippet.text.replace('\\\n', ' ').splitlines()
        if line.strip()
        and not line.startswith('oslo-')
        and not line.startswith('    ')
    ]
    assert lines and all(FINDING.match(line) for line in lines), lines


def output_reload_report(snippet, tmp_path, monkeypatch):
    lines = snippet.text.splitlines()
    assert lines[0].startswith('config reload (watch) applied, generation')
    assert any('rejected, old config kept' in line for line in lines)


HANDLERS = {
    **PYTHON,
    '[DEFAULT]': ini_checked,
    '[oslo_extras_policy]': ini_checked,
    '[config_reload]': ini_checked,
    'oslo-config-check --namespace nova.conf --namespace oslo.log \\': (
        output_findings
    ),
    'oslo-config-migrate --namespace nova.conf': cli_parsed,
    '# what the enforcer really uses, and where each rule comes from': (
        cli_parsed
    ),
    'python3 run.py demo': run_py_jobs,
    'config reload (watch) applied, generation 1:': output_reload_report,
}


def _handler(snippet):
    for prefix, handler in HANDLERS.items():
        if snippet.first_line.startswith(prefix.rstrip('\\').strip()):
            return handler
    return None


def test_every_snippet_is_run():
    unknown = [
        s.id
        for s in SNIPPETS
        if _handler(s) is None
        and not any(s.first_line.startswith(f) for f in FUNCTIONAL)
    ]
    assert unknown == [], 'add these snippets to test_snippets.py'


def _params():
    return [
        pytest.param(snippet, id=snippet.id)
        for snippet in SNIPPETS
        if _handler(snippet)
    ]


@pytest.mark.parametrize('snippet', _params())
def test_snippet_runs_as_written(snippet, tmp_path, monkeypatch):
    fixture = config_fixture.Config(cfg.ConfigOpts())
    fixture.setUp()
    try:
        _handler(snippet)(snippet, tmp_path, monkeypatch)
    finally:
        fixture.cleanUp()


def test_extract_finds_nested_blocks():
    text = textwrap.dedent(snippets.extract('README.rst')[0].text)
    assert text.startswith('python3 run.py demo')
