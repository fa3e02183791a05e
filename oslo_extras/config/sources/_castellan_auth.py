"""One Keystone token for a whole batch of castellan reads.

castellan's Barbican backend builds a new keystoneauth session for every
call; from a ``KeystonePassword`` credential it also builds a new auth
plugin, so every secret costs a token request. Given an oslo.context
``RequestContext`` with ``get_auth_plugin()`` it uses that plugin instead,
and a keystoneauth plugin keeps the token it fetched.
"""

from __future__ import annotations

from typing import Any

from castellan.common.credentials import keystone_password
from castellan.common.credentials import keystone_token
from keystoneauth1 import identity
from oslo_context import context as oslo_context


class _SharedAuthContext(oslo_context.RequestContext):
    """A context whose keystoneauth plugin (and token) is reused.

    castellan's Barbican backend builds a new session per call from
    ``get_auth_plugin()``; handing it the same plugin keeps the token it
    fetched the first time.
    """

    def __init__(self, plugin: Any) -> None:
        super().__init__()
        self._plugin = plugin

    def get_auth_plugin(self) -> Any:
        return self._plugin


# Attributes of castellan's Keystone credentials that keystoneauth's
# identity plugins take under the same names.
_SCOPE = (
    'auth_url',
    'trust_id',
    'domain_id',
    'domain_name',
    'project_id',
    'project_name',
    'project_domain_id',
    'project_domain_name',
    'reauthenticate',
)
_USER = ('username', 'user_id', 'user_domain_id', 'user_domain_name')


def _kwargs(credential: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(credential, name, None) for name in names}


def shared_context(credential: Any) -> Any:
    """Turn a castellan Keystone credential into a token-reusing context."""
    if isinstance(credential, keystone_password.KeystonePassword):
        plugin = identity.Password(
            **_kwargs(credential, _SCOPE + _USER + ('password',))
        )
    elif isinstance(credential, keystone_token.KeystoneToken):
        plugin = identity.Token(**_kwargs(credential, _SCOPE + ('token',)))
    else:
        return credential
    return _SharedAuthContext(plugin)
