"""The strict validation engine, on real library namespaces."""

import json
import logging

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from oslo_config import cfg

from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.checks import Check
from oslo_extras.config.findings import ERROR
from oslo_extras.config.validate import Validator

CLEAN = """
[DEFAULT]
debug = true
log_file = /var/log/svc.log
transport_url = rabbit://svc:Rabbit-Secret-1@broker:5672/
rpc_response_timeout = 90
control_exchange = svc

[oslo_messaging_rabbit]
heartbeat_timeout_threshold = 60
rabbit_quorum_queue = true

[oslo_policy]
policy_file = policy.yaml
enforce_new_defaults = true

[database]
connection = mysql+pymysql://svc:Db-Secret-2@db/svc
max_pool_size = 10

[keystone_authtoken]
auth_type = password
auth_url = http://keystone:5000/v3
username = svc
password = Ks-Secret-3
user_domain_name = Default
project_name = service
project_domain_name = Default
www_authenticate_uri = http://keystone:5000

[key_manager]
backend = barbican
"""

# (text added at the end of the [DEFAULT] section, code expected)
SECRETS = ('Rabbit-Secret-1', 'Db-Secret-2', 'Ks-Secret-3')


def _codes(findings):
    return sorted((f.line, f.code) for f in findings)


def _line_of(text, needle):
    return text.split('\n').index(needle) + 1


def _inject(text, section, line):
    """Add ``line`` as the last line of ``section``."""
    start = text.index(section + '\n')
    end = text.find('\n\n', start)
    end = len(text.rstrip('\n')) if end < 0 else end
    return text[:end] + '\n' + line + text[end:]


@pytest.fixture
def validator(real_catalog):
    return Validator(real_catalog)


def test_clean_config_has_no_finding(validator, write):
    path = write('svc.conf', CLEAN)
    assert validator.validate([path]) == []


FAULTS = [
    ('[DEFAULT]', 'devug = True', 'unknown-option', 'debug'),
    ('[DEFAULT]', 'rpc_ping_enabled = soon', 'invalid-value', None),
    ('[DEFAULT]', 'executor_thread_pool_size = 1.5', 'invalid-value', None),
    (
        '[oslo_messaging_rabbit]',
        'rabbit_qos_prefetch_count = many',
        'invalid-value',
        None,
    ),
    (
        '[oslo_messaging_rabbit]',
        'rabbit_login_method = NOPE',
        'invalid-value',
        None,
    ),
    ('[database]', 'max_retries = -1', None, None),
    ('[DEFAULT]', 'logdir = /var/log', 'deprecated-name', '[DEFAULT] log_dir'),
    ('[DEFAULT]', 'log-dir = /var/log', 'unknown-option', 'log_dir'),
    ('[DEFAULT]', 'debug = false', 'duplicate-option', None),
    ('[oslo_policy]', 'polcy_file = x.yaml', 'unknown-option', 'policy_file'),
    (
        '[oslo_messaging_rabbit]',
        'rpc_response_timeout = 5',
        'unknown-option',
        '[DEFAULT] rpc_response_timeout',
    ),
    ('[keystone_authtoken]', 'usernme = svc', 'unknown-option', 'username'),
    (
        '[keystone_authtoken]',
        'memcache_pool_socket_timeout = x',
        'invalid-value',
        None,
    ),
]


@pytest.mark.parametrize('section, line, code, suggestion', FAULTS)
def test_each_injected_fault_is_reported_on_its_line(
    validator, write, section, line, code, suggestion
):
    text = _inject(CLEAN, section, line)
    path = write('svc.conf', text)

    findings = validator.validate([path])

    if code is None:  # a value the option accepts: no finding at all
        assert findings == []
        return
    assert _codes(findings) == [(_line_of(text.lstrip('\n'), line), code)]
    assert findings[0].file == path
    assert findings[0].suggestion == suggestion


def test_all_faults_at_once_each_on_its_own_line(validator, write):
    text = CLEAN
    for section, line, _code, _s in FAULTS:
        text = _inject(text, section, line)
    text = text.lstrip('\n')
    path = write('svc.conf', text)

    findings = validator.validate([path])

    expected = sorted(
        (_line_of(text, line), code) for _s, line, code, _ in FAULTS if code
    )
    assert _codes(findings) == expected


