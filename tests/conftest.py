"""Every test gets its own catalog cache directory.

The catalog cache is on by default; a test must neither read a catalog
another test (or the user) stored nor leave one in ``~/.cache``.
"""

import pytest


@pytest.fixture(autouse=True)
def _private_catalog_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv(
        'XDG_CACHE_HOME', str(tmp_path_factory.mktemp('xdg-cache'))
    )
