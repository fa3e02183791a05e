"""SafeEnforcer reloads: refused reloads, the Enforcer API after them,
deleted and truncated files, the reload log and the widening guard."""

import builtins
import logging

import pytest
from oslo_policy import policy

from oslo_extras.policy import runtime
from tests.unit.policy.conftest import make_conf
from tests.unit.policy.conftest import safe
from tests.unit.policy.conftest import upstream
from tests.unit.policy.conftest import write

LOGGER = 'oslo_extras.policy.runtime'
MEMBER = {'roles': ['member'], 'project_id': 'p1'}
ADMIN = {'roles': ['admin'], 'project_id': 'p1'}


def _start(tmp_path, text, **kwargs):
    write(tmp_path / 'policy.yaml', text)
    conf = make_conf(str(tmp_path))
    ours = safe(conf, **kwargs)
    ours.load_rules()
    return conf, ours


BROKEN = '"demo:widgets:list": "role:x and ("\n'


def _refuse_a_reload(tmp_path, ours, broken=BROKEN):
    write(tmp_path / 'policy.yaml', broken)
    assert ours.reload() is False


@pytest.fixture
def no_io(monkeypatch):
    """Fail on any open() or stat of the policy files."""

    def guard():
        def refuse(*args, **kwargs):
            raise AssertionError(f'file I/O on the request path: {args}')

        monkeypatch.setattr(builtins, 'open', refuse)
        monkeypatch.setattr(runtime.files, 'signature', refuse)
        monkeypatch.setattr(runtime.files, 'policy_paths', refuse)

    return guard


@pytest.mark.parametrize('call', ['register_default', 'set_rules', 'clear'])
def test_enforcer_api_after_a_refused_reload_does_no_file_io(
    tmp_path, caplog, no_io, call
):
    conf, ours = _start(tmp_path, '"demo:widgets:list": "role:member"\n')
    _refuse_a_reload(tmp_path, ours)
    if call == 'register_default':
        ours.register_default(policy.RuleDefault('late:rule', 'role:admin'))
    elif call == 'set_rules':
        ours.set_rules(
            policy.Rules.from_dict({'x': '@'}), overwrite=False, use_conf=True
        )
    else:
        ours.clear()
    caplog.clear()
    no_io()
    with caplog.at_level(logging.ERROR, LOGGER):
        for _ in range(3):
            ours.enforce('demo:widgets:list', {}, dict(MEMBER))
    assert caplog.text == ''


def test_enforce_after_clear_never_raises_policy_load_error(tmp_path):
    conf, ours = _start(tmp_path, '"demo:widgets:list": "role:member"\n')
    _refuse_a_reload(tmp_path, ours)
    ours.clear()
    # oslo.policy after clear(): no rules, every decision denied.
    theirs = upstream(conf)
    theirs.load_rules()
    theirs.clear()
    assert ours.enforce('demo:widgets:list', {}, dict(ADMIN)) is (
        theirs.enforce('demo:widgets:list', {}, dict(ADMIN))
    )


@pytest.mark.parametrize('broken', [BROKEN, '"a": [unclosed\n'])
def test_clear_then_forced_reload_on_a_broken_file_never_raises(
    tmp_path, broken
):
    conf, ours = _start(tmp_path, '"demo:widgets:list": "role:member"\n')
    _refuse_a_reload(tmp_path, ours, broken)
    ours.clear()
    ours.register_defaults(safe(conf).registered_rules.values())
    ours.load_rules(force_reload=True)
    assert 'policy.yaml' in ours.last_reload_error
    # The last accepted file, with the rules registered now.
    assert ours.enforce('demo:widgets:list', {}, dict(MEMBER))


def test_late_registration_after_refused_reload_keeps_good_rules(tmp_path):
    conf, ours = _start(tmp_path, '"demo:widgets:list": "role:member"\n')
    _refuse_a_reload(tmp_path, ours)
    ours.register_default(policy.RuleDefault('late:rule', 'role:admin'))
    assert ours.enforce('demo:widgets:list', {}, dict(MEMBER))
    assert ours.enforce('late:rule', {}, dict(ADMIN))
    assert not ours.enforce('late:rule', {}, dict(MEMBER))


