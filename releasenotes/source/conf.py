"""Sphinx configuration of the release notes (``tox -e releasenotes``)."""

import os
import sys

# reno_merge_notes (in doc/source/_ext): reno and merge commits.
sys.path.insert(
    0,
    os.path.join(
        os.path.dirname(__file__), '..', '..', 'doc', 'source', '_ext'
    ),
)

project = 'oslo_extras release notes'
copyright = 'oslo_extras developers'
extensions = ['reno_merge_notes', 'reno.sphinxext']
exclude_patterns = ['_build']
html_theme = 'alabaster'
