"""Sphinx configuration for the oslo_extras documentation."""

project = 'oslo_extras'
copyright = 'oslo_extras developers'
extensions = []
exclude_patterns = ['_build']
html_theme = 'alabaster'
