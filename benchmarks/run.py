#!/usr/bin/env python3
"""Run every benchmark in one go: ``python benchmarks/run.py [NAME ...]``.

Each benchmark is a standalone script in this directory that compares our
code with the upstream tool on the same work, in one run, and prints medians
and a ratio. Some start real servers (they need ``python3 run.py bench``).
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# (name, script) in the order they run.
BENCHMARKS = (
    ('config_check', 'config_check.py'),
    # needs the real-world services (python3 run.py realworld installs them)
    ('config_check_corpus', 'config_check_corpus.py'),
    ('config_check_fleet', 'config_check_fleet.py'),
    ('config_migrate', 'config_migrate.py'),
    ('policy', 'policy.py'),
    ('sources', 'sources.py'),
    ('sources_watch', 'sources_watch.py'),
    ('config_reload', 'config_reload.py'),
    ('messaging', 'messaging.py'),
)


def main(argv):
    wanted = set(argv)
    unknown = wanted - {name for name, _ in BENCHMARKS}
    if unknown:
        sys.exit('unknown benchmark(s): ' + ', '.join(sorted(unknown)))
    status = 0
    for name, script in BENCHMARKS:
        if wanted and name not in wanted:
            continue
        print(f'\n=== benchmark: {name} ===', flush=True)
        code = subprocess.call([sys.executable, os.path.join(HERE, script)])
        status = status or code
    return status


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
