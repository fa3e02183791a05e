r"""Configuration source drivers for secret backends.

Each driver is a stevedore plugin of the ``oslo.config.driver`` namespace
built on :mod:`oslo_extras.config.sources.base`::

    [DEFAULT]
    config_source = secrets

    [secrets]
    driver = vault            # or secrets_dir, etcd, key_manager
    ...

Drivers: ``secrets_dir`` (:mod:`.secrets_dir`), ``vault`` (HashiCorp Vault
and OpenBao, :mod:`.vault`), ``etcd`` (:mod:`.etcd`) and ``key_manager``
(any castellan backend, :mod:`.key_manager`).

oslo.config logs and skips a source that fails to open, so a service that
wants to fail closed at a known point calls :func:`load` right after
``conf()``. Without it a failed source still refuses to let a mapped or
``secret=True`` option fall back to its default: the read raises
:class:`SourceError`.
"""

from __future__ import annotations

from oslo_config import cfg

from oslo_extras.config.sources._loading import check_sources
from oslo_extras.config.sources._loading import find_sources
from oslo_extras.config.sources._model import FetchResult
from oslo_extras.config.sources._model import RefreshReport
from oslo_extras.config.sources._model import SourceError
from oslo_extras.config.sources.base import RefreshableSource

__all__ = [
    'FetchResult',
    'RefreshReport',
    'RefreshableSource',
    'SourceError',
    'find_sources',
    'load',
    'refresh_all',
]


def load(conf: cfg.ConfigOpts) -> list[RefreshableSource]:
    """Fail closed: raise unless every source of ours loaded completely.

    Call it right after ``conf(...)``.

    :returns: the sources, as :func:`find_sources`
    :raises SourceError: naming the source, option and reason (never the
        value) for an unreachable backend, a source that found nothing, a
        missing secret it serves, or a value its option's type refuses,
        unless that source has ``on_error = warn``
    """
    return check_sources(conf)


def refresh_all(conf: cfg.ConfigOpts) -> RefreshReport:
    """Refresh every source of ours and merge their reports."""
    merged = RefreshReport()
    for source in find_sources(conf):
        report = source.refresh()
        merged.changed.extend(report.changed)
        merged.failed.extend(report.failed)
        merged.missing.extend(report.missing)
    return merged
