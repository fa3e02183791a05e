import textwrap
import warnings

import pytest

from oslo_extras.config.catalog import OptionCatalog

REAL_NAMESPACES = (
    'oslo.log',
    'oslo.messaging',
    'oslo.policy',
    'keystonemiddleware.auth_token',
    'castellan.config',
    'oslo.db',
)


@pytest.fixture(scope='session')
def real_catalog():
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return OptionCatalog.from_namespaces(REAL_NAMESPACES)


@pytest.fixture
def write(tmp_path):
    """Write a dedented config file; return its path."""

    def _write(name, text, directory=None):
        path = (directory or tmp_path) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip('\n'))
        return str(path)

    return _write
