"""oslo-policy-delta explain and test (persona matrices)."""

import io
import json

import pytest

from oslo_extras.cmd import policy_delta
from oslo_extras.policy import explain
from oslo_extras.policy import files
from oslo_extras.policy import model
from tests.unit.policy.conftest import RULE_NAMES
from tests.unit.policy.conftest import TARGETS
from tests.unit.policy.conftest import credential_grid
from tests.unit.policy.conftest import demo_rules
from tests.unit.policy.conftest import make_conf
from tests.unit.policy.conftest import safe
from tests.unit.policy.conftest import write
from tests.unit.policy.test_delta import OPERATOR_FILE

NS = ['--namespace', 'oslo_extras_demo']
MATRIX = """
personas:
  reader: {roles: [reader], project_id: p1, user_id: u1}
  member: {roles: [member], project_id: p1, user_id: u1}
  admin: {roles: [admin], project_id: p1}
target: {project_id: p1, user_id: u1}
rules:
  "demo:widgets:list":
    allow: [reader]
  "demo:widgets:delete":
    allow: [admin]
    deny: [reader]
"""


def test_explain_decides_like_the_enforcer(tmp_path):
    path = write(tmp_path / 'policy.yaml', OPERATOR_FILE)
    conf = make_conf(str(tmp_path))
    enforcer = safe(conf)
    ruleset = model.build(demo_rules(), [files.read_layer(path)])
    for name in [*RULE_NAMES, 'no:such:rule', 'my_helper']:
        for creds in credential_grid():
            for target in TARGETS:
                expected = enforcer.enforce(name, dict(target), dict(creds))
                got = explain.trace(ruleset, name, target, creds)
                assert got.decision == ('allow' if expected else 'deny'), (
                    name,
                    creds,
                    target,
                )


def test_explain_text_names_the_deciding_checks(tmp_path, capsys):
    path = write(tmp_path / 'policy.yaml', OPERATOR_FILE)
    code = policy_delta.main(
        [
            'explain',
            *NS,
            '--policy-file',
            path,
            'demo:widgets:delete',
            '--roles',
            'owner',
            '--project-id',
            'p1',
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out == (
        'demo:widgets:delete: ALLOW (deprecated-alias '
        f"{path}:1 as 'demo:widget:delete')\n"
        'scope: project token, rule allows project\n'
        '+ or  [allow]\n'
        '  + role:owner  [allow]\n'
        '    rule:admin_required  [not evaluated]\n'
    )


@pytest.mark.parametrize(
    'argv,error',
    [
        (['--target', '[1]'], '--target: expected a JSON object'),
        (['--creds', '{'], '--creds: not JSON'),
    ],
)
def test_explain_bad_usage(capsys, argv, error):
    code = policy_delta.main(['explain', *NS, 'demo:widgets:list', *argv])
    assert code == 2
    assert error in capsys.readouterr().err


def test_matrix_exit_codes_and_json(tmp_path, capsys):
    matrix = write(tmp_path / 'matrix.yaml', MATRIX)
    empty = write(tmp_path / 'policy.yaml', '{}\n')
    argv = ['test', *NS, '--policy-file', empty, matrix]
    assert policy_delta.main(argv) == 0, capsys.readouterr()
    capsys.readouterr()

    # The operator's file lets readers delete: the matrix catches it.
    write(tmp_path / 'policy.yaml', '"demo:widgets:delete": "role:reader"\n')
    assert policy_delta.main(argv) == 1
    out, err = capsys.readouterr()
    mismatches = [line for line in out.splitlines() if 'MISMATCH' in line]
    assert mismatches == [
        'MISMATCH: demo:widgets:delete: admin: expected allow, got deny',
        'MISMATCH: demo:widgets:delete: reader: expected deny, got allow',
    ]
    assert err == '1 of 3 expectation(s) met\n'

    assert policy_delta.main([*argv, '--format', 'json']) == 1
    results = json.loads(capsys.readouterr().out)
    assert [(r['rule'], r['persona'], r['ok']) for r in results] == [
        ('demo:widgets:list', 'reader', True),
        ('demo:widgets:delete', 'admin', False),
        ('demo:widgets:delete', 'reader', False),
    ]


def test_matrix_progress_on_a_terminal(tmp_path, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr('sys.stderr', terminal)
    matrix = write(tmp_path / 'matrix.yaml', MATRIX)
    empty = write(tmp_path / 'policy.yaml', '{}\n')
    argv = ['test', *NS, '--policy-file', empty, matrix]
    assert policy_delta.main(argv) == 0
    assert '\rtesting rule 0/2 demo:widgets:list' in terminal.getvalue()


@pytest.mark.parametrize(
    'text,error',
    [
        ('- a\n', 'expected a mapping with personas, rules'),
        ('personas: {a: {}}\nrules: {r: {allow: [b]}}\n', "no persona 'b'"),
        ('personas: {a: {}}\nrules: {r: {alow: [a]}}\n', 'unknown key(s)'),
    ],
)
def test_matrix_errors_are_one_line_usage_errors(
    tmp_path, capsys, text, error
):
    matrix = write(tmp_path / 'matrix.yaml', text)
    code = policy_delta.main(['test', *NS, matrix])
    err = capsys.readouterr().err
    assert code == 2
    assert error in err and err.count('\n') == 1
