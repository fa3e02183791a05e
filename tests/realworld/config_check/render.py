#!/usr/bin/env python3
"""Render the kolla-ansible templates of the corpus with plausible values.

    python tests/realworld/config_check/render.py [--check]

Reads ``templates/kolla-ansible/<role>/<name>.j2`` and writes
``files/kolla-ansible/<role>/<name>`` (committed, so the tests need no
Jinja). Values come from ``kolla-values.yaml`` (``common`` then the
template's own entry); a variable listed in neither gets the value of the
first matching rule in :data:`RULES`, and a variable no rule matches stops
the rendering: every value in the corpus is a deliberate one. The filters
kolla-ansible adds to Ansible are given small stand-ins. ``--check`` fails
when a committed file differs from a fresh rendering.
"""

from __future__ import annotations

import json
import os
import re
import sys

import jinja2
import jinja2.meta
import yaml

if __package__:  # imported by the tests
    from ._render_cli import write_or_check
else:  # run as a script
    from _render_cli import write_or_check

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATES = os.path.join(HERE, 'templates', 'kolla-ansible')
OUTPUT = os.path.join(HERE, 'files', 'kolla-ansible')
VALUES = os.path.join(HERE, 'kolla-values.yaml')

#: Variables the templates test with ``is defined`` or set themselves.
LEFT_UNDEFINED = frozenset({'vendordata_file_path', 'host_value'})

#: (regex on the variable name, value) for variables not in the YAML.
RULES: tuple[tuple[str, object], ...] = (
    (r'^enable_', False),
    (r'(password|secret|secret_key|access_key|api_token|_jwt)$', 'REDACTED'),
    (r'_logging_debug$', False),
    (r'_workers$', 4),
    (r'_port$', 8000),
    (r'_database_address$', '10.0.0.10:3306'),
    (r'_database_enable_tls_internal$', False),
    (r'_database_(user|name)$', lambda n: n.split('_')[0]),
    (r'_keystone_user$', lambda n: n.split('_')[0]),
    (r'_policy_file$', 'policy.yaml'),
    (r'_enabled_notification_topics$', []),
    (r'^cinder_backend_\w+_name$', lambda n: n.split('_')[2]),
    (r'_backend$', lambda n: n.split('_')[0]),
    (r'_(compression|streaming_mode)$', 'auto'),
    (r'^(cinder_backup|glance_backend_s3|cinder_vast)_', ''),
    (r'^(lightbits|pure|quobyte|cinder_vast)_', ''),
    (r'^(nova_pci|cinder_cluster)', ''),
    (r'_fqdn$', 'cloud.example.org'),
)

_ADDRESSES = {
    'controller1': '10.0.0.11',
    'controller2': '10.0.0.12',
    'controller3': '10.0.0.13',
    'compute1': '10.0.0.31',
    'compute2': '10.0.0.32',
}


def _ansible_bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ('yes', 'true', '1', 'on')
    return bool(value)


def _kolla_address(network: str, host: str | None = None) -> str:
    return _ADDRESSES[host or 'controller1']


def _put_address_in_context(address: str, context: str) -> str:
    return f'[{address}]' if ':' in address else address


def _kolla_url(fqdn: str, protocol: str, port, path: str = '') -> str:
    return f'{protocol}://{fqdn}:{port}{path}'


def environment(role: str = '') -> jinja2.Environment:
    # A role's templates include others by paths relative to the role.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(
            [TEMPLATES, os.path.join(TEMPLATES, role)]
        ),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,  # as Ansible's template module
    )
    env.filters.update(
        bool=_ansible_bool,
        kolla_address=_kolla_address,
        put_address_in_context=_put_address_in_context,
        kolla_url=_kolla_url,
        to_json=json.dumps,
        zip=lambda a, b: list(zip(a, b, strict=False)),
    )
    return env


def _rule_value(name: str):
    for pattern, value in RULES:
        if re.search(pattern, name):
            return value(name) if callable(value) else value
    raise SystemExit(f'render.py: no value for {name!r}: add it to {VALUES}')


def values_for(env: jinja2.Environment, template: str, data) -> dict:
    source = env.loader.get_source(env, template)[0]
    wanted = jinja2.meta.find_undeclared_variables(env.parse(source))
    values = dict(data['common'])
    values.update(data['templates'].get(template, {}))
    for name in sorted(wanted - set(values) - LEFT_UNDEFINED):
        values[name] = _rule_value(name)
    return values


def render_all() -> dict[str, str]:
    """Return ``{output path: text}`` for every template."""
    env = environment()
    with open(VALUES) as stream:
        data = yaml.safe_load(stream)
    rendered = {}
    for template in sorted(env.list_templates(extensions=['j2'])):
        if template.count('/') != 1:
            continue  # an included fragment (nova.conf.d/...)
        env = environment(template.split('/')[0])
        source = env.loader.get_source(env, template)[0]
        if source.startswith('#jinja2: trim_blocks: False'):
            # Ansible reads this header, applies it and drops the line.
            env.trim_blocks = False
            source = source.split('\n', 1)[1]
        text = env.from_string(source).render(values_for(env, template, data))
        # Collapse the blank runs the skipped blocks leave.
        text = re.sub(r'\n{3,}', '\n\n', text)
        rendered[os.path.join(OUTPUT, template[: -len('.j2')])] = text
    return rendered


def main(argv: list[str]) -> int:
    return write_or_check('render.py', render_all, argv)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
