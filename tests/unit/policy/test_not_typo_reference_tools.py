"""``explain`` and the reload delta read ``not rule:x`` as SafeEnforcer does.

SafeEnforcer reads ``not <typo>`` as deny, but a ``rule:`` reference under
an odd number of ``not`` evaluates the referenced rule as oslo.policy reads
it (so the typo reading never widens access through a reference). The
tools that explain or count decisions must use the same reading.
"""

import itertools
import logging

from oslo_extras.policy import explain
from oslo_extras.policy import files
from oslo_extras.policy import model
from oslo_extras.policy import reload_delta
from tests.unit.policy.conftest import TARGETS
from tests.unit.policy.conftest import credential_grid
from tests.unit.policy.conftest import demo_rules
from tests.unit.policy.conftest import make_conf
from tests.unit.policy.conftest import safe
from tests.unit.policy.conftest import write

MEMBER = {'roles': ['member'], 'project_id': 'p1'}
TYPO = '"my_not": "not typo"\n"demo:widgets:list": "not rule:my_not"\n'
FIXED = '"nobody": "!"\n"demo:widgets:list": "not rule:nobody"\n'


def _ruleset(tmp_path, text, name='policy.yaml'):
    path = write(tmp_path / name, text)
    return model.build(demo_rules(), [files.read_layer(path)])


def test_explain_decides_like_the_enforcer_on_not_rule_of_a_typo(
    tmp_path, caplog
):
    write(tmp_path / 'policy.yaml', TYPO)
    with caplog.at_level(logging.CRITICAL):
        enforcer = safe(make_conf(str(tmp_path)))
        ruleset = _ruleset(tmp_path, TYPO)
        for name in ('demo:widgets:list', 'my_not'):
            for creds in credential_grid():
                for target in TARGETS:
                    expected = enforcer.enforce(
                        name, dict(target), dict(creds)
                    )
                    got = explain.trace(ruleset, name, target, creds)
                    assert got.decision == ('allow' if expected else 'deny'), (
                        name,
                        creds,
                        target,
                        got.as_text(),
                    )


def test_explain_trace_shows_the_reading_under_not(tmp_path):
    ruleset = _ruleset(tmp_path, TYPO)
    got = explain.trace(ruleset, 'demo:widgets:list', {}, MEMBER)
    assert got.decision == 'deny'
    # The steps agree with the decision: "not" of an allowing reference.
    assert got.steps[0].outcome == 'deny'
    assert got.steps[1].outcome == 'allow'


def test_reload_delta_counts_widening_when_a_typo_is_fixed(tmp_path, caplog):
    # Under SafeEnforcer "demo:widgets:list" denies everyone while it is
    # "not rule:my_not" of "not typo", and allows everyone once it is
    # "not rule:nobody" of "!": the edit widens access and the guard must
    # see it (it counted nothing: it read my_not as deny there).
    with caplog.at_level(logging.CRITICAL):
        conf = make_conf(str(tmp_path))
        write(tmp_path / 'policy.yaml', TYPO)
        ours = safe(conf)
        conf.set_override('refuse_widening_reload', True, 'oslo_extras_policy')
        assert not ours.enforce('demo:widgets:list', {}, dict(MEMBER))
        before = _ruleset(tmp_path, TYPO)
        after = _ruleset(tmp_path, FIXED, 'fixed.yaml')
        change = reload_delta.describe(before, after)
        assert change.widened > 0
        assert change.narrowed == 0
        assert {d.rule for d in change.examples} == {'demo:widgets:list'}
        write(tmp_path / 'policy.yaml', FIXED + '# edited\n')
        assert ours.reload() is False
        assert not ours.enforce('demo:widgets:list', {}, dict(MEMBER))


def test_explain_agrees_with_the_enforcer_through_nested_references(
    tmp_path, caplog
):
    # my_not reached through "not rule:outer" -> outer: "not rule:mid" ->
    # mid: "not rule:my_not": the enforcer reads everything below the first
    # negated reference as oslo.policy does.
    text = (
        '"my_not": "not typo"\n'
        '"mid": "not rule:my_not"\n'
        '"outer": "not rule:mid"\n'
        '"demo:widgets:list": "not rule:outer"\n'
        '"demo:widgets:create": "not not rule:mid"\n'
    )
    write(tmp_path / 'policy.yaml', text)
    with caplog.at_level(logging.CRITICAL):
        enforcer = safe(make_conf(str(tmp_path)))
        ruleset = _ruleset(tmp_path, text)
        for name in ('demo:widgets:list', 'demo:widgets:create', 'outer'):
            for creds in ({}, MEMBER):
                expected = enforcer.enforce(name, {}, dict(creds))
                got = explain.trace(ruleset, name, {}, creds)
                assert got.decision == ('allow' if expected else 'deny')
                # Each reference's step agrees with the walk below it.
                for step, below in itertools.pairwise(got.steps):
                    if step.check.startswith('rule:'):
                        assert step.outcome == below.outcome, got.as_text()
