"""Demo: policy defaults in code, the operator's delta and a denied call."""

from __future__ import annotations

import logging
import os
import warnings

from oslo_extras.demo import _policy_service
from oslo_extras.policy import delta
from oslo_extras.policy import files
from oslo_extras.policy import inputs
from oslo_extras.policy import lint
from oslo_extras.policy import model
from oslo_extras.policy import runtime

TITLE = "Policy defaults and the operator's delta (oslo-policy-delta)"

# What an operator carried over from the last release: a full copy of the
# defaults, one override under a renamed rule's old name and one typo.
OLD_STYLE_FILE = """\
"admin_required": "role:admin"
"demo:widgets:list": "role:reader and project_id:%(project_id)s"
"demo:widgets:create": "rule:project_member"
"demo:widget:delete": "rule:admin_required or role:janitor"
"demo:widgets:lsit": "role:auditor"
"""


def run(workdir: str) -> bool | None:
    warnings.simplefilter('ignore')
    # The refused reload is logged too; the demo prints it itself.
    logging.getLogger('oslo_extras.policy').addHandler(logging.NullHandler())
    path = os.path.join(workdir, 'policy.yaml')
    with open(path, 'w') as stream:
        stream.write(OLD_STYLE_FILE)
    conf = inputs.make_conf(policy_file=path, policy_dirs=[])
    rules = _policy_service.list_rules()

    print('$ oslo-policy-delta lint --namespace oslo_extras_demo')
    layers = files.read_layers(conf)
    ruleset = model.build(rules, layers)
    findings = lint.lint(ruleset, layers)
    for finding in findings:
        print('  ' + finding.as_text().replace(workdir + os.sep, ''))

    # The typo is the operator's to fix; lint said what was meant.
    del ruleset.overrides['demo:widgets:lsit']
    kept = delta.minimize(ruleset)
    text = delta.format_overrides(kept, 'The delta over the defaults.')
    print('\n$ oslo-policy-delta minimize  # the delta file:')
    print('  ' + text.rstrip('\n').replace('\n', '\n  '))
    with open(path, 'w') as stream:
        stream.write(text)

    enforcer = runtime.SafeEnforcer(conf, strict=True, reload_interval=0)
    enforcer.register_defaults(rules)
    widget = {'project_id': 'p1', 'user_id': 'alice'}
    calls = [
        ('janitor', {'roles': ['janitor'], 'project_id': 'p2'}, True),
        (
            'bob (member)',
            {'roles': ['member'], 'project_id': 'p1', 'user_id': 'bob'},
            False,
        ),
        # The new default lets owners delete; the operator's old-name
        # override (kept in the delta) still shadows it: see "diff".
        (
            'alice (member)',
            {'roles': ['member'], 'project_id': 'p1', 'user_id': 'alice'},
            False,
        ),
    ]
    print("\nDELETE /widgets/w1 (alice's widget), rule demo:widgets:delete:")
    ok = True
    for who, creds, expected in calls:
        allowed = bool(enforcer.enforce('demo:widgets:delete', widget, creds))
        print(f'  {who:<15} -> {"allowed" if allowed else "DENIED"}')
        ok = ok and allowed == expected

    with open(path, 'a') as stream:
        stream.write('"demo:widgets:delete": "role:janitor or"\n')
    reloaded = enforcer.reload()
    still = enforcer.enforce('demo:widgets:delete', widget, calls[0][1])
    print('\nA broken edit is refused on reload; the old rules stay:')
    print(f'  reload ok: {reloaded}; janitor still allowed: {bool(still)}')
    error = (enforcer.last_reload_error or '').replace(workdir + os.sep, '')
    print('  ' + error)
    codes = {f.code for f in findings}
    return (
        ok
        and not reloaded
        and bool(still)
        and {'unknown-rule', 'deprecated-name', 'redundant-override'} <= codes
        and list(kept) == ['demo:widgets:delete']
    )
