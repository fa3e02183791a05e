#!/usr/bin/env python3
"""enforce() throughput: oslo_extras SafeEnforcer vs plain oslo.policy.

Same registered rules (1, 200 and 2,000), same policy file (every tenth
rule overridden), same credential grid, in one run. Prints the median time
per call over several rounds, the ratio, and checks that every decision is
identical. Also times the first enforce() after the policy file changed
(oslo.policy re-parses it on the request path; SafeEnforcer does not).

    .venv/bin/python benchmarks/policy.py            # everything
    .venv/bin/python benchmarks/policy.py synthetic  # 1/200/2,000 rules
    .venv/bin/python benchmarks/policy.py real       # nova + SAP's file
    .venv/bin/python benchmarks/policy.py load       # 1k/4k/16k rules

``real`` needs nova installed (``python3 run.py realworld``): nova's 214
rules with SAP's production nova policy file
(``tests/realworld/policy/files``), ``enforce()`` and
``authorize(do_raise=True)`` over personas from the rules. ``load`` times
the first load of a rule set where half the rules are registered and half
are the operator's helper and unknown rules.
"""

from __future__ import annotations

import itertools
import os
import statistics
import sys
import tempfile
import time
import warnings

import _record
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


def _alternating(functions, calls, rounds=ROUNDS) -> list[list[float]]:
    """Seconds per call of each function in each round, rounds alternating
    so a busy machine slows all of them alike."""
    times: list[list[float]] = [[] for _ in functions]
    for _ in range(rounds):
        for index, function in enumerate(functions):
            start = time.perf_counter()
            for call in calls:
                function(*call)
            times[index].append((time.perf_counter() - start) / len(calls))
    return times


def _authorizer(enforcer):
    def authorize(name, target, creds):
        try:
            enforcer.authorize(name, target, creds, do_raise=True)
        except (policy.PolicyNotAuthorized, policy.InvalidScope):
            pass

    return authorize


def real() -> bool:
    """nova's rules with SAP's nova policy file: enforce and authorize."""
    import logging

    from oslo_extras.policy import defaults
    from oslo_extras.policy import equivalence
    from oslo_extras.policy import files
    from oslo_extras.policy import model

    logging.disable(logging.CRITICAL)
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(
        here,
        '..',
        'tests',
        'realworld',
        'policy',
        'files',
        'sapcc-nova-policy.yaml',
    )
    try:
        rules = defaults.load_defaults(['nova'])
    except LookupError:
        print('real: nova is not installed (python3 run.py realworld)')
        return True
    conf = inputs.make_conf(policy_file=os.path.abspath(path), policy_dirs=[])
    plain = policy.Enforcer(conf)
    plain.suppress_deprecation_warnings = True
    plain.register_defaults(defaults.load_defaults(['nova']))
    ours = runtime.SafeEnforcer(conf, reload_interval=0)
    ours.suppress_deprecation_warnings = True
    ours.register_defaults(rules)
    ruleset = model.build(rules, [files.read_layer(path)])
    people = equivalence.personas([ruleset])
    places = equivalence.targets([ruleset])
    names = [rule.name for rule in rules]
    sample = [
        (
            names[i % len(names)],
            places[i % len(places)],
            people[i % len(people)],
        )
        for i in range(0, len(names) * 7, 3)
    ]
    same = all(
        bool(plain.enforce(n, dict(t), dict(c)))
        == bool(ours.enforce(n, dict(t), dict(c)))
        for n, t, c in sample
    )
    _record.parameters(
        nova_rules=len(rules), real_calls=len(sample), personas=len(people)
    )
    print(
        f'real: nova {len(rules)} rules + SAP nova policy file, '
        f'{len(sample)} calls over {len(people)} personas '
        f'(load average {os.getloadavg()[0]:.1f}); medians of {ROUNDS} '
        'alternating rounds, and the median of the per-round ratios'
    )
    for label, mine, theirs in (
        ('enforce()', ours.enforce, plain.enforce),
        ('authorize(do_raise=True)', _authorizer(ours), _authorizer(plain)),
    ):
        r_plain, r_ours = _alternating([theirs, mine], sample)
        t_plain, t_ours = map(statistics.median, (r_plain, r_ours))
        ratio = statistics.median(
            a / b for a, b in zip(r_plain, r_ours, strict=True)
        )
        q1, _, q3 = statistics.quantiles(
            [b / a for a, b in zip(r_plain, r_ours, strict=True)], n=4
        )
        _record.figure(
            'real',
            label,
            t_ours * 1e6,
            'µs',
            upstream=t_plain * 1e6,
            ratio_spread=(q1, q3),
            runs=ROUNDS,
        )
        print(
            f'  {label:<26} oslo.policy {t_plain * 1e6:8.1f}µs  '
            f'oslo_extras {t_ours * 1e6:6.2f}µs  '
            f'{t_plain / t_ours:5.0f}x  (per round {ratio:.0f}x)'
        )
    print(f'  decisions {"identical" if same else "DIFFERENT"}')
    return same


