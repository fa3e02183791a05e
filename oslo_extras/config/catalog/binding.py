"""Bind a catalog to a file's values: the groups those values create.

Some sections exist only because another value names them, and some take
options that another value picks:

* dynamic groups: instances of a group with ``dynamic_group_owner``, and the
  sections a service creates from its own values (cinder's
  ``enabled_backends``, glance's stores...), found by the plugins of
  :mod:`oslo_extras.config.dynamic_groups`;
* a group's ``driver_option`` picks that driver's options;
* each group named in ``[DEFAULT] config_source`` takes its
  ``oslo.config.driver``'s options;
* a group with ``auth_type`` takes the keystoneauth plugin's options, read
  from the group its ``auth_section`` names when it has one, as
  ``keystoneauth1.loading.load_auth_from_conf_options`` does.
"""

from __future__ import annotations

import dataclasses
import functools

import stevedore
from oslo_config import cfg

from oslo_extras.config import dynamic_groups
from oslo_extras.config.catalog.model import DEFAULT_GROUP
from oslo_extras.config.catalog.model import GroupInfo
from oslo_extras.config.catalog.model import OptionCatalog
from oslo_extras.config.catalog.model import OptionInfo
from oslo_extras.config.catalog.model import RawLookup
from oslo_extras.config.catalog.model import _index_deprecated
from oslo_extras.config.catalog.model import normalize_group

_SOURCE_DRIVER_OPT = cfg.StrOpt(
    'driver', help='The name of the oslo.config.driver to use.'
)

#: What keystoneauth registers on the group an ``auth_section`` names.
_AUTH_TYPE_OPT = cfg.StrOpt('auth_type', help='Authentication type to load')
_AUTH_SECTION_OPT = cfg.StrOpt(
    'auth_section',
    help='Config Section from which to load plugin specific options',
)

#: Namespace prefix of the options a keystoneauth plugin brings.
AUTH_NAMESPACE = 'auth:'


@dataclasses.dataclass(frozen=True)
class AuthBinding:
    """Where a keystoneauth group reads its plugin options from.

    :param group: the group the service loads auth from
    :param section: the group its options are read from (``auth_section``)
    :param auth_type: the plugin chosen there
    """

    group: str
    section: str
    auth_type: str


class BoundCatalog(OptionCatalog):
    """A catalog bound to file values: copy-on-write over its parent.

    :attr dynamic: each dynamic section found, with the reason it exists
    :attr dynamic_names: their names as the values spell them
    :attr auth: the keystoneauth groups whose plugin was resolved
    """

    def __init__(self, parent: OptionCatalog) -> None:
        super().__init__()
        self._groups = dict(parent._groups)
        self._patterns = list(parent._patterns)
        self._parent_groups = parent._groups
        self.plugin_data = parent.plugin_data
        self._deprecated = dict(parent._deprecated_index())
        self.dynamic: dict[str, str] = {}
        #: dynamic section names exactly as the values spell them
        self.dynamic_names: set[str] = set()
        self.auth: dict[str, AuthBinding] = {}

    def _own(self, name: str) -> GroupInfo:
        """Return a group of this catalog that may be changed."""
        group = self._groups.get(name)
        if group is None:
            group = GroupInfo(name)
        elif group is self._parent_groups.get(name):
            group = dataclasses.replace(group, options=dict(group.options))
        self._groups[name] = group
        return group

    def _put(self, group: GroupInfo) -> None:
        self._groups[group.name] = group
        _index_deprecated(self._deprecated, group)

    def _add(
        self, group: GroupInfo, info: OptionInfo, replace: bool = False
    ) -> None:
        if replace:
            group.options[info.dest] = info
        else:
            group.add(info)
        for old in info.deprecated_names():
            self._deprecated.setdefault(old, info)

    def _bind_instance(self, section: dynamic_groups.DynamicSection) -> None:
        key = normalize_group(section.name)
        self.dynamic_names.add(section.name)
        if key in self._groups and not self._groups[key].template:
            # A registered group keeps its own options and may gain some
            # (keystone adds an [auth] option per extra auth method).
            if section.opts:
                group = self._own(key)
                for opt in section.opts:
                    if opt.dest not in group.options:
                        self._add(
                            group,
                            OptionInfo(key, opt, namespace=section.origin),
                        )
            return
        template = (
            self._groups.get(normalize_group(section.template))
            if section.template
            else None
        )
        if section.template and template is None:
            return  # the service's options are not in this catalog
        group = template.renamed(key) if template else GroupInfo(key)
        self._put(group)
        for opt in section.opts:
            self._add(group, OptionInfo(key, opt, namespace=section.origin))
        self.dynamic[key] = section.origin

    def _bind_source_group(self, name: str, raw: RawLookup) -> None:
        group = self._own(name)
        self._add(group, OptionInfo(name, _SOURCE_DRIVER_OPT))
        driver = raw(name, 'driver')
        if not driver:
            self.unresolved.append(
                (name, 'driver', 'config source group names no driver')
            )
            return
        opts = _source_driver_opts(driver)
        if opts is None:
            self.unresolved.append(
                (name, 'driver', f'unknown config source driver {driver!r}')
            )
            return
        for opt in opts:
            self._add(
                group, OptionInfo(name, opt, namespace=f'driver:{driver}')
            )

    def _bind_driver_option(self, group: GroupInfo, raw: RawLookup) -> None:
        driver = raw(group.name, group.driver_option)
        if driver and driver in group.driver_opts:
            self._own(group.name).options.update(group.driver_opts[driver])
        elif driver and group.driver_opts:
            self.unresolved.append(
                (group.name, group.driver_option, f'unknown driver {driver!r}')
            )

    def _bind_auth(self, group: GroupInfo, raw: RawLookup) -> None:
        section = raw(group.name, 'auth_section')
        section = normalize_group(section) if section else group.name
        if section != group.name:
            target = self._own(section)
            for opt in (_AUTH_TYPE_OPT, _AUTH_SECTION_OPT):
                if opt.dest not in target.options:
                    self._add(target, OptionInfo(section, opt))
        auth_type = raw(section, 'auth_type')
        if not auth_type:
            return
        opts = _auth_plugin_opts(auth_type)
        if opts is None:
            self.unresolved.append(
                (section, 'auth_type', f'unknown auth plugin {auth_type!r}')
            )
            return
        # Options set in the group itself are accepted too (not an error),
        # although keystoneauth reads only the section's.
        for name in {group.name, section}:
            own = self._own(name)
            for opt in opts:
                info = OptionInfo(
                    name, opt, namespace=AUTH_NAMESPACE + auth_type
                )
                # The chosen plugin decides what is required, not the
                # sample plugin a namespace listed.
                self._add(own, info, replace=True)
        self.auth[group.name] = AuthBinding(group.name, section, auth_type)


