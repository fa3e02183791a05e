#!/usr/bin/env python3
"""enforce() throughput: oslo_extras SafeEnforcer vs plain oslo.policy.

Same registered rules (1, 200 and 2,000), same policy file (every tenth
rule overridden), same credential grid, in one run. Prints the median time
per call over several rounds, the ratio, and checks that every decision is
identical. Also times the first enforce() after the policy file changed
(oslo.policy re-parses it on the request path; SafeEnforcer does not).

    .venv/bin/python benchmarks/policy.py
"""

from __future__ import annotations

import itertools
import os
import statistics
import sys
import tempfile
import time
import warnings

from oslo_policy import policy

from oslo_extras.policy import inputs
from oslo_extras.policy import runtime

SIZES = (1, 200, 2000)
ROUNDS = 7
CHECKS = (
    'role:reader and project_id:%(project_id)s',
    'rule:admin_or_owner',
    'role:admin or (role:member and user_id:%(user_id)s)',
    'rule:admin_or_owner and not role:readonly',
)


def _rules(count: int) -> list[policy.RuleDefault]:
    rules = [
        policy.RuleDefault(
            'admin_or_owner', 'role:admin or project_id:%(project_id)s'
        )
    ]
    for i in range(count - 1 if count > 1 else 1):
        rules.append(policy.RuleDefault(f'svc:res{i}:act', CHECKS[i % 4]))
    return rules[:count] if count > 1 else rules[1:]


def _write_overrides(path: str, rules, variant: str = '') -> None:
    with open(path, 'w') as stream:
        for i, rule in enumerate(rules):
            if i % 10 == 0:
                stream.write(
                    f'"{rule.name}": "role:admin{variant} or '
                    f'{rule.check_str}"\n'
                )


def _grid():
    creds = []
    for roles, project, user in itertools.product(
        (['reader'], ['member'], ['admin'], []), ('p1', 'p2'), ('u1', 'u2')
    ):
        creds.append({'roles': roles, 'project_id': project, 'user_id': user})
    target = {'project_id': 'p1', 'user_id': 'u1'}
    return creds, target


def _time_calls(enforcers, names, creds, target) -> list[float]:
    """Median seconds per enforce() call of each enforcer.

    Rounds alternate between the enforcers, so a busy machine slows both.
    """
    per_call: list[list[float]] = [[] for _ in enforcers]
    calls = [(n, c) for n in names for c in creds]
    for _ in range(ROUNDS):
        for index, enforcer in enumerate(enforcers):
            start = time.perf_counter()
            for name, cred in calls:
                enforcer.enforce(name, target, cred)
            elapsed = time.perf_counter() - start
            per_call[index].append(elapsed / len(calls))
    return [statistics.median(times) for times in per_call]


def _decisions(enforcer, names, creds, target):
    return [
        bool(enforcer.enforce(n, target, dict(c)))
        for n in names
        for c in creds
    ]


def run_size(count: int) -> tuple[float, float, float, float, bool]:
    rules = _rules(count)
    creds, target = _grid()
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, 'policy.yaml')
        conf = inputs.make_conf(policy_file=path, policy_dirs=[])
        _write_overrides(path, rules)
        plain = policy.Enforcer(conf)
        plain.register_defaults(rules)
        ours = runtime.SafeEnforcer(conf, reload_interval=0)
        ours.register_defaults(rules)
        # Sample names across the whole rule set.
        step = max(1, len(rules) // 20)
        names = [rule.name for rule in rules[::step]][:20]
        same = _decisions(plain, names, creds, target) == _decisions(
            ours, names, creds, target
        )
        t_plain, t_ours = _time_calls([plain, ours], names, creds, target)

        # First call after the file changed: oslo.policy re-parses inline.
        _write_overrides(path, rules, variant='x')
        os.utime(path, (time.time() + 5, time.time() + 5))
        start = time.perf_counter()
        plain.enforce(names[0], target, creds[0])
        stall_plain = time.perf_counter() - start
        start = time.perf_counter()
        ours.enforce(names[0], target, creds[0])
        stall_ours = time.perf_counter() - start
        ours.reload()  # what the background thread does, off the path
        same = same and _decisions(plain, names, creds, target) == (
            _decisions(ours, names, creds, target)
        )
    return t_plain, t_ours, stall_plain, stall_ours, same


def main() -> int:
    warnings.simplefilter('ignore')
    print(
        f'enforce() per call, median of {ROUNDS} rounds (policy file with '
        'every tenth rule overridden)'
    )
    header = (
        f'{"rules":>6} {"oslo.policy":>12} {"oslo_extras":>12} '
        f'{"ratio":>7}   {"stall after file change":>26}  decisions'
    )
    print(header)
    ok = True
    for count in SIZES:
        t_plain, t_ours, s_plain, s_ours, same = run_size(count)
        ok = ok and same
        print(
            f'{count:>6} {t_plain * 1e6:>10.1f}µs {t_ours * 1e6:>10.2f}µs '
            f'{t_plain / t_ours:>6.0f}x   '
            f'{s_plain * 1e3:>9.2f} ms vs {s_ours * 1e3:>6.3f} ms   '
            f'{"identical" if same else "DIFFERENT"}'
        )
    if not ok:
        print('decisions differ: benchmark invalid', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