def test_unknown_group_and_wrong_case(validator, write):
    path = write(
        'svc.conf',
        CLEAN + '\n[databse]\nx = 1\n[Default]\n'
        'debug = true\n[OSLO_POLICY]\npolicy_file = p.yaml\n',
    )
    findings = {f.code: f for f in validator.validate([path])}
    assert findings['unknown-group'].suggestion == 'database'
    assert findings['unknown-group'].group == 'databse'
    case = [f for f in validator.validate([path]) if f.code == 'group-case']
    assert [(f.group, f.severity, f.suggestion) for f in case] == [
        ('Default', 'error', 'DEFAULT'),
        ('OSLO_POLICY', 'warning', 'oslo_policy'),
    ]


def test_hyphenated_names_are_ignored_by_oslo_config(validator, write):
    path = write('a.conf', '[DEFAULT]\nlog-file = /tmp/x.log\n')
    found = validator.validate([path])
    assert [(f.line, f.code, f.suggestion) for f in found] == [
        (2, 'unknown-option', 'log_file')
    ]
    assert 'ignored' in found[0].message
    conf = cfg.ConfigOpts()
    conf.register_cli_opt(cfg.StrOpt('log-file'))
    conf(['--config-file', path])
    assert conf.log_file is None  # what the finding says


def test_range_and_choices(write):
    conf = cfg.ConfigOpts()
    conf.register_opts(
        [
            cfg.IntOpt('workers', min=1, max=64),
            cfg.PortOpt('bind_port'),
            cfg.StrOpt('mode', choices=['fast', 'safe']),
            cfg.StrOpt('region', regex=r'^[A-Z][a-z]+$'),
            cfg.IPOpt('bind_host'),
            cfg.URIOpt('endpoint'),
            cfg.DictOpt('tags'),
            cfg.FloatOpt('ratio', min=0.0, max=1.0),
        ]
    )
    validator = Validator(OptionCatalog.from_conf(conf))
    bad = write(
        'bad.conf',
        """
        [DEFAULT]
        workers = 0
        bind_port = 70000
        mode = turbo
        region = paris
        bind_host = 300.1.1.1
        endpoint = not a uri
        tags = a:1,b
        ratio = 1.5
        """,
    )
    good = write(
        'good.conf',
        """
        [DEFAULT]
        workers = 64
        bind_port = 8080
        mode = safe
        region = Paris
        bind_host = 10.0.0.1
        endpoint = https://example.com/v1
        tags = a:1,b:2
        ratio = 0.25
        """,
    )
    assert _codes(validator.validate([bad])) == [
        (n, 'invalid-value') for n in range(2, 10)
    ]
    assert validator.validate([good]) == []


def test_required_option(write):
    conf = cfg.ConfigOpts()
    conf.register_opt(
        cfg.StrOpt('connection', required=True), group='database'
    )
    validator = Validator(OptionCatalog.from_conf(conf))
    missing = write('a.conf', '[DEFAULT]\n')
    found = validator.validate([missing])
    assert [(f.code, f.group, f.option, f.severity) for f in found] == [
        ('required-option', 'database', 'connection', ERROR)
    ]
    given_ = write('b.conf', '[database]\nconnection = sqlite://\n')
    assert validator.validate([given_]) == []


def test_deprecated_for_removal_is_a_warning(write):
    conf = cfg.ConfigOpts()
    conf.register_opt(
        cfg.BoolOpt(
            'use_stderr',
            deprecated_for_removal=True,
            deprecated_since='Z',
            deprecated_reason='Use a log handler.',
        )
    )
    validator = Validator(OptionCatalog.from_conf(conf))
    path = write('a.conf', '[DEFAULT]\nuse_stderr = 1\n')
    found = validator.validate([path])
    assert [(f.code, f.severity) for f in found] == [
        ('deprecated-for-removal', 'warning')
    ]
    assert 'since Z: Use a log handler.' in found[0].message


def test_live_option_that_is_also_an_old_alias_is_not_deprecated(
    validator, write
):
    # castellan: [key_manager] auth_url is live and an old name of
    # [barbican] auth_endpoint.
    path = write('a.conf', '[key_manager]\nauth_url = http://ks/v3\n')
    assert validator.validate([path]) == []


