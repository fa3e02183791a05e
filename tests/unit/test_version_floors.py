"""The declared floors match lower-constraints.txt and support 2025.1.

The oldest OpenStack release still maintained is 2025.1: a floor above
what its upper-constraints pin would make the package uninstallable there.
"""

import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))

# openstack/requirements stable/2025.1 upper-constraints.txt at
# 19088b84dc74c8f1e31f2547b8c3d5de81a6695e, for the packages of
# requirements.txt and oslo.service (watchdog and rapidfuzz are not in
# OpenStack's requirements).
OPENSTACK_2025_1 = {
    'pbr': '7.0.0',
    'oslo.config': '9.7.2',
    'oslo.messaging': '16.1.2',
    'oslo.policy': '4.5.1',
    'oslo.log': '7.1.0',
    'oslo.context': '5.7.1',
    'castellan': '5.2.1',
    'stevedore': '5.4.1',
    'kombu': '5.4.2',
    'hvac': '2.3.0',
    'etcd3gw': '2.4.2',
    'pyyaml': '6.0.2',
    'fasteners': '0.19',
    'tenacity': '9.0.0',
    'oslo.service': '4.1.2',
}


def _version(text):
    return tuple(int(part) for part in text.split('.'))


def _lines(name):
    with open(os.path.join(ROOT, name)) as stream:
        for line in stream:
            line = line.split('#', 1)[0].strip()
            if line:
                yield line


def _floors(name):
    floors = {}
    for line in _lines(name):
        match = re.fullmatch(r'([A-Za-z0-9._-]+)>=([0-9.]+)', line)
        if match:
            floors[match[1].lower()] = match[2]
    return floors


def _pins():
    pins = {}
    for line in _lines('lower-constraints.txt'):
        name, _, version = line.partition('==')
        pins[name.strip().lower()] = version.strip()
    return pins


def test_every_floor_is_pinned_in_lower_constraints():
    floors = _floors('requirements.txt')
    floors['oslo.service'] = _floors('test-requirements.txt')['oslo.service']
    pins = _pins()

    assert {name: pins.get(name) for name in floors} == floors


def test_floors_are_at_or_below_openstack_2025_1():
    floors = _floors('requirements.txt')
    floors['oslo.service'] = _floors('test-requirements.txt')['oslo.service']

    too_high = {
        name: (floor, OPENSTACK_2025_1[name])
        for name, floor in floors.items()
        if name in OPENSTACK_2025_1
        and _version(floor) > _version(OPENSTACK_2025_1[name])
    }

    assert too_high == {}
    # Every package OpenStack constrains is checked, none forgotten.
    assert set(OPENSTACK_2025_1) <= set(floors)


def test_readme_names_the_2025_1_versions():
    with open(os.path.join(ROOT, 'README.rst')) as stream:
        text = ' '.join(stream.read().split())
    start = text.index('Supported OpenStack releases: 2025.1 and later.')
    # The versions named in the parentheses after "pin".
    listed = text[text.index('pin (', start) :].split(')', 1)[0]
    named = re.findall(r'([a-z0-9.]+) ([0-9]+\.[0-9.]*[0-9])', listed)

    assert named
    assert {name: OPENSTACK_2025_1[name] for name, _ in named} == dict(named)