def bind(catalog: OptionCatalog, raw: RawLookup) -> BoundCatalog:
    """Return a copy of ``catalog`` extended with what the values create.

    The copy shares every group it does not change with ``catalog``, so
    binding costs little however large the catalog is.

    :param raw: reads the raw value of ``(group, option)`` from the
        files, or returns ``None`` when it is not set
    """
    bound = BoundCatalog(catalog)
    for group in list(catalog._groups.values()):
        if group.dynamic_group_owner and not group.template:
            for instance in _split_list(
                raw(DEFAULT_GROUP, group.dynamic_group_owner)
            ):
                bound._bind_instance(
                    dynamic_groups.DynamicSection(
                        instance,
                        template=group.name,
                        origin=f'[DEFAULT] {group.dynamic_group_owner}',
                    )
                )
    for section in dynamic_groups.resolve(catalog, raw):
        bound._bind_instance(section)
    for group in list(bound._groups.values()):
        if group.driver_option and not group.template:
            bound._bind_driver_option(group, raw)
    for source in _split_list(raw(DEFAULT_GROUP, 'config_source')):
        bound._bind_source_group(normalize_group(source), raw)
    for group in list(bound._groups.values()):
        if group.template:
            continue
        if 'auth_type' not in group.options and _lists_auth_options(group):
            group = bound._own(group.name)
            for opt in (_AUTH_TYPE_OPT, _AUTH_SECTION_OPT):
                bound._add(group, OptionInfo(group.name, opt))
        if is_keystoneauth_group(group):
            bound._bind_auth(group, raw)
    return bound


def is_keystoneauth_group(group: GroupInfo) -> bool:
    """Tell a group whose ``auth_type`` picks a keystoneauth plugin.

    keystoneauth registers ``auth_type`` and ``auth_section`` together
    (``register_auth_conf_options``); an ``auth_type`` of its own with
    fixed choices (castellan's ``[key_manager]``: token, password,
    keystone_token, keystone_password) names no keystoneauth plugin.
    """
    auth_type = group.options.get('auth_type')
    if auth_type is None or 'auth_section' not in group.options:
        return False
    return not getattr(auth_type.opt.type, 'choices', None)


#: keystoneauth's session options (``get_session_conf_options``).
_SESSION_OPTS = frozenset(
    ('cafile', 'certfile', 'keyfile', 'insecure', 'timeout')
)


def _lists_auth_options(group: GroupInfo) -> bool:
    """Tell a keystoneauth group whose listing left out ``auth_type``.

    Some services list a group's session and sample plugin options but
    not the ``auth_type``/``auth_section`` that
    ``register_auth_conf_options`` adds at runtime (cinder's
    ``[service_user]``).
    """
    return (
        'auth_url' in group.options and _SESSION_OPTS <= group.options.keys()
    )


def _split_list(value: str | None) -> list[str]:
    if not value:
        return []
    return [item.strip() for item in value.split(',') if item.strip()]


@functools.cache
def _source_driver_opts(driver: str) -> tuple[cfg.Opt, ...] | None:
    try:
        manager = stevedore.DriverManager(
            'oslo.config.driver', driver, invoke_on_load=True
        )
    except Exception:
        return None
    return tuple(manager.driver.list_options_for_discovery())


@functools.cache
def _auth_plugin_opts(auth_type: str) -> tuple[cfg.Opt, ...] | None:
    try:
        from keystoneauth1 import loading
    except ImportError:  # keystoneauth is optional
        return None
    try:
        return tuple(loading.get_auth_plugin_conf_options(auth_type))
    except Exception:
        return None
