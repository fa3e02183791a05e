"""The policy tools on real services' rules and real operators' files.

* SafeEnforcer decides like oslo.policy (hypothesis over personas and
  targets drawn from the rules themselves) on each service's
  policy-in-code alone and with each operator file;
* ``model.build`` gives the rules ``Enforcer`` loads;
* ``minimize`` keeps every decision, checked both by its own proof and by
  oslo.policy itself on the rewritten file;
* lint and the runtime's reload log on real files.
"""

from __future__ import annotations

import logging
import random

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from oslo_extras.policy import delta
from oslo_extras.policy import equivalence
from oslo_extras.policy import lint
from oslo_extras.policy import minimizer
from oslo_extras.policy import runtime
from tests.realworld.policy.conftest import OPERATOR_FILES
from tests.realworld.policy.conftest import SERVICES
from tests.realworld.policy.conftest import conf_for
from tests.realworld.policy.conftest import path_of
from tests.realworld.policy.conftest import rules_for
from tests.realworld.policy.conftest import ruleset_for
from tests.realworld.policy.conftest import service_rules

WITH_RULES = [name for name, ns in OPERATOR_FILES.items() if ns]
CASES = [(None, (service,)) for service in SERVICES] + [
    (name, OPERATOR_FILES[name]) for name in OPERATOR_FILES
]
CASE_IDS = [f'{ns[0]}-in-code' if not f else f for f, ns in CASES]


def _enforcers(policy_file, namespaces, rules=None, **options):
    import copy

    from oslo_policy import policy

    path = path_of(policy_file) if policy_file else None
    conf = conf_for(path, **options)
    theirs = policy.Enforcer(conf)
    theirs.suppress_deprecation_warnings = True
    theirs.suppress_default_change_warnings = True
    theirs.register_defaults(copy.deepcopy(rules or rules_for(namespaces)))
    ours = runtime.SafeEnforcer(conf, reload_interval=0)
    ours.suppress_deprecation_warnings = True
    ours.register_defaults(copy.deepcopy(rules or rules_for(namespaces)))
    return theirs, ours


def _grid(policy_file, namespaces):
    """Personas, targets and rule names from the rules themselves."""
    if policy_file:
        _rules, _layers, ruleset = ruleset_for(policy_file)
    else:
        from oslo_extras.policy import model

        ruleset = model.build(rules_for(namespaces), [])
    people = equivalence.personas([ruleset])
    places = equivalence.targets([ruleset])
    names = sorted(ruleset.rules)
    return people, places, names, ruleset


def _known_difference(ruleset, name):
    # "not <typo>": oslo.policy allows everyone, SafeEnforcer denies (the
    # one documented difference, a rule-syntax lint error).
    return any(
        p.widened_by_upstream and p.entry.name == name
        for p in ruleset.syntax_errors
    )


@pytest.mark.parametrize('policy_file,namespaces', CASES, ids=CASE_IDS)
@pytest.mark.parametrize('new_defaults', [True, False])
def test_safe_enforcer_decides_like_oslo_policy(
    policy_file, namespaces, new_defaults, caplog
):
    people, places, names, ruleset = _grid(policy_file, namespaces)
    caplog.set_level(logging.CRITICAL)
    theirs, ours = _enforcers(
        policy_file, namespaces, enforce_new_defaults=new_defaults
    )

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        persona=st.sampled_from(people),
        target=st.sampled_from(places),
        roles=st.lists(st.sampled_from(_roles(people)), max_size=3),
        picked=st.lists(st.sampled_from(names), min_size=1, max_size=25),
    )
    def check(persona, target, roles, picked):
        creds = dict(persona, roles=sorted(set(persona['roles']) | set(roles)))
        for name in picked:
            if _known_difference(ruleset, name):
                continue
            expected = _decide(theirs, name, target, creds)
            assert _decide(ours, name, target, creds) == expected, name

    check()


def _roles(people):
    return sorted({role for person in people for role in person['roles']})


def _decide(enforcer, name, target, creds):
    try:
        return bool(enforcer.enforce(name, dict(target), dict(creds)))
    except Exception as exc:
        return type(exc).__name__


@pytest.mark.parametrize('policy_file', WITH_RULES)
def test_model_gives_the_rules_enforcer_loads(policy_file, caplog):
    caplog.set_level(logging.CRITICAL)
    theirs, _ours = _enforcers(policy_file, OPERATOR_FILES[policy_file])
    theirs.load_rules()
    _rules, _layers, ruleset = ruleset_for(policy_file)
    expected = {str(k): str(v) for k, v in theirs.rules.items()}
    got = {name: str(rule.check) for name, rule in ruleset.rules.items()}
    for name in ruleset.syntax_errors:
        got.pop(name.entry.name, None)
        expected.pop(name.entry.name, None)
    # Keys YAML reads as numbers or booleans stay out of the model.
    expected = {k: v for k, v in expected.items() if k in got}
    assert got == expected


