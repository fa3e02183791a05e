"""Migrate real files for one service and compare through oslo.config.

Run in its own process per service (``python -m
tests.realworld.migrate._check SERVICE FILE...``): importing two services'
option modules into one process collides on oslo.config's global ``CONF``
(nova and cinder both register ``default_availability_zone``). Prints one
JSON object: for each file, the options whose value changed, whether TLS to
the broker survived, whether a second run would change anything, and the
change kinds.
"""

import json
import os
import shutil
import sys
import tempfile
import warnings

import stevedore
from oslo_config import cfg

from oslo_extras.config import migrate
from oslo_extras.config.catalog import OptionCatalog
from oslo_extras.config.migrate.history import ReleaseCatalog
from oslo_extras.config.migrate.plugins import load_migrations
from tests.unit.config.migrate import _oslo

_COMMON = [
    'oslo.log',
    'oslo.messaging',
    'oslo.db',
    'oslo.policy',
    'oslo.concurrency',
    'oslo.middleware',
    'keystonemiddleware.auth_token',
]
#: the generator namespaces of each service (its etc/oslo-config-generator);
#: cinder's own namespace needs googleapiclient, which cinder does not
#: require, so only the libraries' options are checked for cinder files
NAMESPACES = {
    'nova': ['nova.conf', 'oslo.service.service', *_COMMON],
    'glance': ['glance.api', 'glance.store', *_COMMON],
    'cinder': ['os_brick', *_COMMON],
    'neutron': ['neutron', 'neutron.ml2', *_COMMON],
    'keystone': ['keystone', *_COMMON],
}


def service_of(name):
    key = name.split('-')[0].split('_')[0]
    return {'quantum': 'neutron', 'ml2': 'neutron'}.get(key, key)


def _tls(path):
    import oslo_messaging

    conf = cfg.ConfigOpts()
    opts = dict(oslo_messaging.opts.list_opts())
    conf.register_opts(opts['oslo_messaging_rabbit'], 'oslo_messaging_rabbit')
    conf.register_opt(cfg.StrOpt('transport_url'))
    conf(['--config-file', path], default_config_files=[])
    url = oslo_messaging.TransportURL.parse(
        cfg.ConfigOpts(), conf.transport_url
    )
    rabbit = conf.oslo_messaging_rabbit
    return {
        'ssl': rabbit.ssl,
        'ssl_ca_file': rabbit.ssl_ca_file,
        'ports': [h.port for h in url.hosts],
    }


def load(service):
    """Return the service's ``(catalog, list_opts)``."""
    namespaces = NAMESPACES[service]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        catalog = OptionCatalog.from_namespaces(namespaces)
        manager = stevedore.NamedExtensionManager(
            'oslo.config.opts', names=namespaces
        )
        list_opts = [
            (group, list(opts))  # some are one-shot iterators
            for ext in manager
            for group, opts in ext.plugin()
        ]
    return catalog, list_opts


def check(service, paths):
    catalog, list_opts = load(service)
    migrator = migrate.Migrator(
        catalog,
        load_migrations(),
        history=ReleaseCatalog.load(namespaces=NAMESPACES[service]),
    )
    results = {}
    for original in paths:
        work = tempfile.mkdtemp()
        try:
            path = os.path.join(work, os.path.basename(original))
            shutil.copy(original, path)
            before, _ = _oslo.effective(list_opts, [('file', path)])
            plan = migrator.plan([path])
            migrate.apply(plan, state_dir=os.path.join(work, 'state'))
            after, warned = _oslo.effective(list_opts, [('file', path)])
            built = {
                (c.new_group, c.new_name)
                for c in plan.all_changes()
                if c.plugin and c.new_name
            }
            changed = sorted(
                f'[{g}] {n}'
                for (g, n), value in before.items()
                if after[(g, n)] != value and (g, n) not in built
            )
            with open(original) as stream:
                text = stream.read()
            results[os.path.basename(original)] = {
                'changed': changed,
                'renamed_warnings': _oslo.renamed_warnings(warned),
                'second_run_changes': migrator.plan([path]).changed,
                'tls': _tls(path) if 'rabbit_use_ssl = True' in text else None,
                'kinds': sorted({c.kind for c in plan.all_changes()}),
                'from_release_catalog': sorted(
                    f'[{c.old_group}] {c.old_name}'
                    for c in plan.all_changes()
                    if c.plugin == 'release-catalog' or c.kind == 'removed'
                ),
            }
        finally:
            shutil.rmtree(work)
    return results


def check_layout(service, sources, remove_obsolete=False):
    """Migrate several files read together (``[('file'|'dir', path)]``,
    in oslo.config's order) in a copy; compare them as one config."""
    catalog, list_opts = load(service)
    migrator = migrate.Migrator(
        catalog,
        load_migrations(),
        remove_obsolete=remove_obsolete,
        history=ReleaseCatalog.load(namespaces=NAMESPACES[service]),
    )
    work = tempfile.mkdtemp()
    try:
        copied = []
        for index, (kind, path) in enumerate(sources):
            target = os.path.join(work, str(index), os.path.basename(path))
            os.makedirs(os.path.dirname(target))
            copy = shutil.copytree if kind == 'dir' else shutil.copy
            copy(path, target)
            copied.append((kind, target))
        before, _ = _oslo.effective(list_opts, copied)
        plan = migrator.plan(migrate.expand_sources(copied))
        migrate.apply(plan, state_dir=os.path.join(work, 'state'))
        after, warned = _oslo.effective(list_opts, copied)
        built = {
            (c.new_group, c.new_name)
            for c in plan.all_changes()
            if c.plugin and c.new_name
        }
        return {
            'changed': sorted(
                f'[{g}] {n}'
                for (g, n), value in before.items()
                if after[(g, n)] != value and (g, n) not in built
            ),
            'renamed_warnings': _oslo.renamed_warnings(warned),
            'second_run_changes': migrator.plan(
                migrate.expand_sources(copied)
            ).changed,
            'changes': sorted(
                f'{c.kind} [{c.old_group}] {c.old_name}'
                for c in plan.all_changes()
            ),
        }
    finally:
        shutil.rmtree(work)


if __name__ == '__main__':
    if sys.argv[2] == '--layout':
        json.dump(
            check_layout(
                sys.argv[1],
                [tuple(s.split('=', 1)) for s in sys.argv[3:]],
                remove_obsolete=os.environ.get('REMOVE_OBSOLETE') == '1',
            ),
            sys.stdout,
        )
    else:
        json.dump(check(sys.argv[1], sys.argv[2:]), sys.stdout)
