#!/usr/bin/env python3
"""Assemble config files from the services' install guides.

    python tests/realworld/config_check/assemble_guides.py SDIST_DIR

``SDIST_DIR`` holds the unpacked sdists (``pip download --no-deps
--no-binary :all: nova==34.0.0`` etc., then ``tar xzf``). The install
guides give a file as ``.. code-block:: ini`` snippets, each usually after a
``.. path /etc/<service>/<file>`` comment; an operator following the guide
ends with one file holding every snippet for that path. This script writes
that file to ``files/install-guide/<name>``: sections in the order they
first appear, the snippets' lines under them in guide order (the guides'
``# ...`` elision lines dropped).
"""

from __future__ import annotations

import os
import re
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
OUTPUT = os.path.join(HERE, 'files', 'install-guide')

#: output name: (guide files relative to SDIST_DIR, path the snippets name)
GUIDES: dict[str, tuple[tuple[str, ...], str | None]] = {
    'nova-controller.conf': (
        (
            'nova-34.0.0/doc/source/install/controller-install-ubuntu.rst',
            # nova's guide sends the reader here for [neutron]
            'neutron-29.0.0/doc/source/install/controller-install-ubuntu.rst',
        ),
        '/etc/nova/nova.conf',
    ),
    'nova-compute.conf': (
        (
            'nova-34.0.0/doc/source/install/compute-install-ubuntu.rst',
            'neutron-29.0.0/doc/source/install/compute-install-ubuntu.rst',
        ),
        '/etc/nova/nova.conf',
    ),
    'cinder-controller.conf': (
        (
            'cinder-29.0.0/doc/source/install/'
            'cinder-controller-install-ubuntu.rst',
        ),
        '/etc/cinder/cinder.conf',
    ),
    'cinder-storage.conf': (
        (
            'cinder-29.0.0/doc/source/install/'
            'cinder-storage-install-ubuntu.rst',
            'cinder-29.0.0/doc/source/install/'
            'cinder-backup-install-ubuntu.rst',
        ),
        '/etc/cinder/cinder.conf',
    ),
    'glance-api.conf': (
        (
            'glance-33.0.0/doc/source/install/edit-glance-api-conf.rst',
            'glance-33.0.0/doc/source/install/configure-quotas.rst',
        ),
        None,
    ),
    'keystone.conf': (
        ('keystone-30.0.0/doc/source/install/keystone-install-ubuntu.rst',),
        '/etc/keystone/keystone.conf',
    ),
    'neutron-controller.conf': (
        (
            'neutron-29.0.0/doc/source/install/'
            'controller-install-option2-ubuntu.rst',
            'neutron-29.0.0/doc/source/install/controller-install-ubuntu.rst',
        ),
        '/etc/neutron/neutron.conf',
    ),
    'neutron-ml2_conf.ini': (
        (
            'neutron-29.0.0/doc/source/install/'
            'controller-install-option2-ubuntu.rst',
        ),
        '/etc/neutron/plugins/ml2/ml2_conf.ini',
    ),
    'neutron-openvswitch_agent.ini': (
        (
            'neutron-29.0.0/doc/source/install/'
            'controller-install-option2-ubuntu.rst',
        ),
        '/etc/neutron/plugins/ml2/openvswitch_agent.ini',
    ),
    'neutron-dhcp_agent.ini': (
        (
            'neutron-29.0.0/doc/source/install/'
            'controller-install-option2-ubuntu.rst',
        ),
        '/etc/neutron/dhcp_agent.ini',
    ),
    'neutron-metadata_agent.ini': (
        ('neutron-29.0.0/doc/source/install/controller-install-ubuntu.rst',),
        '/etc/neutron/metadata_agent.ini',
    ),
    'neutron-compute.conf': (
        ('neutron-29.0.0/doc/source/install/compute-install-ubuntu.rst',),
        '/etc/neutron/neutron.conf',
    ),
}

#: What the reader is told to replace, with the values this corpus uses
#: (passwords stay placeholders: they are not secrets).
PLACEHOLDERS = {
    'MANAGEMENT_INTERFACE_IP_ADDRESS': '10.0.0.31',
    'OVERLAY_INTERFACE_IP_ADDRESS': '10.1.0.31',
    'PROVIDER_BRIDGE_NAME': 'br-provider',
    'SWIFT_URL': 'http://controller:8080/v1/AUTH_',
    'ENDPOINT_ID': '3d5b7c1e9f2a4b6c8d0e1f2a3b4c5d6e',
}

_PATH = re.compile(r'^\s*\.\. path (\S+)')
_BLOCK = re.compile(r'^(\s*)\.\. code-block:: ini\s*$')
_SECTION = re.compile(r'^\[([^\]]+)\]\s*$')


def snippets(rst: str, path: str | None) -> list[str]:
    """The ini blocks of ``rst`` for ``path`` (all when ``path`` is None)."""
    lines = rst.splitlines()
    found = []
    for index, line in enumerate(lines):
        match = _BLOCK.match(line)
        if not match:
            continue
        named = [
            m.group(1)
            for m in map(_PATH.match, lines[max(0, index - 2) : index])
            if m
        ]
        if path is not None and named != [path]:
            continue
        body = []
        indent = len(match.group(1))
        for text in lines[index + 1 :]:
            if text.strip() and len(text) - len(text.lstrip()) <= indent:
                break
            body.append(text)
        found.append(textwrap.dedent('\n'.join(body)).strip('\n'))
    return found


def merge(blocks: list[str]) -> str:
    """One file: each section once, in first-seen order."""
    sections: dict[str, list[str]] = {}
    current = None
    for block in blocks:
        for line in block.splitlines():
            if line.strip() in ('# ...', '...', ''):
                continue
            match = _SECTION.match(line.strip())
            if match:
                current = match.group(1)
                sections.setdefault(current, [])
            elif current is not None:
                sections[current].append(line.strip())
    out = []
    for name, body in sections.items():
        body = [_replace_placeholders(line) for line in body]
        out.append(f'[{name}]')
        out.extend(body)
        out.append('')
    return '\n'.join(out)


def _replace_placeholders(line: str) -> str:
    for placeholder, value in PLACEHOLDERS.items():
        line = line.replace(placeholder, value)
    return line


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    os.makedirs(OUTPUT, exist_ok=True)
    for name, (guides, path) in GUIDES.items():
        blocks = []
        for guide in guides:
            with open(os.path.join(argv[0], guide)) as stream:
                blocks += snippets(stream.read(), path)
        if not blocks:
            print(f'{name}: no snippet for {path}', file=sys.stderr)
            return 1
        with open(os.path.join(OUTPUT, name), 'w') as stream:
            stream.write(merge(blocks))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