@pytest.mark.parametrize('policy_file', list(OPERATOR_FILES))
def test_minimize_keeps_every_decision(policy_file, caplog):
    caplog.set_level(logging.CRITICAL)
    rules, layers, ruleset = ruleset_for(policy_file)
    kept = delta.minimize(ruleset, True)
    with open(path_of(policy_file)) as stream:
        text = minimizer.render(kept, layers[0], stream.read())
    assert minimizer.prove(rules, layers, text, path_of(policy_file)) == []

    # And oslo.policy itself agrees, on a sample of the proof's grid.
    import os
    import tempfile

    people, places, names, _ = _grid(policy_file, OPERATOR_FILES[policy_file])
    sample = random.Random(policy_file)
    calls = [
        (sample.choice(names), sample.choice(people), sample.choice(places))
        for _ in range(600)
    ]
    theirs, _ = _enforcers(policy_file, OPERATOR_FILES[policy_file])
    before = [_decide(theirs, n, t, p) for n, p, t in calls]
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, 'policy.yaml')
        with open(path, 'w') as stream:
            stream.write(text)
        from oslo_policy import policy

        after_enforcer = policy.Enforcer(conf_for(path))
        after_enforcer.suppress_deprecation_warnings = True
        after_enforcer.register_defaults(
            rules_for(OPERATOR_FILES[policy_file])
        )
        after = [_decide(after_enforcer, n, t, p) for n, p, t in calls]
    differing = [
        (call[0], b, a)
        for call, b, a in zip(calls, before, after, strict=True)
        if b != a and call[0] in ruleset.defaults
    ]
    assert differing == []


def test_minimize_writes_split_nova_names_under_every_new_name():
    rules, layers, ruleset = ruleset_for('sapcc-nova-policy-old.json')
    kept = delta.minimize(ruleset, True)
    old = ruleset.overrides['os_compute_api:os-attach-interfaces']
    for action in ('list', 'show', 'create', 'delete'):
        assert kept[f'os_compute_api:os-attach-interfaces:{action}'] == (
            old.value
        )


@pytest.mark.parametrize('policy_file', WITH_RULES)
def test_lint_never_advises_dropping_a_registered_name(policy_file):
    _rules, layers, ruleset = ruleset_for(policy_file)
    for finding in lint.lint(ruleset, layers):
        if finding.rule in ruleset.defaults and finding.code in (
            'deprecated-name',
            'shadowed-by-new-name',
        ):
            assert 'remove it' not in finding.message, finding.as_text()
            assert 'rename it' not in finding.message, finding.as_text()


def test_keystone_target_attributes_are_not_flagged():
    _rules, layers, ruleset = ruleset_for('sapcc-keystone-policy.yaml')
    flagged = [
        f.as_text()
        for f in lint.lint(ruleset, layers)
        if f.code == 'unknown-target-attribute'
    ]
    assert flagged == []


def test_every_service_registers_rules():
    for service in SERVICES:
        assert len(service_rules((service,))) > 50, service


