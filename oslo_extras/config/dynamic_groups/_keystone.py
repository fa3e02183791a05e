"""keystone: options and sections named by ``[auth] methods``.

keystone registers an ``[auth] <method>`` option for every method in
``[auth] methods`` that is not one of its defaults
(``keystone.conf.auth.setup_authentication``), and reads a federation
protocol's ``remote_id_attribute`` from the section named after the
protocol, registering it there on first use
(``keystone.federation.utils.get_remote_id_parameter``). Protocols live in
keystone's database, not in the file; deployments name them after their
auth method (``openid``, ``saml2``, ``mapped``), so a section named after a
federation method in ``[auth] methods`` takes ``remote_id_attribute``.
"""

from __future__ import annotations

from collections.abc import Iterator

from oslo_config import cfg

from oslo_extras.config.dynamic_groups import DynamicGroups
from oslo_extras.config.dynamic_groups import DynamicSection
from oslo_extras.config.dynamic_groups import split_list

#: Methods that are not federation protocols (keystone's own defaults
#: less ``mapped``).
NOT_FEDERATION = frozenset(
    ('external', 'password', 'token', 'oauth1', 'application_credential')
)
ORIGIN = '[auth] methods'


class KeystoneAuthMethods(DynamicGroups):
    """``methods = password,openid``: ``[auth] openid`` and ``[openid]``."""

    def sections(self, catalog, raw) -> Iterator[DynamicSection]:
        if 'federation' not in catalog or not catalog.option(
            'auth', 'methods'
        ):
            return
        methods = split_list(raw('auth', 'methods'))
        yield DynamicSection(
            'auth', opts=[cfg.StrOpt(m) for m in methods], origin=ORIGIN
        )
        for method in methods:
            if method not in NOT_FEDERATION:
                yield DynamicSection(
                    method,
                    opts=[cfg.StrOpt('remote_id_attribute')],
                    origin=ORIGIN,
                )
