"""A small demo service that shows each oslo_extras capability at work.

``python -m oslo_extras.demo`` runs every step below in order on embedded
defaults (no servers); ``python -m oslo_extras.demo STEP`` runs one. Each
step is a module of this package with ``TITLE`` and ``run(workdir)``.
"""

STEPS = (
    'config_check',
    'config_migrate',
    'policy',
    'sources',
    'reload',
    'messaging',
)