def test_reload_of_a_real_file_is_logged_with_its_delta(tmp_path, caplog):
    import shutil

    path = str(tmp_path / 'policy.yaml')
    shutil.copy(path_of('sapcc-nova-policy.yaml'), path)
    conf = conf_for(path)
    ours = runtime.SafeEnforcer(conf, reload_interval=0)
    conf.set_override('refuse_widening_reload', True, 'oslo_extras_policy')
    ours.suppress_deprecation_warnings = True
    ours.register_defaults(rules_for(('nova',)))
    ours.load_rules()
    with open(path) as stream:
        lines = stream.readlines()
    # An interrupted write, cut at a line boundary halfway through.
    with open(path, 'w') as stream:
        stream.writelines(lines[: len(lines) // 2])
    with caplog.at_level(logging.INFO, 'oslo_extras.policy.runtime'):
        assert ours.reload() is False
    assert 'widens access' in ours.last_reload_error
    assert ours.reload(allow_widening=True) is True
    assert 'Policy reloaded:' in caplog.text


@pytest.fixture
def neutron_checks(monkeypatch):
    """neutron's own check kinds (OwnerCheck for tenant_id:/project_id:,
    FieldCheck for field:), registered as neutron does on import, for this
    test only."""
    import sys

    from oslo_policy import _checks

    monkeypatch.setattr(
        _checks, 'registered_checks', dict(_checks.registered_checks)
    )
    for name in [m for m in sys.modules if m == 'neutron.policy']:
        monkeypatch.delitem(sys.modules, name)
    import neutron.policy  # noqa: F401

    assert _checks.registered_checks['field'].__name__ == 'FieldCheck'
    return _checks.registered_checks


def _reparsed(rules):
    """The rules parsed again with the check kinds registered now."""
    from oslo_policy import _parser

    for rule in rules:
        for item in (rule, rule.deprecated_rule):
            if item:
                item._check = _parser.parse_rule(item.check_str)
    return rules


@pytest.mark.parametrize('policy_file', [None, 'sapcc-neutron-policy.json'])
def test_neutron_custom_checks_decide_like_oslo_policy(
    neutron_checks, policy_file, caplog
):
    from oslo_extras.policy import files
    from oslo_extras.policy import model

    caplog.set_level(logging.CRITICAL)
    rules = _reparsed(rules_for(('neutron',)))
    layers = [files.read_layer(path_of(policy_file))] if policy_file else []
    ruleset = model.build(rules, layers)
    kinds = {
        type(node).__name__
        for rule in ruleset.rules.values()
        for node in lint._nodes(rule.check)
    }
    assert {'OwnerCheck', 'FieldCheck'} <= kinds
    people = equivalence.personas([ruleset])
    places = equivalence.targets([ruleset])
    names = sorted(ruleset.rules)
    theirs, ours = _enforcers(policy_file, ('neutron',), rules=rules)
    sample = random.Random(7)
    compared = 0
    for _ in range(1500):
        name = sample.choice(names)
        persona = sample.choice(people)
        target = dict(sample.choice(places), tenant_id='v1')
        if _known_difference(ruleset, name):
            continue
        expected = _decide(theirs, name, target, persona)
        assert _decide(ours, name, target, persona) == expected, name
        compared += 1
    assert compared > 1000


def test_issue_example_attach_interfaces_stays_admin_only(tmp_path, capsys):
    """nova 34: one old name, four new rules; a project member must not
    gain show/create/delete after minimize --in-place."""
    from oslo_extras.cmd import policy_delta

    path = tmp_path / 'policy.yaml'
    path.write_text('"os_compute_api:os-attach-interfaces": "role:admin"\n')
    member = {'roles': ['member', 'reader'], 'project_id': 'p1'}
    target = {'project_id': 'p1'}
    actions = ('list', 'show', 'create', 'delete')
    names = [f'os_compute_api:os-attach-interfaces:{a}' for a in actions]
    theirs, _ = _enforcers(None, ('nova',))
    theirs.policy_file = str(path)
    theirs.load_rules(force_reload=True)
    before = [theirs.enforce(n, dict(target), dict(member)) for n in names]
    assert before == [False] * 4
    code = policy_delta.main(
        [
            'minimize',
            '--namespace',
            'nova',
            '--policy-file',
            str(path),
            '--in-place',
        ]
    )
    assert code == 0, capsys.readouterr().err
    text = path.read_text()
    for name in names:
        assert f'"{name}": "role:admin"' in text
    theirs, _ = _enforcers(None, ('nova',))
    theirs.policy_file = str(path)
    theirs.load_rules(force_reload=True)
    assert [theirs.enforce(n, dict(target), dict(member)) for n in names] == (
        before
    )


@pytest.mark.parametrize(
    'policy_file',
    [
        'sapcc-nova-policy.yaml',
        'sapcc-keystone-policy.yaml',
        'sapcc-cinder-policy.yaml',
    ],
)
def test_explain_decides_like_oslo_policy(policy_file, caplog):
    from oslo_extras.policy import explain

    caplog.set_level(logging.CRITICAL)
    people, places, names, ruleset = _grid(
        policy_file, OPERATOR_FILES[policy_file]
    )
    theirs, _ = _enforcers(policy_file, OPERATOR_FILES[policy_file])
    sample = random.Random(policy_file)
    for _ in range(400):
        name = sample.choice(sorted(ruleset.defaults))
        persona = sample.choice(people)
        target = sample.choice(places)
        expected = _decide(theirs, name, target, persona)
        if not isinstance(expected, bool):
            continue
        got = explain.trace(ruleset, name, target, persona).decision
        assert got == ('allow' if expected else 'deny'), name
