#!/usr/bin/env python3
"""oslo-config-check against oslo-config-validator on the same work.

Builds one large config file from the sample config of several real
namespaces (every option uncommented with its sample value, plus a few
typos), then times, in one run:

* both command lines end to end (process start, loading the namespaces,
  reading and checking the file): what an operator's CI job pays;
* the checking alone, in process, with the options already loaded.

Prints medians and the ratio ours / upstream (below 1.0: ours is faster).
"""

from __future__ import annotations

import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import _record

NAMESPACES = [
    'keystone',
    'barbican.common.config',
    'oslo.cache',
    'osprofiler',
    'oslo.log',
    'oslo.messaging',
    'oslo.policy',
    'oslo.db',
    'oslo.middleware',
    'oslo.concurrency',
    'oslo.service.service',
    'keystonemiddleware.auth_token',
    'castellan.config',
]
RUNS = 15
BIN = os.path.dirname(sys.executable)


def build_config(
    directory: str,
    namespaces: list[str] = NAMESPACES,
    name: str = 'large.conf',
) -> str:
    """A config from oslo-config-generator's sample with every commented
    ``name = value`` set, plus one typo (``devug``) both tools must catch."""
    sample = os.path.join(directory, 'sample.conf')
    ns_args = [arg for ns in namespaces for arg in ('--namespace', ns)]
    subprocess.run(
        [
            os.path.join(BIN, 'oslo-config-generator'),
            *ns_args,
            '--output-file',
            sample,
        ],
        check=True,
        stderr=subprocess.DEVNULL,
    )
    out_lines = []
    with open(sample) as stream:
        for line in stream:
            # "#name = value" lines become settings; help text stays.
            match = re.match(r'^#([a-z][\w-]*) = (.+)$', line)
            if match and '<' not in match.group(2):
                line = f'{match.group(1)} = {match.group(2)}\n'
            out_lines.append(line)
    # Mistakes both tools should catch.
    out_lines.insert(out_lines.index('[DEFAULT]\n') + 1, 'devug = true\n')
    path = os.path.join(directory, name)
    with open(path, 'w') as stream:
        stream.writelines(out_lines)
    return path


def _alternating(ours, theirs) -> tuple[float, float]:
    """Median seconds of each, run in turns so both see the same noise."""
    times: tuple[list[float], list[float]] = ([], [])
    for turn in range(RUNS):
        pair = ((0, ours), (1, theirs))
        for index, fn in pair if turn % 2 == 0 else reversed(pair):
            start = time.perf_counter()
            fn()
            times[index].append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def _command(cmd: list[str], codes: list[int]):
    def run():
        codes.append(
            subprocess.run(
                cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            ).returncode
        )

    return run


def in_process(path: str) -> tuple[float, float, int]:
    from oslo_config import cfg
    from oslo_config import validator as upstream

    from oslo_extras.config.catalog import OptionCatalog
    from oslo_extras.config.validate import Validator

    logging.disable(logging.CRITICAL)  # upstream logs every finding
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        catalog = OptionCatalog.from_namespaces(NAMESPACES)
    ours = Validator(catalog)
    findings = ours.validate([path])

    from oslo_config import generator

    groups = generator._get_groups(generator._list_opts(NAMESPACES))
    conf = cfg.ConfigOpts()
    upstream._register_cli_opts(conf)
    conf(['--input-file', path])
    conf.register_opts(upstream._validator_opts)
    opt_data = generator._generate_machine_readable_data(groups, conf)

    def upstream_check():
        sections = {}
        cfg.ConfigParser(path, sections).parse()
        for section, options in sections.items():
            for option in options:
                if not upstream._validate_deprecated_opt(
                    section, option, opt_data
                ):
                    upstream._validate_opt(section, option, opt_data)

    ours_time, theirs_time = _alternating(
        lambda: ours.validate([path]), upstream_check
    )
    return ours_time, theirs_time, len(findings)


def main() -> int:
    with tempfile.TemporaryDirectory() as directory:
        path = build_config(directory)
        with open(path) as stream:
            lines = sum(1 for _ in stream)
        ns_args = [arg for ns in NAMESPACES for arg in ('--namespace', ns)]
        ours_codes: list[int] = []
        theirs_codes: list[int] = []
        ours_cli, theirs_cli = _alternating(
            _command(
                # Cold: what the first run after an upgrade pays
                # (config_check_fleet.py times the warm cache).
                [os.path.join(BIN, 'oslo-config-check'), '--no-cache']
                + [*ns_args, '--config-file', path],
                ours_codes,
            ),
            _command(
                [os.path.join(BIN, 'oslo-config-validator'), *ns_args]
                + ['--input-file', path],
                theirs_codes,
            ),
        )
        ours_code, theirs_code = ours_codes[-1], theirs_codes[-1]
        ours_check, theirs_check, found = in_process(path)

    _record.labels('oslo-config-check', 'oslo-config-validator')
    _record.parameters(lines=lines, namespaces=len(NAMESPACES), runs=RUNS)
    _record.figure(
        'check',
        'command line, end to end',
        ours_cli * 1000,
        'ms',
        upstream=theirs_cli * 1000,
        runs=RUNS,
    )
    _record.figure(
        'check',
        'checking only, in process',
        ours_check * 1000,
        'ms',
        upstream=theirs_check * 1000,
        runs=RUNS,
    )
    _record.figure('check', 'findings (ours)', found, 'count', runs=None)
    print(
        f'config: {lines} lines, {len(NAMESPACES)} namespaces; '
        f'median of {RUNS} runs'
    )
    print(f'{"":28}{"oslo-config-check":>20}{"oslo-config-validator":>24}')
    print(
        f'{"command line, end to end":28}{ours_cli * 1000:18.0f}ms'
        f'{theirs_cli * 1000:22.0f}ms   ratio {ours_cli / theirs_cli:.2f}'
    )
    print(
        f'{"checking only, in process":28}{ours_check * 1000:18.1f}ms'
        f'{theirs_check * 1000:22.1f}ms   ratio '
        f'{ours_check / theirs_check:.2f}'
    )
    print(
        f'exit codes: ours {ours_code}, upstream {theirs_code}; '
        f'our findings: {found} (types, ranges, choices, suggestions '
        'included; upstream checks names only)'
    )
    return 0


if __name__ == '__main__':
    sys.exit(main())
