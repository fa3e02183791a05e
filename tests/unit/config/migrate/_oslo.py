"""Read config files through real oslo.config, for equivalence checks.

``effective()`` registers a service's options on a private ``ConfigOpts``,
parses the files exactly as the service would (``--config-file`` and
``--config-dir`` in order) and returns every option's value plus the
deprecation warnings oslo.config logged while reading them.
"""

import copy
import logging
import os
import shutil
from unittest import mock

from oslo_config import cfg

from oslo_extras.config import migrate


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def effective(list_opts, sources, extra_groups=None):
    """Return ``({(group, dest): value}, [deprecation warnings])``.

    :param list_opts: ``[(group, [opts])]`` of the service
    :param sources: ``[('file'|'dir', path)]`` in command-line order
    :param extra_groups: ``{instance_group: template_group}`` for dynamic
        sections, registered with a copy of the template's options
    """
    conf = cfg.ConfigOpts()
    registered = []
    by_group = {}
    for group, opts in list_opts:
        name = group.name if isinstance(group, cfg.OptGroup) else group
        by_group.setdefault(name or 'DEFAULT', []).extend(opts)
    for template in (extra_groups or {}).values():
        by_group.setdefault(template, [])
    for instance, template in (extra_groups or {}).items():
        by_group[instance] = by_group[template]
    for group, opts in by_group.items():
        unique = {}
        for opt in opts:  # nova lists keystoneauth options twice
            unique.setdefault(opt.dest, opt)
        opts = copy.deepcopy(list(unique.values()))
        for opt in opts:
            # Read what is there; a required option left unset is not ours.
            opt.required = False
        if group != 'DEFAULT':
            conf.register_group(cfg.OptGroup(group))  # even with no opts
        conf.register_opts(opts, group=None if group == 'DEFAULT' else group)
        registered.append((group, opts))
    args = []
    for kind, path in sources:
        args += ['--config-dir' if kind == 'dir' else '--config-file', path]
    capture = _Capture()
    logger = logging.getLogger('oslo_config.cfg')
    logger.addHandler(capture)
    # With oslo.log installed oslo.config reports through versionutils,
    # which logs each message once per process; bypass it so every read
    # reports its own deprecations.
    quiet = mock.patch.object(cfg, 'oslo_log', None)
    quiet.start()
    try:
        conf(
            args=args,
            project='migrate-test',
            default_config_files=[],
            default_config_dirs=[],
        )
        values = {}
        for group, opts in registered:
            node = conf if group == 'DEFAULT' else conf[group]
            for opt in opts:
                try:
                    values[(group, opt.dest)] = getattr(node, opt.dest)
                except cfg.Error as exc:  # a bad value is a value too
                    values[(group, opt.dest)] = ('<error>', type(exc).__name__)
    finally:
        quiet.stop()
        logger.removeHandler(capture)
        conf.reset()
    return values, [m for m in capture.messages if 'eprecated' in m]


def renamed_warnings(messages):
    """The warnings about old names (not about removal)."""
    return [m for m in messages if 'for removal' not in m]


def migrate_and_compare(
    catalog,
    list_opts,
    sources,
    extra_groups=None,
    tmp_path=None,
    changed=(),
    **kw,
):
    """Migrate ``sources`` in a copy and check nothing oslo.config reads
    changed, except the ``changed`` keys (values a plugin rebuilt from
    options the current library no longer registers).

    The files are copied under ``tmp_path/after`` so the originals stay as
    the "before" reference. Returns ``(plan, before, after, warnings)``.
    """
    before, _ = effective(list_opts, sources, extra_groups)
    after_root = os.path.join(str(tmp_path), 'after')
    copied = []
    for index, (kind, path) in enumerate(sources):
        target = os.path.join(after_root, str(index), os.path.basename(path))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if kind == 'dir':
            shutil.copytree(path, target)
        else:
            shutil.copy2(path, target)
        copied.append((kind, target))
    migrator = migrate.Migrator(catalog, **kw)
    plan = migrator.plan(migrate.expand_sources(copied))
    migrate.apply(plan)
    after, warnings = effective(list_opts, copied, extra_groups)
    unchanged = set(before) - set(changed)
    assert {k: after[k] for k in unchanged} == {
        k: before[k] for k in unchanged
    }
    again = migrator.plan(migrate.expand_sources(copied))
    assert not again.changed, again.diff()
    return plan, before, after, warnings
