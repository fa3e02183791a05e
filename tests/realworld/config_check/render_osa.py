#!/usr/bin/env python3
"""Render openstack-ansible role templates of the corpus with plausible values.

    python tests/realworld/config_check/render_osa.py [--check]

Each ``templates/openstack-ansible/<role>/`` holds the role's template and
its ``defaults/main.yml`` and ``vars/main.yml`` (copied unchanged). Values
are resolved as Ansible does: ``osa-values.yaml`` (the deployment's
user_variables and inventory facts) beats the role's vars, which beat its
defaults; a string value is itself a template, rendered when first read.
Ansible's filters used by the templates get small stand-ins.
"""

from __future__ import annotations

import json
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
TEMPLATES = os.path.join(HERE, 'templates', 'openstack-ansible')
OUTPUT = os.path.join(HERE, 'files', 'openstack-ansible')
VALUES = os.path.join(HERE, 'osa-values.yaml')


def _bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ('yes', 'true', '1', 'on')
    return bool(value)


def _ternary(value, yes, no):
    return yes if _bool(value) else no


def _extract(key, container, path):
    value = container[key]
    for part in path if isinstance(path, list) else [path]:
        value = value[part]
    return value


def _combine(*dicts, recursive=False):
    merged: dict = {}
    for item in dicts:
        merged.update(item)
    return merged


def _flatten(items, levels=None):
    flat: list = []
    for item in items:
        if isinstance(item, list):
            flat.extend(_flatten(item))
        else:
            flat.append(item)
    return flat


class _Vars(dict):
    """Variables whose string values are templates, rendered lazily."""

    def __init__(self, env, layers):
        super().__init__()
        self._env = env
        self._raw = {}
        for layer in layers:
            self._raw.update(layer)

    def __contains__(self, key):
        return key in self._raw

    def __getitem__(self, key):
        if key not in self._raw:
            raise KeyError(key)
        if not dict.__contains__(self, key):
            dict.__setitem__(self, key, self._resolve(self._raw[key]))
        return dict.__getitem__(self, key)

    def get(self, key, default=None):
        return self[key] if key in self._raw else default

    def _resolve(self, value):
        if isinstance(value, str) and ('{{' in value or '{%' in value):
            text = _render(self._env.from_string(value), self).strip()
            if text in ('True', 'False'):
                return text == 'True'
            try:
                return yaml.safe_load(text) if text[:1] in '[{' else text
            except yaml.YAMLError:
                return text
        if isinstance(value, list):
            return [self._resolve(v) for v in value]
        if isinstance(value, dict):
            return _LazyDict(self, value)
        return value


class _LazyDict(dict):
    """A dict value whose items are resolved when read (they may refer
    back to the variable holding the dict, which Ansible allows)."""

    def __init__(self, variables: _Vars, raw: dict):
        super().__init__(raw)
        self._variables = variables
        self._done: dict = {}

    def __getitem__(self, key):
        if key not in self._done:
            raw = dict.__getitem__(self, key)
            self._done[key] = self._variables._resolve(raw)
        return self._done[key]

    def get(self, key, default=None):
        return self[key] if key in self else default

    def items(self):
        return [(key, self[key]) for key in self.keys()]

    def values(self):
        return [self[key] for key in self.keys()]

    def __repr__(self):
        return repr(dict(self.items()))

    __str__ = __repr__


def _render(template: jinja2.Template, variables: _Vars) -> str:
    # Template.render() copies its mapping; a shared context reads it lazily.
    context = template.new_context(variables, shared=True)
    return ''.join(template.root_render_func(context))


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
    )
    env.filters.update(
        # Ansible's unique gives a list (Jinja's a generator).
        unique=lambda seq, **kw: list(
            jinja2.filters.sync_do_unique(env, seq, **kw)
        ),
        extract=_extract,
        combine=_combine,
        union=lambda a, b: list(dict.fromkeys(list(a) + list(b))),
        difference=lambda a, b: [x for x in a if x not in b],
        intersect=lambda a, b: [x for x in a if x in b],
        regex_replace=lambda v, p, r='': re.sub(p, r.replace('\\', '\\'), v),
        flatten=_flatten,
        dict2items=lambda d: [{'key': k, 'value': v} for k, v in d.items()],
        items2dict=lambda items: {i['key']: i['value'] for i in items},
        bool=_bool,
        ternary=_ternary,
        to_json=json.dumps,
        to_yaml=yaml.safe_dump,
    )
    return env


def render(role: str, template: str, values: dict) -> str:
    env = environment()
    layers = []
    for name in ('defaults-main.yml', 'vars-main.yml'):
        path = os.path.join(TEMPLATES, role, name)
        if os.path.exists(path):
            with open(path) as stream:
                layers.append(yaml.safe_load(stream) or {})
    layers.append(values.get('common', {}))
    layers.append(values.get(role, {}))
    context = _Vars(env, layers)
    with open(os.path.join(TEMPLATES, role, template)) as stream:
        source = stream.read()
    text = _render(env.from_string(source), context)
    return re.sub(r'\n{3,}', '\n\n', text)


def render_all() -> dict[str, str]:
    with open(VALUES) as stream:
        values = yaml.safe_load(stream)
    rendered = {}
    for role in sorted(os.listdir(TEMPLATES)):
        for name in sorted(os.listdir(os.path.join(TEMPLATES, role))):
            if name.endswith('.j2'):
                out = os.path.join(OUTPUT, role, name[: -len('.j2')])
                rendered[out] = render(role, name, values)
    return rendered


def main(argv: list[str]) -> int:
    return write_or_check('render_osa.py', render_all, argv)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
