"""Options upstream renamed and then dropped the old name of.

While an old name is a ``deprecated_opts`` alias the catalog knows its
successor (``deprecated-name``). Once upstream drops the alias, the old
name is just unknown, and spelling similarity alone suggests the wrong
option (``auth_uri`` looks like ``auth_url``, which is a different,
usually already set, option). These are the renames whose aliases are
gone, with their documented successors; ``oslo-config-migrate`` writes
the same ones.
"""

from __future__ import annotations

#: ``(group, old name)`` -> ``(group, new name)``
REMOVED_RENAMES: dict[tuple[str, str], tuple[str, str]] = {
    # keystonemiddleware 5.0 renamed it; later releases dropped the alias.
    ('keystone_authtoken', 'auth_uri'): (
        'keystone_authtoken',
        'www_authenticate_uri',
    ),
    # oslo.messaging: notification options moved to their own group.
    ('DEFAULT', 'notification_driver'): (
        'oslo_messaging_notifications',
        'driver',
    ),
    ('DEFAULT', 'notification_topics'): (
        'oslo_messaging_notifications',
        'topics',
    ),
    ('DEFAULT', 'notification_transport_url'): (
        'oslo_messaging_notifications',
        'transport_url',
    ),
    # oslo.concurrency moved its options out of [DEFAULT].
    ('DEFAULT', 'lock_path'): ('oslo_concurrency', 'lock_path'),
    ('DEFAULT', 'disable_process_locking'): (
        'oslo_concurrency',
        'disable_process_locking',
    ),
    # oslo.db moved the connection to [database].
    ('DEFAULT', 'sql_connection'): ('database', 'connection'),
    # oslo.messaging: the broker is chosen and reached by a transport URL.
    ('DEFAULT', 'rpc_backend'): ('DEFAULT', 'transport_url'),
    ('DEFAULT', 'rabbit_host'): ('DEFAULT', 'transport_url'),
    ('DEFAULT', 'rabbit_hosts'): ('DEFAULT', 'transport_url'),
    ('DEFAULT', 'rabbit_userid'): ('DEFAULT', 'transport_url'),
    ('DEFAULT', 'rabbit_password'): ('DEFAULT', 'transport_url'),
    ('oslo_messaging_rabbit', 'rabbit_host'): ('DEFAULT', 'transport_url'),
    ('oslo_messaging_rabbit', 'rabbit_hosts'): ('DEFAULT', 'transport_url'),
    ('oslo_messaging_rabbit', 'rabbit_userid'): ('DEFAULT', 'transport_url'),
    ('oslo_messaging_rabbit', 'rabbit_password'): ('DEFAULT', 'transport_url'),
}
