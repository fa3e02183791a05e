"""minimize writes: stdout by default, in place through symlinks, keeping
comments and every earlier backup."""

import os

from oslo_policy import policy

from oslo_extras.cmd import policy_delta
from oslo_extras.policy import files
from oslo_extras.policy import lint
from oslo_extras.policy import model
from tests.unit.policy.conftest import demo_rules
from tests.unit.policy.conftest import make_conf
from tests.unit.policy.conftest import safe
from tests.unit.policy.conftest import upstream
from tests.unit.policy.conftest import write

NS = ['--namespace', 'oslo_extras_demo']
TEXT = (
    '# Operator policy for the demo service.\n'
    '# Widgets: owners may delete.\n'
    '"demo:widget:delete": "role:owner or rule:admin_required"\n'
    '\n'
    '# Same as the default (ticket OPS-12).\n'
    '"demo:widgets:list": "role:reader and project_id:%(project_id)s"\n'
    '# Auditors read settings.\n'
    '"demo:settings:update": >\n'
    '  role:admin or\n'
    '  role:auditor\n'
)


def _configmap(tmp_path):
    """kubelet's layout: name -> ..data/name, ..data -> ..2026_01_01."""
    payload = tmp_path / '..2026_01_01'
    payload.mkdir()
    write(payload / 'policy.yaml', TEXT)
    os.symlink('..2026_01_01', tmp_path / '..data')
    os.symlink('..data/policy.yaml', tmp_path / 'policy.yaml')
    return str(tmp_path / 'policy.yaml'), str(payload / 'policy.yaml')


def test_minimize_prints_to_stdout_unless_told(tmp_path, capsys):
    path = write(tmp_path / 'policy.yaml', TEXT)
    code = policy_delta.main(['minimize', *NS, '--policy-file', path])
    out, err = capsys.readouterr()
    assert code == 0, err
    with open(path) as stream:
        assert stream.read() == TEXT
    assert not os.path.exists(path + '.bak')
    assert '"demo:widgets:delete"' in out


def test_in_place_keeps_comments_symlinks_and_every_backup(tmp_path, capsys):
    link, real = _configmap(tmp_path)
    conf = make_conf(str(tmp_path))
    before = upstream(conf)
    argv = ['minimize', *NS, '--policy-file', link, '--in-place']

    assert policy_delta.main(argv) == 0, capsys.readouterr().err
    assert os.path.islink(link)
    with open(real) as stream:
        text = stream.read()
    assert text == (
        '# Operator policy for the demo service.\n'
        '# Widgets: owners may delete.\n'
        '\n'
        '# Same as the default (ticket OPS-12).\n'
        '# Auditors read settings.\n'
        '"demo:settings:update": >\n'
        '  role:admin or\n'
        '  role:auditor\n'
        '# Written by oslo-policy-delta minimize under the current rule '
        'names:\n'
        '"demo:widgets:delete": "role:owner or rule:admin_required"\n'
    )
    with open(real + '.bak') as stream:
        assert stream.read() == TEXT
    after = upstream(conf)
    for rule in demo_rules():
        for roles in ([], ['owner'], ['admin'], ['auditor'], ['reader']):
            creds = {'roles': roles, 'project_id': 'p1', 'user_id': 'u1'}
            target = {'project_id': 'p1', 'user_id': 'u1'}
            assert after.enforce(rule.name, target, dict(creds)) == (
                before.enforce(rule.name, target, dict(creds))
            )

    # A second run keeps the first backup and adds a numbered one.
    with open(real, 'a') as stream:
        stream.write(
            '"demo:widgets:list": '
            '"role:reader and project_id:%(project_id)s"\n'
        )
    assert policy_delta.main(argv) == 0
    out = capsys.readouterr().out
    with open(real + '.bak') as stream:
        assert stream.read() == TEXT
    assert os.path.exists(real + '.bak.1')
    assert out.rstrip().endswith(f'backup {real}.bak.1')


def test_deprecated_since_none_is_not_printed():
    old = policy.DeprecatedRule('a:old', 'role:x', deprecated_reason='r')
    new = policy.RuleDefault('a:new', 'role:y', deprecated_rule=old)
    layer = files.parse_layer('"a:old": "role:z"\n', '/p')
    ruleset = model.build([new], [layer])
    messages = [f.message for f in lint.lint(ruleset, [layer])]
    assert messages and all('None' not in m for m in messages), messages


def test_rule_cycle_raises_the_same_exception_type_as_oslo_policy(tmp_path):
    import pytest

    write(
        tmp_path / 'policy.yaml',
        '"demo:widgets:list": "rule:a"\n"a": "rule:demo:widgets:list"\n',
    )
    conf = make_conf(str(tmp_path))
    errors = []
    for enforcer in (upstream(conf), safe(conf)):
        with pytest.raises(Exception) as info:
            enforcer.enforce('demo:widgets:list', {}, {'roles': []})
        errors.append(type(info.value))
    assert errors[0] is errors[1] is TypeError


def test_anchors_fall_back_to_a_fresh_file_that_proves(tmp_path, capsys):
    # The anchor sits on a line minimize drops (equal to the default).
    text = (
        '# anchors\n'
        '"demo:widgets:list": &r "role:reader and project_id:%(project_id)s"\n'
        '"demo:widgets:create": *r\n'
    )
    path = write(tmp_path / 'policy.yaml', text)
    conf = make_conf(str(tmp_path))
    before = upstream(conf)
    code = policy_delta.main(
        ['minimize', *NS, '--policy-file', path, '--in-place']
    )
    err = capsys.readouterr().err
    assert code == 0, err
    assert 'writing a fresh one' in err
    after = upstream(conf)
    for name in ('demo:widgets:list', 'demo:widgets:create'):
        for roles in ([], ['admin'], ['member'], ['reader']):
            creds = {'roles': roles, 'project_id': 'p1'}
            target = {'project_id': 'p1'}
            assert after.enforce(name, target, dict(creds)) == (
                before.enforce(name, target, dict(creds))
            )