def load() -> bool:
    """First load: half registered rules, half helper + unknown rules."""
    import logging

    logging.disable(logging.CRITICAL)
    print('load: first load_rules(), half registered, half operator rules')
    for count in (1000, 4000, 16000):
        rules = [
            policy.RuleDefault(f'svc:r{i}', CHECKS[i % 4])
            for i in range(count // 2)
        ]
        rules.append(
            policy.RuleDefault(
                'admin_or_owner', 'role:admin or project_id:%(project_id)s'
            )
        )
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, 'policy.yaml')
            with open(path, 'w') as stream:
                for i in range(count // 4):
                    stream.write(
                        f'"helper{i}": "role:h{i}"\n'
                        f'"unknown:r{i}": "rule:helper{i}"\n'
                    )
            conf = inputs.make_conf(policy_file=path, policy_dirs=[])
            timings = []
            for enforcer in (
                policy.Enforcer(conf),
                runtime.SafeEnforcer(conf, reload_interval=0),
            ):
                enforcer.register_defaults(rules)
                start = time.perf_counter()
                enforcer.load_rules()
                timings.append(time.perf_counter() - start)
        _record.figure(
            'load',
            f'first load_rules(), {count:,} rules',
            timings[1],
            's',
            upstream=timings[0],
            runs=1,
            statistic=None,
        )
        print(
            f'  {count:>6} rules  oslo.policy {timings[0]:6.2f} s  '
            f'oslo_extras {timings[1]:6.2f} s  '
            f'({timings[1] / timings[0]:.1f}x its time)'
        )
    return True


def main(argv=None) -> int:
    import logging

    warnings.simplefilter('ignore')
    # Reload deltas are logged at WARNING; not part of the figures.
    logging.disable(logging.CRITICAL)
    wanted = set(argv if argv is not None else sys.argv[1:]) or {
        'synthetic',
        'real',
        'load',
    }
    _record.labels('SafeEnforcer', 'oslo.policy')
    ok = True
    if 'synthetic' in wanted:
        ok = synthetic() and ok
    if 'real' in wanted:
        ok = real() and ok
    if 'load' in wanted:
        ok = load() and ok
    return 0 if ok else 1


def synthetic() -> bool:
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
        _record.figure(
            'synthetic',
            f'enforce(), {count:,} rule' + 's' * (count > 1),
            t_ours * 1e6,
            'µs',
            upstream=t_plain * 1e6,
            runs=ROUNDS,
        )
        _record.figure(
            'synthetic',
            f'first call after file change, {count:,} rule'
            + 's' * (count > 1),
            s_ours * 1e3,
            'ms',
            upstream=s_plain * 1e3,
            runs=1,
            statistic=None,
        )
        ok = ok and same
        print(
            f'{count:>6} {t_plain * 1e6:>10.1f}µs {t_ours * 1e6:>10.2f}µs '
            f'{t_plain / t_ours:>6.0f}x   '
            f'{s_plain * 1e3:>9.2f} ms vs {s_ours * 1e3:>6.3f} ms   '
            f'{"identical" if same else "DIFFERENT"}'
        )
    if not ok:
        print('decisions differ: benchmark invalid', file=sys.stderr)
    return ok


if __name__ == '__main__':
    sys.exit(main())
