"""Deprecated option auto-migration (``oslo-config-migrate``).

Plan the migration of a service's config files from the options'
deprecation metadata plus complex-migration plugins, then apply it::

    from oslo_extras.config.catalog import OptionCatalog
    from oslo_extras.config import migrate

    catalog = OptionCatalog.from_namespaces(['oslo.log', 'oslo.messaging'])
    paths = migrate.expand_sources([('file', '/etc/svc/svc.conf'),
                                    ('dir', '/etc/svc/svc.conf.d')])
    plan = migrate.Migrator(catalog).plan(paths)
    print(plan.diff())            # secrets masked
    migrate.apply(plan, backup_suffix='.bak')

Modules: :mod:`.inifile` (line-preserving INI editing), :mod:`.model` (the
plan), :mod:`.engine` (the rules), :mod:`.plugins` (complex migrations),
:mod:`.writer` (all-or-nothing writes, the journal, ``rollback``).
"""

from oslo_extras.config.migrate.engine import Migrator
from oslo_extras.config.migrate.engine import expand_sources
from oslo_extras.config.migrate.errors import MigrationError
from oslo_extras.config.migrate.model import Change
from oslo_extras.config.migrate.model import FilePlan
from oslo_extras.config.migrate.model import MigrationPlan
from oslo_extras.config.migrate.writer import apply
from oslo_extras.config.migrate.writer import default_state_dir
from oslo_extras.config.migrate.writer import rollback
from oslo_extras.config.migrate.writer import write
from oslo_extras.config.migrate.writer import write_outputs

__all__ = [
    'Change',
    'FilePlan',
    'MigrationError',
    'MigrationPlan',
    'Migrator',
    'apply',
    'default_state_dir',
    'expand_sources',
    'rollback',
    'write',
    'write_outputs',
]
