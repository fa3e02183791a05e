"""oslo-policy-delta: each subcommand's exact output and exit status."""

import json
import os

import pytest

from oslo_extras.cmd import policy_delta
from oslo_extras.policy import delta
from tests.unit.policy.conftest import decisions
from tests.unit.policy.conftest import make_conf
from tests.unit.policy.conftest import upstream
from tests.unit.policy.conftest import write
from tests.unit.policy.test_delta import old_release

NS = ['--namespace', 'oslo_extras_demo']

OVERRIDES = (
    '"demo:widget:delete": "role:owner or rule:admin_required"\n'
    '"demo:widgets:list": "role:reader and project_id:%(project_id)s"\n'
    '"demo:widgets:lsit": "role:reader"\n'
)


@pytest.fixture
def setup(tmp_path):
    """A service config dir: svc.conf names a relative policy file."""
    etc = tmp_path / 'etc'
    conf = write(
        etc / 'svc.conf',
        '[oslo_policy]\npolicy_file = svc-policy.yaml\n'
        'policy_dirs = svc-policy.d\n',
    )
    policy_file = write(etc / 'svc-policy.yaml', OVERRIDES)
    return conf, policy_file


def run(capsys, *argv):
    code = policy_delta.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_effective_text(setup, capsys):
    conf, p = setup
    code, out, err = run(capsys, 'effective', *NS, '--config-file', conf)
    assert code == 0, err
    assert out == (
        'admin_required = "role:admin"  # default\n'
        'project_member = "role:member and project_id:%(project_id)s"'
        '  # default\n'
        'demo:widgets:list = "role:reader and project_id:%(project_id)s"'
        f'  # file {p}:2 scope=project\n'
        'demo:widgets:create = "rule:project_member"  # default '
        'scope=project\n'
        'demo:widgets:delete = "role:owner or rule:admin_required"'
        f"  # deprecated-alias {p}:1 as 'demo:widget:delete' scope=project\n"
        'demo:settings:update = "role:admin"  # default scope=system\n'
        'demo:widget:delete = "role:owner or rule:admin_required"'
        f'  # file {p}:1 (not registered)\n'
        f'demo:widgets:lsit = "role:reader"  # file {p}:3 (not registered)\n'
    )


def test_effective_json_and_policy_d(setup, capsys, tmp_path):
    conf, p = setup
    d = write(
        tmp_path / 'etc' / 'svc-policy.d' / '50.yaml',
        '"demo:widgets:create": "role:admin"\n',
    )
    code, out, _ = run(
        capsys,
        'effective',
        *NS,
        '--config-file',
        conf,
        '--format',
        'json',
        '--enforce-new-defaults',
        'false',
    )
    assert code == 0
    report = {item['name']: item for item in json.loads(out)}
    assert report['demo:widgets:create'] == {
        'name': 'demo:widgets:create',
        'check_str': 'role:admin',
        'origin': 'policy.d',
        'file': d,
        'line': 1,
        'written_as': 'demo:widgets:create',
        'written_value': 'role:admin',
        'written_type': 'string',
        'scope_types': ['project'],
        'registered': True,
    }
    assert report['demo:widgets:delete']['origin'] == 'deprecated-alias'
    assert report['admin_required']['origin'] == 'default'


def test_minimize_in_place_keeps_decisions(setup, capsys, tmp_path):
    conf, p = setup
    service_conf = make_conf(str(tmp_path / 'etc'))
    service_conf.set_override('policy_file', p, 'oslo_policy')
    before = decisions(upstream(service_conf))

    code, out, err = run(
        capsys, 'minimize', *NS, '--config-file', conf, '--in-place'
    )

    assert code == 0, err
    assert out == (
        f'wrote {p}: 2 override(s) kept, 2 dropped (demo:widget:delete, '
        'demo:widgets:list), written under new names: demo:widgets:delete'
        f'; backup {p}.bak\n'
    )
    with open(p) as stream:
        assert stream.read() == (
            '"demo:widgets:lsit": "role:reader"\n'
            '# Written by oslo-policy-delta minimize under the current rule '
            'names:\n'
            '"demo:widgets:delete": "role:owner or rule:admin_required"\n'
        )
    with open(p + '.bak') as stream:
        assert stream.read() == OVERRIDES
    assert decisions(upstream(service_conf)) == before


