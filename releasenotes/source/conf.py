"""Sphinx configuration of the release notes (``tox -e releasenotes``)."""

project = 'oslo_extras release notes'
copyright = 'oslo_extras developers'
extensions = ['reno.sphinxext']
exclude_patterns = ['_build']
html_theme = 'alabaster'
