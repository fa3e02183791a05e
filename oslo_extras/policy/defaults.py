"""Declare a service's policy defaults once and find them again.

A service lists its rules in one module and exposes them through the
``oslo.policy.policies`` entry point, the way oslo.policy's sample generator
expects::

    # myservice/policies.py
    from oslo_extras.policy import defaults

    RULES = [
        defaults.rule('myservice:servers:list', 'role:reader',
                      'List servers.', 'GET /servers',
                      scope=('project',), target=('project_id',)),
        defaults.rule('myservice:servers:delete', 'role:admin',
                      'Delete a server.', 'DELETE /servers/{id}',
                      renamed_from='servers:delete', since='2026.1'),
    ]

    def list_rules():
        return RULES

    # setup.cfg
    oslo.policy.policies =
        myservice = myservice.policies:list_rules
    oslo.policy.enforcer =
        myservice = myservice.policy:get_enforcer

with ``get_enforcer = defaults.enforcer_factory('myservice', list_rules)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence

import stevedore
from oslo_config import cfg
from oslo_policy import policy

POLICIES_NAMESPACE = 'oslo.policy.policies'

_OPERATION = re.compile(r'^\s*([A-Z]+)\s+(\S+)\s*$')
_TARGET_REF = re.compile(r'%\(([^)]+)\)s')


class ServiceRule(policy.DocumentedRuleDefault):
    """A :class:`DocumentedRuleDefault` that also names its target keys.

    :param target_attributes: the keys of the ``target`` dict the service
        passes to ``enforce()`` for this rule; ``lint`` warns about an
        override that reads any other key (it would always be denied)
    """

    def __init__(
        self,
        *args,
        target_attributes: Sequence[str] = (),
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.target_attributes = tuple(target_attributes)


def rule(
    name: str,
    check_str: str,
    description: str,
    *operations: str,
    scope: Sequence[str] | None = None,
    target: Sequence[str] = (),
    renamed_from: str | None = None,
    old_check_str: str | None = None,
    since: str | None = None,
    reason: str | None = None,
) -> ServiceRule:
    """Return one documented default with less boilerplate.

    :param name: the rule name (``service:resource:action``)
    :param check_str: the default check string
    :param description: what the rule protects, for the sample file
    :param operations: ``'METHOD /path'`` strings, one per API operation
    :param scope: the token scopes allowed (``'project'``, ``'system'``, ...)
    :param target: the target keys the service passes for this rule
    :param renamed_from: the rule's previous name; overrides written under it
        keep working (oslo.policy's :class:`DeprecatedRule`)
    :param old_check_str: the previous default check string, when it changed
        (defaults to ``check_str``)
    :param since: the release that renamed or changed the rule
    :param reason: why, shown in deprecation warnings
    :raises ValueError: on an operation that is not ``METHOD /path``
    """
    if not operations:
        raise ValueError(f'{name}: give at least one "METHOD /path"')
    ops = []
    for operation in operations:
        match = _OPERATION.match(operation)
        if not match:
            raise ValueError(
                f'{name}: operation {operation!r} is not "METHOD /path"'
            )
        ops.append({'method': match.group(1), 'path': match.group(2)})
    deprecated = None
    if renamed_from or old_check_str is not None:
        deprecated = policy.DeprecatedRule(
            name=renamed_from or name,
            check_str=check_str if old_check_str is None else old_check_str,
            deprecated_reason=reason or f'{name} replaces it',
            deprecated_since=since or 'unknown',
        )
    return ServiceRule(
        name,
        check_str,
        description,
        ops,
        scope_types=list(scope) if scope else None,
        deprecated_rule=deprecated,
        target_attributes=target,
    )


def base_rule(
    name: str, check_str: str, description: str
) -> policy.RuleDefault:
    """Return a rule other rules reference (``rule:admin_or_owner``).

    It protects no API operation of its own, so it is not documented with
    operations (a plain :class:`RuleDefault`, as oslo.policy expects).
    """
    return policy.RuleDefault(name, check_str, description)


def target_keys(check_str: str) -> set[str]:
    """Return the target keys a check string reads (``%(project_id)s``)."""
    return set(_TARGET_REF.findall(check_str or ''))


def load_defaults(namespaces: Iterable[str]) -> list[policy.RuleDefault]:
    """Return the rules the ``oslo.policy.policies`` entry points declare.

    :param namespaces: entry point names, in order
    :raises LookupError: naming a namespace that is not installed
    """
    names = list(namespaces)
    manager = stevedore.named.NamedExtensionManager(
        POLICIES_NAMESPACE,
        names=names,
        invoke_on_load=True,
        name_order=True,
    )
    missing = [name for name in names if name not in manager.names()]
    if missing:
        raise LookupError(
            f'no {POLICIES_NAMESPACE} entry point named '
            + ', '.join(repr(name) for name in missing)
        )
    rules: list[policy.RuleDefault] = []
    for extension in manager:
        rules.extend(extension.obj)
    return rules


def enforcer_factory(
    project: str,
    list_rules: Callable[[], Iterable[policy.RuleDefault]],
    conf: cfg.ConfigOpts | None = None,
    enforcer_class: type[policy.Enforcer] = policy.Enforcer,
) -> Callable[[], policy.Enforcer]:
    """Return a ``get_enforcer`` for the ``oslo.policy.enforcer`` entry point.

    The usual ``get_enforcer()`` calls ``CONF([], project=...)``, which throws
    away the ``--config-file`` given to ``oslopolicy-policy-generator`` and
    friends. The factory returned here parses nothing when the tool already
    parsed the command line, and otherwise only reads the project's default
    config files (never ``sys.argv``).

    :param project: the project name used to find default config files
    :param list_rules: returns the service's rule defaults
    :param conf: the configuration to use (default: the global ``cfg.CONF``,
        which the oslopolicy tools parse)
    :param enforcer_class: e.g. :class:`oslo_extras.policy.runtime.
        SafeEnforcer`
    """

    def get_enforcer() -> policy.Enforcer:
        config = conf if conf is not None else cfg.CONF
        if not _is_parsed(config):
            config([], project=project)
        enforcer = enforcer_class(config)
        enforcer.register_defaults(list(list_rules()))
        return enforcer

    return get_enforcer


def _is_parsed(conf: cfg.ConfigOpts) -> bool:
    # ``config_file`` is registered by ConfigOpts.__call__ and only then.
    try:
        conf.config_file  # noqa: B018
    except cfg.NoSuchOptError:
        return False
    return True