def test_config_source_groups_are_checked_not_flagged(validator, write):
    path = write(
        'a.conf',
        """
        [DEFAULT]
        config_source = remote, ghost

        [remote]
        driver = remote_file
        uri = https://cfg.example.com/a.conf
        urii = typo

        [ghost]
        driver = no_such_driver
        """,
    )
    found = validator.validate([path])
    assert [(f.line, f.code, f.suggestion) for f in found] == [
        (7, 'unknown-option', 'uri'),
        (10, 'unknown-driver', None),
    ]


def test_multi_file_and_config_dir_precedence(validator, write, tmp_path):
    first = write('a.conf', '[DEFAULT]\nrpc_response_timeout = 10\n')
    confd = tmp_path / 'conf.d'
    write('20-b.conf', '[DEFAULT]\ndebug = yes\n', directory=confd)
    write('10-a.conf', '[DEFAULT]\ndebug = nope\n', directory=confd)
    write('ignored.txt', '[DEFAULT]\ndebug = nope\n', directory=confd)

    found = validator.validate([first], [str(confd)])

    assert [(f.file.rsplit('/', 1)[-1], f.line, f.code) for f in found] == [
        ('10-a.conf', 2, 'invalid-value')
    ]
    # The same option in two files is normal precedence, not a duplicate.
    from oslo_extras.config.configset import ConfigSet

    config = ConfigSet.load([first], [str(confd)])
    assert config.raw('DEFAULT', 'debug') == 'yes'
    assert [p.rsplit('/', 1)[-1] for p in config.paths] == [
        'a.conf',
        '10-a.conf',
        '20-b.conf',
    ]


def test_old_name_in_later_file_beats_new_name_in_earlier(real_catalog, write):
    from oslo_extras.config.configset import ConfigSet

    a = write(
        'a.conf',
        '[DEFAULT]\nexecutor_thread_pool_size = 4\nrpc_thread_pool_size = 5\n',
    )
    b = write('b.conf', '[DEFAULT]\nrpc_thread_pool_size = 6\n')
    config = ConfigSet.load([a])
    used = config.effective_entry(
        'DEFAULT', 'executor_thread_pool_size', real_catalog
    )
    assert used.value == '4'  # within one file the new name wins
    config = ConfigSet.load([a, b])
    used = config.effective_entry(
        'DEFAULT', 'executor_thread_pool_size', real_catalog
    )
    assert used.value == '6'  # a later file wins even under an old name
    conf = cfg.ConfigOpts()
    conf.register_opt(
        cfg.IntOpt(
            'executor_thread_pool_size', deprecated_name='rpc_thread_pool_size'
        )
    )
    conf(['--config-file', a, '--config-file', b])
    assert conf.executor_thread_pool_size == 6


def test_bad_ini_is_one_parse_error(validator, write):
    path = write('a.conf', '[DEFAULT]\ndebug = true\n[oops\n')
    found = validator.validate([path])
    assert [(f.code, f.file, f.line) for f in found] == [
        ('parse-error', path, 3)
    ]


def test_select_and_ignore(validator, write):
    path = write('a.conf', '[DEFAULT]\ndevug = 1\ndebug = maybe\n')
    assert [
        f.code
        for f in Validator(
            validator.catalog, select=['invalid-value']
        ).validate([path])
    ] == ['invalid-value']
    assert [
        f.code
        for f in Validator(
            validator.catalog, ignore=['invalid-value']
        ).validate([path])
    ] == ['unknown-option']


def test_exclude_group(validator, write):
    path = write('a.conf', '[oslo_policy]\nnope = 1\n[database]\nnope = 2\n')
    found = Validator(
        validator.catalog, exclude_groups=['OSLO_POLICY']
    ).validate([path])
    assert [(f.group, f.code) for f in found] == [
        ('database', 'unknown-option')
    ]


def test_secret_values_never_appear(validator, write, caplog):
    text = CLEAN.replace(
        'max_pool_size = 10',
        'max_pool_size = 10\nconnection = Db-Secret-2\npasword = Ks-Secret-3',
    ).replace('rabbit_quorum_queue = true', 'heartbeat_rate = Rabbit-Secret-1')
    # A secret option whose value does not parse must not be echoed.
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.IntOpt('pin', secret=True))
    text = text.replace('[DEFAULT]\n', '[DEFAULT]\npin = Db-Secret-2x\n')
    catalog = OptionCatalog.from_conf(conf).merge(validator.catalog)
    path = write('a.conf', text)
    caplog.set_level(logging.DEBUG)

    found = Validator(catalog).validate([path])

    dumped = json.dumps([f.as_dict() for f in found]) + caplog.text
    dumped += '\n'.join(f.as_text() for f in found)
    assert {f.code for f in found} >= {
        'invalid-value',
        'unknown-option',
        'duplicate-option',
    }
    for secret in SECRETS + ('Db-Secret-2x',):
        assert secret not in dumped