def test_minimize_to_stdout_and_refusals(setup, capsys, tmp_path):
    conf, p = setup
    code, out, _ = run(
        capsys, 'minimize', *NS, '--config-file', conf, '-o', '-'
    )
    assert code == 0
    assert out.endswith(
        '"demo:widgets:delete": "role:owner or rule:admin_required"\n'
    )

    write(tmp_path / 'etc' / 'svc-policy.d' / 'a.yaml', '{}\n')
    code, _, err = run(
        capsys, 'minimize', *NS, '--config-file', conf, '--in-place'
    )
    assert code == 2
    assert err == (
        'oslo-policy-delta: error: policy.d files are in use: give --output '
        'and replace the policy file and policy.d files with it yourself\n'
    )

    write(p, '"demo:widgets:list": "role:x or"\n')
    code, _, err = run(
        capsys,
        'minimize',
        *NS,
        '--config-file',
        conf,
        '-o',
        str(tmp_path / 'out.yaml'),
    )
    assert code == 1
    assert 'fix the syntax errors first' in err
    assert not os.path.exists(tmp_path / 'out.yaml')


def test_lint_text_json_and_exit_codes(setup, capsys):
    conf, p = setup
    code, out, err = run(capsys, 'lint', *NS, '--config-file', conf)
    assert code == 1
    assert out == (
        f'{p}:1: demo:widget:delete: warning: old name of '
        "'demo:widgets:delete' (since 2026.1); the override is live under "
        "the new name: rename it to 'demo:widgets:delete' [deprecated-name] "
        '(did you mean '
        "'demo:widgets:delete'?)\n"
        f'{p}:2: demo:widgets:list: warning: equal to the default; remove '
        'it (minimize does) [redundant-override]\n'
        f'{p}:3: demo:widgets:lsit: error: no service registers this rule; '
        'oslo.policy keeps it but never enforces it [unknown-rule] (did you '
        "mean 'demo:widgets:list'?)\n"
    )
    assert err == '1 error(s), 2 warning(s)\n'

    code, out, _ = run(
        capsys, 'lint', *NS, '--config-file', conf, '--format', 'json'
    )
    assert code == 1
    assert json.loads(out)[2] == {
        'severity': 'error',
        'code': 'unknown-rule',
        'file': p,
        'line': 3,
        'rule': 'demo:widgets:lsit',
        'message': 'no service registers this rule; oslo.policy keeps it '
        'but never enforces it',
        'suggestion': 'demo:widgets:list',
    }

    code, out, _ = run(
        capsys,
        'lint',
        *NS,
        '--config-file',
        conf,
        '--ignore',
        'unknown-rule,redundant-override',
    )
    assert (code, out.count('\n')) == (0, 1)
    code, out, _ = run(
        capsys, 'lint', *NS, '--config-file', conf, '--select', 'unknown-rule'
    )
    assert (code, out.count('\n')) == (1, 1)

    write(p, '"demo:widget:delete": "role:owner"\n')
    assert run(capsys, 'lint', *NS, '--config-file', conf)[0] == 0
    assert (
        run(capsys, 'lint', *NS, '--config-file', conf, '--fatal-warnings')[0]
        == 1
    )

    write(p, '"a": [\n')
    code, out, _ = run(capsys, 'lint', *NS, '--config-file', conf)
    assert code == 2
    assert out.startswith(f'{p}:2: error: not valid YAML')


