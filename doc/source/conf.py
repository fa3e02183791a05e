"""Sphinx configuration for the oslo_extras documentation.

``tox -e docs`` builds the HTML (with ``-W``: a warning fails the build);
``sphinx-build -b man doc/source doc/build/man`` builds the man pages of
the three command-line tools.
"""

import os
import sys

# Local extensions (reno_merge_notes: reno and merge commits).
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '_ext'))

project = 'oslo_extras'
copyright = 'oslo_extras developers'
extensions = [
    'sphinx.ext.autodoc',
    'sphinx.ext.viewcode',
    # CLI reference from each tool's build_parser().
    'sphinxarg.ext',
    # Option reference (show-options) and release notes (release-notes).
    'oslo_config.sphinxext',
    'reno_merge_notes',
    'reno.sphinxext',
]
exclude_patterns = ['_build']
html_theme = 'alabaster'

autodoc_default_options = {
    'members': True,
    'show-inheritance': True,
}
autodoc_member_order = 'bysource'
# Type hints live in the signatures; the docstrings say what they mean.
autodoc_typehints = 'signature'
# Specs are written in the oslo-specs template; the README sections are
# included into the user guide. Neither is a toctree of its own.
suppress_warnings = ['toc.excluded']

_AUTHORS = ['oslo_extras developers']
man_pages = [
    (
        'cli/oslo-config-check',
        'oslo-config-check',
        'check config files against the options a service knows',
        _AUTHORS,
        1,
    ),
    (
        'cli/oslo-config-migrate',
        'oslo-config-migrate',
        'migrate deprecated options to their new names',
        _AUTHORS,
        1,
    ),
    (
        'cli/oslo-policy-delta',
        'oslo-policy-delta',
        "manage the operator's delta over in-code policy defaults",
        _AUTHORS,
        1,
    ),
]
