"""The invariant, over random operator files: minimize never changes a
decision (checked with oslo.policy itself), and whenever its proof passes
the file it writes decides alike."""

import json
import logging

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from oslo_policy import policy

from oslo_extras.policy import delta
from oslo_extras.policy import files
from oslo_extras.policy import minimizer
from oslo_extras.policy import model
from tests.unit.policy.conftest import make_conf
from tests.unit.policy.conftest import upstream
from tests.unit.policy.conftest import write

OLD = policy.DeprecatedRule(
    'svc:thing',
    'role:admin or role:member',
    deprecated_reason='split',
    deprecated_since='1',
)
STILL = policy.DeprecatedRule(
    'svc:other', 'role:admin', deprecated_reason='x', deprecated_since='1'
)


def rules():
    return [
        policy.RuleDefault('admin_required', 'role:admin'),
        policy.RuleDefault(
            'svc:thing:list', 'role:reader', deprecated_rule=OLD
        ),
        policy.RuleDefault(
            'svc:thing:delete', 'role:admin', deprecated_rule=OLD
        ),
        policy.RuleDefault('svc:other', 'role:admin'),
        policy.RuleDefault(
            'svc:other:sub', 'role:member', deprecated_rule=STILL
        ),
        policy.RuleDefault('svc:plain', 'rule:admin_required'),
    ]


NAMES = [
    'svc:thing',
    'svc:thing:list',
    'svc:thing:delete',
    'svc:other',
    'svc:other:sub',
    'svc:plain',
    'admin_required',
    'helper',
    'svc:typo',
]
CHECKS = [
    '@',
    '!',
    'role:admin',
    'role:member',
    'role:reader',
    'role:admin or role:member',
    'rule:admin_required',
    'rule:helper',
    'rule:svc:other',
    'rule:svc:thing',
    'project_id:%(project_id)s',
    'role:member and project_id:%(project_id)s',
]
PEOPLE = [
    {'roles': roles, 'project_id': project}
    for roles in ([], ['reader'], ['member'], ['admin'], ['helper'])
    for project in ('p1', 'p2')
]


def _no_cycles(overrides):
    # oslo.policy needs ~50 ms to fail on a cycle; the cycle tests are
    # elsewhere. Referenced rules reference nothing here.
    return {
        name: 'role:auditor'
        if name in ('helper', 'admin_required', 'svc:other', 'svc:thing')
        and check.startswith('rule:')
        else check
        for name, check in overrides.items()
    }


def _decide(enforcer, name, person):
    try:
        return enforcer.enforce(name, {'project_id': 'p1'}, dict(person))
    except TypeError:  # a rule: cycle, on every call
        return 'TypeError'


def _decisions(conf, names):
    enforcer = upstream(conf, rules())
    return {
        (name, i): _decide(enforcer, name, person)
        for name in names
        for i, person in enumerate(PEOPLE)
    }


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    overrides=st.dictionaries(
        st.sampled_from(NAMES), st.sampled_from(CHECKS), max_size=6
    ).map(_no_cycles),
    new_defaults=st.booleans(),
)
def test_minimize_never_changes_a_decision(
    tmp_path_factory, overrides, new_defaults, caplog
):
    caplog.set_level(logging.CRITICAL)
    directory = tmp_path_factory.mktemp('p')
    text = ''.join(
        f'{json.dumps(k)}: {json.dumps(v)}\n' for k, v in overrides.items()
    )
    path = write(directory / 'policy.yaml', text)
    conf = make_conf(str(directory), enforce_new_defaults=new_defaults)
    registered = [rule.name for rule in rules()]
    before = _decisions(conf, registered)

    layers = [files.read_layer(path)]
    ruleset = model.build(rules(), layers, new_defaults)
    kept = delta.minimize(ruleset, new_defaults)
    rendered = minimizer.render(kept, layers[0], text)
    assert minimizer.prove(rules(), layers, rendered, path) == []
    write(path, rendered)
    assert _decisions(conf, registered) == before
    # Both enforce_new_defaults modes: the file stays right when it flips.
    write(path, text)
    other = make_conf(str(directory), enforce_new_defaults=not new_defaults)
    before_other = _decisions(other, registered)
    write(path, rendered)
    assert _decisions(other, registered) == before_other


def _follow_advice(overrides, findings):
    """Apply every "remove it" / "rename it" / "write it under" advice."""
    import re

    result = dict(overrides)
    for finding in findings:
        name, message = finding.rule, finding.message
        if name not in result:
            continue
        if message.endswith('remove it') or 'remove it (minimize' in message:
            del result[name]
        elif 'rename it to ' in message:
            [new] = re.findall(r"rename it to '([^']+)'", message)
            value = result.pop(name)
            result.setdefault(new, value)
        elif 'write it under each of ' in message and 'keep it' not in message:
            tail = message.split('write it under each of ', 1)[1]
            value = result.pop(name)
            for new in re.findall(r"'([^']+)'", tail):
                result.setdefault(new, value)
    return result


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    overrides=st.dictionaries(
        st.sampled_from(NAMES), st.sampled_from(CHECKS), max_size=6
    ).map(_no_cycles),
    new_defaults=st.booleans(),
)
def test_following_lint_advice_never_changes_a_decision(
    tmp_path_factory, overrides, new_defaults, caplog
):
    from oslo_extras.policy import lint

    caplog.set_level(logging.CRITICAL)
    directory = tmp_path_factory.mktemp('p')
    text = ''.join(
        f'{json.dumps(k)}: {json.dumps(v)}\n' for k, v in overrides.items()
    )
    path = write(directory / 'policy.yaml', text)
    layers = [files.read_layer(path)]
    ruleset = model.build(rules(), layers, new_defaults)
    advised = _follow_advice(
        overrides, lint.lint(ruleset, layers, new_defaults)
    )
    registered = [rule.name for rule in rules()]
    for mode in (True, False):
        conf = make_conf(str(directory), enforce_new_defaults=mode)
        write(path, text)
        before = _decisions(conf, registered)
        write(
            path,
            ''.join(
                f'{json.dumps(k)}: {json.dumps(v)}\n'
                for k, v in advised.items()
            ),
        )
        assert _decisions(conf, registered) == before, (mode, advised)
