"""Gather what the delta tools work on: defaults, config and policy files.

The policy file and directories are found as the service's enforcer finds
them: ``[oslo_policy]`` options read from the service's config files (a
relative ``policy_file`` is looked up next to them), optionally overridden
on the command line.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from oslo_config import cfg
from oslo_policy import opts as policy_opts
from oslo_policy import policy

from oslo_extras.policy import defaults
from oslo_extras.policy import delta
from oslo_extras.policy import files


class InputError(Exception):
    """Input that cannot be used (unknown namespace, unreadable file...)."""


def load_defaults(
    namespaces: Sequence[str], defaults_files: Sequence[str] = ()
) -> list[policy.RuleDefault]:
    """Return rule defaults from entry points and/or snapshot files.

    :raises InputError: for an unknown namespace or a bad snapshot
    """
    if not namespaces and not defaults_files:
        raise InputError('give --namespace or --defaults-file')
    rules: list[policy.RuleDefault] = []
    try:
        if namespaces:
            with warnings.catch_warnings():
                # Services warn on import (eventlet...): not our business.
                warnings.simplefilter('ignore')
                rules.extend(defaults.load_defaults(namespaces))
        for path in defaults_files:
            rules.extend(delta.load_snapshot(path))
    except (LookupError, delta.DeltaError) as exc:
        raise InputError(str(exc))
    names = [rule.name for rule in rules]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise InputError('rules defined twice: ' + ', '.join(repeated))
    return rules


def make_conf(
    config_files: Sequence[str] = (),
    config_dirs: Sequence[str] = (),
    policy_file: str | None = None,
    policy_dirs: Sequence[str] | None = None,
) -> cfg.ConfigOpts:
    """Return a private config with ``[oslo_policy]`` read like a service.

    :param config_files: the service's config files (``--config-file``)
    :param config_dirs: its config dirs (``--config-dir``)
    :param policy_file: overrides ``[oslo_policy] policy_file``
    :param policy_dirs: override ``[oslo_policy] policy_dirs``
    :raises InputError: when a config file cannot be read
    """
    conf = cfg.ConfigOpts()
    for group, opts in policy_opts.list_opts():
        conf.register_opts(opts, group=group)
    args: list[str] = []
    for path in config_files:
        args += ['--config-file', path]
    for path in config_dirs:
        args += ['--config-dir', path]
    try:
        conf(
            args,
            project=None,
            default_config_files=[],
            default_config_dirs=[],
            use_env=False,
        )
    except (cfg.Error, OSError) as exc:
        raise InputError(f'cannot read the config: {exc}')
    if policy_file:
        conf.set_override('policy_file', policy_file, group='oslo_policy')
    if policy_dirs is not None:
        conf.set_override('policy_dirs', list(policy_dirs), 'oslo_policy')
    return conf


def read_layers(conf: cfg.ConfigOpts) -> list[files.Layer]:
    """Read the policy files ``conf`` points at.

    :raises files.PolicyFileError: for an unreadable or non-YAML file
    """
    return files.read_layers(conf)