def test_snapshot_then_diff(setup, capsys, tmp_path):
    conf, p = setup
    old = write(tmp_path / 'old.yaml', delta.snapshot(old_release()))
    code, out, err = run(
        capsys, 'diff', *NS, '--defaults-file', old, '--config-file', conf
    )
    assert code == 1
    lines = out.splitlines()
    assert [line.split(':')[0] for line in lines] == [
        'shadowed',
        'renamed',
        'removed',
        'removed',
        'changed',
        'new',
    ]
    assert lines[0].startswith(
        'shadowed: demo:widgets:list: default changed from "role:reader"'
    )
    assert err == '6 change(s)\n'

    new = str(tmp_path / 'new.yaml')
    code, _, err = run(capsys, 'snapshot', *NS, '-o', new)
    assert (code, err) == (0, f'wrote {new}: 6 rule(s)\n')
    code, out, _ = run(
        capsys,
        'diff',
        '--defaults-file',
        old,
        '--defaults-file',
        new,
        '--config-file',
        conf,
        '--format',
        'json',
    )
    assert code == 1
    assert [c['kind'] for c in json.loads(out)] == [
        'shadowed',
        'renamed',
        'removed',
        'removed',
        'changed',
        'new',
    ]
    # Same release on both sides, nothing to review.
    code, out, _ = run(
        capsys,
        'diff',
        '--defaults-file',
        new,
        '--defaults-file',
        new,
        '--config-file',
        conf,
    )
    assert (code, out) == (0, '')


@pytest.mark.parametrize(
    'argv,words',
    [
        ([], 'the following arguments are required: COMMAND'),
        (['effective'], 'give --namespace or --defaults-file'),
        (
            ['effective', '--namespace', 'nope'],
            "no oslo.policy.policies entry point named 'nope'",
        ),
        (
            ['lint', *NS, '--config-file', '/nonexistent.conf'],
            'cannot read the config',
        ),
        (['diff', *NS], 'diff needs --defaults-file OLD'),
        (
            ['lint', *NS, '--policy-file', '/nonexistent/policy.yaml'],
            '/nonexistent/policy.yaml: no such file or directory',
        ),
        (
            ['effective', *NS, '--policy-dir', '/nonexistent/policy.d'],
            '/nonexistent/policy.d: no such file or directory',
        ),
        (
            ['effective', '--defaults-file', '/nonexistent.yaml'],
            'cannot read the defaults snapshot',
        ),
    ],
)
def test_bad_usage_is_one_line_exit_2(capsys, argv, words):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert words in err
    assert err.count('\n') == 1 and 'Traceback' not in err


def test_help(capsys):
    with pytest.raises(SystemExit) as info:
        policy_delta.main(['--help'])
    assert info.value.code == 0
    assert 'minimize' in capsys.readouterr().out


def test_relative_policy_file_is_read_from_the_working_dir(
    capsys, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'p.yaml').write_text('"demo:widgets:lsit": "role:reader"\n')
    code, out, _err = run(capsys, 'lint', *NS, '--policy-file', 'p.yaml')
    assert code == 1
    assert 'unknown-rule' in out


def test_effective_never_prints_a_null_override_as_empty(tmp_path, capsys):
    path = write(tmp_path / 'policy.yaml', '"demo:widgets:list":\n')
    empty = tmp_path / 'empty.d'
    empty.mkdir()
    code, out, err = run(
        capsys,
        'effective',
        *NS,
        '--policy-file',
        path,
        '--policy-dir',
        str(empty),
    )
    assert code == 0, err
    [line] = [x for x in out.splitlines() if x.startswith('demo:widgets:list')]
    assert line == (
        f'demo:widgets:list = "@"  # file {path}:1 (written as null, read '
        'as "@") scope=project'
    )
    code, out, err = run(
        capsys, 'effective', *NS, '--policy-file', path, '--format', 'json'
    )
    [item] = [x for x in json.loads(out) if x['name'] == 'demo:widgets:list']
    assert (item['check_str'], item['written_value']) == ('@', None)
    assert item['written_type'] == 'null'


def test_rule_syntax_option_help_is_true():
    from oslo_extras.policy import options

    [strict] = [opt for opt in options.OPTS if opt.name == 'strict']
    assert 'fails closed, as in oslo.policy' not in strict.help
    assert '"role:admin or typo" still admits admins' in strict.help
