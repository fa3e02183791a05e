"""The policy defaults of the demo service (``oslo_extras_demo``).

Registered under ``oslo.policy.policies`` and ``oslo.policy.enforcer`` only
while the demo or the tests run (``_entry_points.registered()``), so
``oslo-policy-delta --namespace oslo_extras_demo`` and the oslopolicy tools
find them then, and no installed service ever sees them. It has a base rule, a
scoped rule and a rule renamed in this release.
"""

from oslo_extras.policy import defaults

NAMESPACE = 'oslo_extras_demo'

RULES = [
    defaults.base_rule(
        'admin_required', 'role:admin', 'Anyone with the admin role.'
    ),
    defaults.base_rule(
        'project_member',
        'role:member and project_id:%(project_id)s',
        'A member of the project that owns the target.',
    ),
    defaults.rule(
        'demo:widgets:list',
        'role:reader and project_id:%(project_id)s',
        'List the widgets of a project.',
        'GET /widgets',
        scope=('project',),
        target=('project_id',),
    ),
    defaults.rule(
        'demo:widgets:create',
        'rule:project_member',
        'Create a widget.',
        'POST /widgets',
        scope=('project',),
        target=('project_id',),
    ),
    defaults.rule(
        'demo:widgets:delete',
        'rule:admin_required or (rule:project_member and user_id:%(user_id)s)',
        'Delete a widget.',
        'DELETE /widgets/{widget_id}',
        scope=('project',),
        target=('project_id', 'user_id'),
        renamed_from='demo:widget:delete',
        old_check_str='rule:admin_required',
        since='2026.1',
        reason='Widget rules are named after the collection now.',
    ),
    defaults.rule(
        'demo:settings:update',
        'role:admin',
        'Change the service settings.',
        'PUT /settings',
        scope=('system',),
    ),
]


def list_rules():
    """Entry point of ``oslo.policy.policies``."""
    return RULES


#: Entry point of ``oslo.policy.enforcer`` (never re-parses the CLI).
get_enforcer = defaults.enforcer_factory(NAMESPACE, list_rules)