class _IntervalBelowTimeout(Check):
    codes = ('interval-below-timeout',)

    def run(self, context):
        interval = context.typed_value('DEFAULT', 'report_interval')
        timeout = context.typed_value('DEFAULT', 'service_down_time')
        if None not in (interval, timeout) and interval >= timeout:
            entry = context.config.last_entry('DEFAULT', 'report_interval')
            yield context.finding(
                ERROR,
                'interval-below-timeout',
                entry,
                'report_interval must be below service_down_time',
            )


def test_a_service_adds_its_own_cross_option_check(write):
    conf = cfg.ConfigOpts()
    conf.register_opts(
        [cfg.IntOpt('report_interval'), cfg.IntOpt('service_down_time')]
    )
    validator = Validator(
        OptionCatalog.from_conf(conf), checks=[_IntervalBelowTimeout()]
    )
    bad = write(
        'a.conf', '[DEFAULT]\nservice_down_time = 10\nreport_interval = 30\n'
    )
    assert _codes(validator.validate([bad])) == [(3, 'interval-below-timeout')]
    ok = write('b.conf', '[DEFAULT]\nreport_interval = 3\n')
    assert validator.validate([ok]) == []


def test_a_broken_check_does_not_hide_the_others(validator, write):
    class Broken(Check):
        codes = ('broken',)

        def run(self, context):
            raise RuntimeError('bug')

    from oslo_extras.config.validate import load_checks

    checks = load_checks() + [Broken()]
    path = write('a.conf', '[DEFAULT]\ndevug = 1\n')
    codes = [
        f.code
        for f in Validator(validator.catalog, checks=checks).validate([path])
    ]
    assert sorted(codes) == ['check-failed', 'unknown-option']


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(
        st.integers(-5, 70).map(str),
        st.text('0123456789.-x ', min_size=0, max_size=4),
    )
)
def test_invalid_value_agrees_with_oslo_config(tmp_path_factory, value):
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.IntOpt('workers', min=0, max=64))
    path = tmp_path_factory.mktemp('v') / 'a.conf'
    path.write_text(f'[DEFAULT]\nworkers = {value}\n')
    found = Validator(OptionCatalog.from_conf(conf)).validate([str(path)])
    conf(['--config-file', str(path)])
    try:
        conf.workers  # noqa: B018 - reading is what may raise
        accepted = True
    except (cfg.ConfigFileValueError, ValueError):
        accepted = False
    assert (found == []) == accepted


def test_substituted_value_is_not_type_checked_raw(tmp_path):
    # nova's install guide: ``[vnc] server_listen = $my_ip``; oslo.config
    # substitutes before converting, so '$my_ip' itself is no bad address.
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.StrOpt('my_ip', default='10.0.0.11'))
    conf.register_opt(cfg.HostAddressOpt('server_listen'), group='vnc')
    path = tmp_path / 'nova.conf'
    path.write_text('[vnc]\nserver_listen = $my_ip\n')

    found = Validator(OptionCatalog.from_conf(conf)).validate([str(path)])

    conf(['--config-file', str(path)], default_config_files=[])
    assert conf.vnc.server_listen == '10.0.0.11'
    assert [f.code for f in found] == []


def test_an_old_group_still_read_for_its_old_names_is_not_unknown(tmp_path):
    # nova: [key_manager] fixed_key was [keymgr] fixed_key; oslo.config
    # still reads the old group, so it is no "ignored" section.
    conf = cfg.ConfigOpts()
    conf.register_opt(
        cfg.StrOpt('fixed_key', secret=True, deprecated_group='keymgr'),
        group='key_manager',
    )
    path = tmp_path / 'nova.conf'
    path.write_text('[keymgr]\nfixed_key = abc123\nfixd_key = x\n')

    found = Validator(OptionCatalog.from_conf(conf)).validate([str(path)])

    conf(['--config-file', str(path)], default_config_files=[])
    assert conf.key_manager.fixed_key == 'abc123'
    assert sorted((f.code, f.option) for f in found) == [
        ('deprecated-name', 'fixed_key'),
        ('unknown-option', 'fixd_key'),
    ]
