#!/usr/bin/env python3
"""Render OpenStack charm templates of the corpus with plausible values.

    python tests/realworld/config_check/render_charms.py [--check]

``templates/charms/<charm>/`` holds the charm's ``templates/<release>/``
file and the parts it includes (the charm's ``templates/parts/`` and
charm-helpers' ``contrib/openstack/templates/``), copied unchanged. The
values, ``charm-values.yaml``, stand for what the charm's context
generators return for one deployment; as in charm-helpers' renderer, a
value no context sets is undefined (false in ``{% if %}``).
"""

from __future__ import annotations

import os
import re
import sys

import jinja2
import yaml

if __package__:  # imported by the tests
    from ._render_cli import write_or_check
else:  # run as a script
    from _render_cli import write_or_check

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATES = os.path.join(HERE, 'templates', 'charms')
OUTPUT = os.path.join(HERE, 'files', 'charms')
VALUES = os.path.join(HERE, 'charm-values.yaml')


def render_all() -> dict[str, str]:
    with open(VALUES) as stream:
        values = yaml.safe_load(stream)
    rendered = {}
    for charm, files in sorted(values.items()):
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(os.path.join(TEMPLATES, charm)),
            keep_trailing_newline=True,
        )
        for name, context in sorted(files.items()):
            text = env.get_template(name).render(context)
            text = re.sub(r'\n{3,}', '\n\n', text)
            rendered[os.path.join(OUTPUT, charm, name)] = text
    return rendered


def main(argv: list[str]) -> int:
    return write_or_check('render_charms.py', render_all, argv)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
