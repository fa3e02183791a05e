"""Run the demo steps: ``python -m oslo_extras.demo [STEP ...]``."""

import argparse
import importlib
import sys
import tempfile

from oslo_extras.demo import STEPS
from oslo_extras.demo import _entry_points


def _run_step(name, failed):
    module = importlib.import_module(f'oslo_extras.demo.{name}')
    print(f'\n=== {module.TITLE} ===\n', flush=True)
    with tempfile.TemporaryDirectory(prefix=f'oslo-extras-{name}-') as d:
        if module.run(d) is False:
            failed.append(name)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='python -m oslo_extras.demo', description=__doc__
    )
    parser.add_argument(
        'steps',
        nargs='*',
        metavar='STEP',
        help='steps to run (default: all): ' + ', '.join(STEPS),
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.steps) - set(STEPS))
    if unknown:
        parser.error('unknown step(s): ' + ', '.join(unknown))
    failed = []
    with _entry_points.registered():
        for name in args.steps or STEPS:
            _run_step(name, failed)
    if failed:
        print('\ndemo steps that did not behave: ' + ', '.join(failed))
        return 1
    print('\nAll demo steps done.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
