"""Options upstream renamed and then dropped the old name of.

While an old name is a ``deprecated_opts`` alias the catalog knows its
successor (``deprecated-name``). Once upstream drops the alias, the old
name is just unknown, and spelling similarity alone suggests the wrong
option (``auth_uri`` looks like ``auth_url``, which is a different,
usually already set, option). These are the renames whose aliases are
gone, with their documented successors (``oslo-config-migrate`` has
plugins for some of them; the oslo.db names are suggested here only).
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
    # oslo.db moved the connection to [database], and its options lost
    # their sql_ / sqlalchemy_ / idle_ names (aliases dropped in oslo.db 18).
    ('DEFAULT', 'sql_connection'): ('database', 'connection'),
    ('database', 'sql_connection'): ('database', 'connection'),
    ('DEFAULT', 'sql_idle_timeout'): ('database', 'connection_recycle_time'),
    ('database', 'sql_idle_timeout'): ('database', 'connection_recycle_time'),
    ('database', 'idle_timeout'): ('database', 'connection_recycle_time'),
    ('DEFAULT', 'sql_max_pool_size'): ('database', 'max_pool_size'),
    ('database', 'sql_max_pool_size'): ('database', 'max_pool_size'),
    ('DEFAULT', 'sql_max_retries'): ('database', 'max_retries'),
    ('database', 'sql_max_retries'): ('database', 'max_retries'),
    ('DEFAULT', 'sql_retry_interval'): ('database', 'retry_interval'),
    ('database', 'reconnect_interval'): ('database', 'retry_interval'),
    ('DEFAULT', 'sql_max_overflow'): ('database', 'max_overflow'),
    ('database', 'sqlalchemy_max_overflow'): ('database', 'max_overflow'),
    ('database', 'sqlalchemy_pool_timeout'): ('database', 'pool_timeout'),
    # cinder renamed its iSCSI target options target_* (Queens).
    ('DEFAULT', 'iscsi_helper'): ('DEFAULT', 'target_helper'),
    ('DEFAULT', 'iscsi_ip_address'): ('DEFAULT', 'target_ip_address'),
    ('DEFAULT', 'iscsi_port'): ('DEFAULT', 'target_port'),
    ('DEFAULT', 'iscsi_target_prefix'): ('DEFAULT', 'target_prefix'),
    ('DEFAULT', 'iscsi_protocol'): ('DEFAULT', 'target_protocol'),
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
