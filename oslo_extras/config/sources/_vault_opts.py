"""The options of the ``vault`` source group and their consistency rules."""

from __future__ import annotations

from typing import Any

from oslo_config import cfg

#: Where Kubernetes mounts a pod's service account token.
KUBERNETES_JWT = '/var/run/secrets/kubernetes.io/serviceaccount/token'

AUTH_METHODS = ('token', 'approle', 'jwt', 'kubernetes', 'cert')


def driver_opts() -> list[cfg.Opt]:
    """Options specific to the ``vault`` driver."""
    return [
        cfg.URIOpt(
            'url',
            default='http://127.0.0.1:8200',
            schemes=['http', 'https'],
            help='Address of the Vault or OpenBao server.',
        ),
        cfg.ListOpt(
            'urls',
            default=[],
            help='More addresses of the same cluster (HA: every node '
            'answers, standbys forward to the active node), tried in turn '
            'when the one in use cannot be reached.',
        ),
        cfg.IntOpt(
            'kv_version',
            default=2,
            choices=[1, 2],
            help='Version of the KV secrets engine.',
        ),
        cfg.StrOpt(
            'mount_point',
            default='secret',
            help='Mount point of the KV secrets engine.',
        ),
        cfg.StrOpt(
            'path_prefix',
            default='',
            help='Secrets of ``[group]`` are read from '
            '``<path_prefix>/<group>``, one field per option.',
        ),
        cfg.ListOpt(
            'groups',
            help='Groups read by convention; a listed group whose secret '
            'does not exist is an error. Unset: LIST the prefix (needs '
            'the list capability on it).',
        ),
        cfg.StrOpt(
            'auth_method',
            default='token',
            choices=[
                ('token', 'a token or token_file'),
                ('approle', 'role_id and secret_id (or secret_id_file)'),
                ('jwt', 'a JWT (jwt_file) for role, jwt/OIDC auth'),
                (
                    'kubernetes',
                    'the pod service account token for role',
                ),
                ('cert', 'TLS client certificate (client_cert_file)'),
            ],
            help='How to authenticate. Every method but token logs in '
            'again when its token cannot be renewed.',
        ),
        cfg.StrOpt('token', secret=True, help='Token (token auth).'),
        cfg.StrOpt(
            'token_file',
            help='File holding the token, re-read before each fetch '
            '(e.g. written by a Vault agent).',
        ),
        cfg.StrOpt('role_id', help='AppRole role id.'),
        cfg.StrOpt('secret_id', secret=True, help='AppRole secret id.'),
        cfg.StrOpt(
            'secret_id_file', help='File holding the AppRole secret id.'
        ),
        cfg.BoolOpt(
            'secret_id_wrapped',
            default=False,
            help='secret_id (or secret_id_file) holds a response-wrapping '
            'token (``-wrap-ttl``); it is unwrapped once into the secret '
            'id.',
        ),
        cfg.StrOpt(
            'approle_mount_point',
            default='approle',
            help='Mount point of the AppRole auth method.',
        ),
        cfg.StrOpt(
            'role',
            help='Role to log in as (jwt, kubernetes; optional for cert).',
        ),
        cfg.StrOpt(
            'jwt_file',
            help='File holding the JWT (jwt auth), re-read at each login. '
            f'kubernetes auth default: {KUBERNETES_JWT}.',
        ),
        cfg.StrOpt(
            'auth_mount_point',
            help='Mount point of the jwt, kubernetes or cert auth method. '
            'Unset: the method name.',
        ),
        cfg.StrOpt(
            'client_cert_file',
            help='TLS client certificate presented to the server (cert auth).',
        ),
        cfg.StrOpt('client_key_file', help='Its private key.'),
        cfg.MultiStrOpt(
            'dynamic_secrets',
            default=[],
            help='``group.option path template`` (one per line): the '
            'option is the template filled with a leased credential read '
            'from ``path`` (e.g. database/creds/nova), ``{username}`` and '
            '``{password}`` percent-encoded, ``{raw_username}`` and '
            '``{raw_password}`` as they are. The lease is renewed while the '
            'service runs; a new credential is read (and reloaded) before '
            'the lease reaches its max TTL.',
        ),
        cfg.StrOpt('namespace', help='Vault namespace.'),
        cfg.BoolOpt(
            'verify_tls',
            default=True,
            help='Verify the server certificate (keep this on).',
        ),
        cfg.StrOpt('ca_file', help='CA bundle to verify the server with.'),
    ]


def check_auth(group: Any, name: str) -> None:
    """Refuse an auth method whose settings are missing.

    :raises ValueError: one line naming the source group and what is missing
    """
    method = group.auth_method
    missing = []
    if method == 'approle' and not group.role_id:
        missing.append('role_id')
    if method in ('jwt', 'kubernetes') and not group.role:
        missing.append('role')
    if method == 'jwt' and not group.jwt_file:
        missing.append('jwt_file')
    if method == 'cert' and not group.client_cert_file:
        missing.append('client_cert_file')
    if bool(group.client_cert_file) != bool(group.client_key_file):
        missing.append('client_cert_file and client_key_file together')
    if missing:
        raise ValueError(
            f'[{name}] auth_method = {method} needs ' + ', '.join(missing)
        )