ADMIN_ONLY = ''.join(
    f'"{name}": "role:admin"\n'
    for name in (
        'demo:widgets:list',
        'demo:widgets:create',
        'demo:widgets:delete',
    )
)


def test_successful_reload_is_logged_with_its_delta(tmp_path, caplog):
    conf, ours = _start(tmp_path, ADMIN_ONLY)
    write(tmp_path / 'policy.yaml', ADMIN_ONLY.replace('admin', 'member', 1))
    with caplog.at_level(logging.INFO, LOGGER):
        assert ours.reload() is True
    assert 'Policy reloaded: 0 rule(s) added, 0 removed, 1 changed' in (
        caplog.text
    )
    assert '(demo:widgets:list)' in caplog.text
    assert 'persona decision(s) widen' in caplog.text
    assert 'WARNING' in caplog.text  # it widens: logged at WARNING


def test_truncated_file_is_refused_by_the_widening_guard(tmp_path, caplog):
    conf, ours = _start(tmp_path, ADMIN_ONLY)
    conf.set_override('refuse_widening_reload', True, 'oslo_extras_policy')
    # An interrupted write, cut at a line boundary: valid YAML, fewer rules.
    write(tmp_path / 'policy.yaml', ADMIN_ONLY.splitlines(True)[0])
    with caplog.at_level(logging.ERROR, LOGGER):
        assert ours.reload() is False
    assert 'widens access' in ours.last_reload_error
    assert 'demo:widgets:create' in ours.last_reload_error
    assert not ours.enforce('demo:widgets:create', {}, dict(MEMBER))
    # Confirmed by the operator: applied.
    assert ours.reload(allow_widening=True) is True
    assert ours.enforce(
        'demo:widgets:create', {'project_id': 'p1'}, dict(MEMBER)
    )


def test_narrowing_reload_passes_the_guard(tmp_path):
    conf, ours = _start(tmp_path, '"demo:widgets:list": "@"\n')
    conf.set_override('refuse_widening_reload', True, 'oslo_extras_policy')
    write(tmp_path / 'policy.yaml', '"demo:widgets:list": "role:admin"\n')
    assert ours.reload() is True
    assert not ours.enforce('demo:widgets:list', {}, dict(MEMBER))


def test_sighup_confirms_a_widening_reload(tmp_path):
    conf, ours = _start(tmp_path, ADMIN_ONLY)
    conf.set_override('refuse_widening_reload', True, 'oslo_extras_policy')
    write(tmp_path / 'policy.yaml', '{}\n')
    assert ours.reload() is False
    ours._on_mutate(conf, {})
    assert ours.last_reload_error is None
    assert ours.enforce('demo:widgets:create', {'project_id': 'p1'}, MEMBER)


def test_deleted_policy_file_logs_a_warning(tmp_path, caplog):
    conf, ours = _start(tmp_path, ADMIN_ONLY)
    (tmp_path / 'policy.yaml').unlink()
    with caplog.at_level(logging.WARNING, LOGGER):
        assert ours.reload() is True
    gone = [r for r in caplog.records if 'is gone' in r.getMessage()]
    assert gone and gone[0].levelno == logging.WARNING
    assert str(tmp_path / 'policy.yaml') in gone[0].getMessage()


@pytest.mark.parametrize('value', ['', ' []'])
def test_strict_refuses_null_and_empty_list(tmp_path, value):
    write(tmp_path / 'policy.yaml', f'"demo:widgets:list":{value}\n')
    conf = make_conf(str(tmp_path))
    with pytest.raises(runtime.PolicyLoadError, match='empty-check'):
        safe(conf, strict=True).load_rules()
    # Lenient: as oslo.policy, everyone is allowed, and it is logged.
    assert safe(conf).enforce('demo:widgets:list', {}, {'roles': []})
