"""The delta tools as installed console scripts, next to oslo.policy's own.

No server is needed: the "real system" here is the installed entry points
(``oslo.policy.policies``/``oslo.policy.enforcer`` of the demo service) and
oslo.policy's own command-line tools run as separate processes.
"""

import json
import os
import subprocess
import sys

BIN = os.path.dirname(sys.executable)
NS = 'oslo_extras_demo'


def _run(tool, *args, cwd=None):
    return subprocess.run(
        [os.path.join(BIN, tool), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )


def _service(tmp_path, overrides):
    etc = tmp_path / 'etc'
    etc.mkdir()
    (etc / 'demo-policy.yaml').write_text(overrides)
    conf = etc / 'demo.conf'
    conf.write_text('[oslo_policy]\npolicy_file = demo-policy.yaml\n')
    return str(conf), str(etc / 'demo-policy.yaml')


def test_upstream_generator_sees_config_file_through_our_factory(tmp_path):
    conf, _ = _service(tmp_path, '"demo:widgets:list": "role:auditor"\n')
    result = _run(
        'oslopolicy-policy-generator',
        '--namespace',
        NS,
        '--config-file',
        conf,
    )
    assert result.returncode == 0, result.stderr
    # The override in the file named by --config-file is in the output:
    # the enforcer factory did not throw the command line away.
    assert '"demo:widgets:list": "role:auditor"' in result.stdout


def test_lint_minimize_effective_round_trip(tmp_path):
    conf, policy_file = _service(
        tmp_path,
        '"demo:widget:delete": "role:janitor"\n'
        '"demo:widgets:create": "rule:project_member"\n'
        '"demo:widgets:lsit": "role:x"\n',
    )
    lint = _run(
        'oslo-policy-delta',
        'lint',
        '--namespace',
        NS,
        '--config-file',
        conf,
        '--format',
        'json',
    )
    assert lint.returncode == 1, lint.stderr
    codes = {(f['code'], f['suggestion']) for f in json.loads(lint.stdout)}
    assert ('unknown-rule', 'demo:widgets:list') in codes
    assert ('deprecated-name', 'demo:widgets:delete') in codes

    # Fix the typo by hand, then let minimize rename and drop the rest.
    with open(policy_file) as stream:
        text = stream.read().replace('lsit', 'list')
    with open(policy_file, 'w') as stream:
        stream.write(text)
    minimize = _run(
        'oslo-policy-delta',
        'minimize',
        '--namespace',
        NS,
        '--config-file',
        conf,
        '--in-place',
    )
    assert minimize.returncode == 0, minimize.stderr
    with open(policy_file) as stream:
        lines = stream.read().splitlines()
    assert [line for line in lines if not line.startswith('#')] == [
        '"demo:widgets:list": "role:x"',
        '"demo:widgets:delete": "role:janitor"',
    ]
    assert os.path.exists(policy_file + '.bak')

    effective = _run(
        'oslo-policy-delta',
        'effective',
        '--namespace',
        NS,
        '--config-file',
        conf,
        '--format',
        'json',
    )
    assert effective.returncode == 0, effective.stderr
    origins = {r['name']: r['origin'] for r in json.loads(effective.stdout)}
    assert origins['demo:widgets:delete'] == 'file'
    assert origins['demo:widgets:create'] == 'default'

    # oslo.policy's own checker agrees with the minimized file.
    redundant = _run(
        'oslopolicy-list-redundant', '--namespace', NS, '--config-file', conf
    )
    assert redundant.returncode == 0, redundant.stderr
    assert redundant.stdout.strip() == ''


def test_bad_usage_is_one_line(tmp_path):
    result = _run('oslo-policy-delta', 'lint', '--namespace', 'nope')
    assert result.returncode == 2
    assert result.stderr.count('\n') == 1
    assert 'Traceback' not in result.stderr
