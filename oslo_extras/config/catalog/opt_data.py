"""Options to and from data: the one place option types are (de)serialised.

The data is what ``oslo-config-generator --format yaml|json`` writes for one
option (``type`` as a type name, ``choices`` as ``[value, description]``
pairs, ``min``, ``max``...) plus a ``type_spec`` field that keeps what the
generator loses: case-insensitive choices, regexes, URI schemes, list item
types, IP versions. :func:`opt_to_data` writes both; :func:`opt_from_data`
reads either, so a catalog exported here reloads with full fidelity and
plain generator data still loads.

Plain generator data does not say whether a string's choices ignore case,
so those choices are read as case-insensitive: a check may then miss a
case error, but never reports one on a value the service accepts.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any

from oslo_config import cfg
from oslo_config import types

if TYPE_CHECKING:
    from oslo_extras.config.catalog.model import OptionCatalog

#: Type classes rebuilt from ``type_spec`` by class name.
_CLASSES: dict[str, type[types.ConfigType]] = {
    cls.__name__: cls
    for cls in (
        types.String,
        types.MultiString,
        types.Boolean,
        types.Integer,
        types.Float,
        types.Port,
        types.List,
        types.Range,
        types.Dict,
        types.IPAddress,
        types.Hostname,
        types.HostAddress,
        types.HostDomain,
        types.URI,
    )
}

#: Generator type names (``type_name``) to type classes, for plain data.
_BY_TYPE_NAME: dict[str, type[types.ConfigType]] = {
    'string value': types.String,
    'multi valued': types.MultiString,
    'boolean value': types.Boolean,
    'integer value': types.Integer,
    'floating point value': types.Float,
    'port': types.Port,
    'port value': types.Port,
    'list value': types.List,
    'range value': types.Range,
    'dict value': types.Dict,
    'IP address value': types.IPAddress,
    'hostname value': types.Hostname,
    'host address value': types.HostAddress,
    'host domain value': types.HostDomain,
    'uri value': types.URI,
    'URI value': types.URI,
}


def _choices_of(opt_type: types.ConfigType) -> list[list[Any]]:
    choices = getattr(opt_type, 'choices', None)
    if not choices:
        return []
    return [[value, desc] for value, desc in choices.items()]


def type_to_spec(opt_type: types.ConfigType) -> dict[str, Any] | None:
    """Return everything needed to rebuild ``opt_type``, or ``None``.

    ``None`` for a type class oslo.config does not ship (a service's own
    type): it is then rebuilt from its type name, as plain generator data.
    """
    cls = type(opt_type).__name__
    if _CLASSES.get(cls) is not type(opt_type):
        return None
    spec: dict[str, Any] = {'class': cls}
    if isinstance(opt_type, types.String):
        regex = getattr(opt_type, 'regex', None)
        spec.update(
            choices=_choices_of(opt_type),
            ignore_case=bool(opt_type.ignore_case),
            quotes=bool(opt_type.quotes),
            regex=regex.pattern if regex is not None else None,
            regex_flags=regex.flags if regex is not None else 0,
            max_length=opt_type.max_length or None,
        )
    elif isinstance(opt_type, types.Number):
        spec.update(
            min=opt_type.min,
            max=opt_type.max,
            choices=_choices_of(opt_type),
        )
    elif isinstance(opt_type, types.Range):
        spec.update(
            min=opt_type.min, max=opt_type.max, inclusive=opt_type.inclusive
        )
    elif isinstance(opt_type, types.List):
        spec.update(
            item_type=type_to_spec(opt_type.item_type),
            bounds=bool(opt_type.bounds),
            min_length=getattr(opt_type, 'min_length', 0),
        )
    elif isinstance(opt_type, types.Dict):
        spec.update(
            value_type=type_to_spec(opt_type.value_type),
            bounds=bool(opt_type.bounds),
            key_value_separator=opt_type.key_value_separator,
            min_length=getattr(opt_type, 'min_length', 0),
        )
    elif isinstance(opt_type, types.IPAddress):
        spec['version'] = _ip_version(opt_type)
    elif isinstance(opt_type, types.URI):
        spec.update(
            max_length=opt_type.max_length,
            schemes=list(opt_type.schemes) if opt_type.schemes else None,
        )
    spec['type_name'] = opt_type.type_name
    return spec


def _ip_version(opt_type: types.IPAddress) -> int | None:
    checker = getattr(opt_type.version_checker, '__name__', '')
    return {'_check_ipv4': 4, '_check_ipv6': 6}.get(checker)


@functools.cache
def _takes_min_length(cls: type) -> bool:
    return 'min_length' in inspect.signature(cls.__init__).parameters


def _min_length(cls: type, spec: dict[str, Any]) -> dict[str, int]:
    # List and Dict take min_length from oslo.config 10.x on; an older
    # oslo.config neither takes it nor enforces it.
    length = spec.get('min_length') or 0
    return {'min_length': length} if length and _takes_min_length(cls) else {}


def type_from_spec(spec: Mapping[str, Any] | None) -> types.ConfigType:
    """Rebuild a type from :func:`type_to_spec` output (``None``: String)."""
    if not spec:
        return types.String()
    cls = _CLASSES.get(spec.get('class') or '', types.String)
    kwargs: dict[str, Any] = {}
    if 'type_name' in spec and spec['type_name']:
        kwargs['type_name'] = spec['type_name']
    if cls is types.MultiString:
        return types.MultiString(**kwargs)
    if issubclass(cls, types.String):
        regex = spec.get('regex')
        return cls(
            choices=_pairs(spec.get('choices')),
            quotes=bool(spec.get('quotes')),
            regex=re.compile(regex, spec.get('regex_flags') or 0)
            if regex
            else None,
            ignore_case=bool(spec.get('ignore_case')),
            max_length=spec.get('max_length'),
            **kwargs,
        )
    if issubclass(cls, types.Number):
        extra = (
            {}
            if cls is types.Float
            else {'choices': _pairs(spec.get('choices'))}
        )
        return cls(min=spec.get('min'), max=spec.get('max'), **extra, **kwargs)
    if cls is types.Range:
        return cls(
            min=spec.get('min'),
            max=spec.get('max'),
            inclusive=spec.get('inclusive', True),
            **kwargs,
        )
    if cls is types.List:
        return cls(
            item_type=type_from_spec(spec.get('item_type')),
            bounds=bool(spec.get('bounds')),
            **_min_length(cls, spec),
            **kwargs,
        )
    if cls is types.Dict:
        return cls(
            value_type=type_from_spec(spec.get('value_type')),
            bounds=bool(spec.get('bounds')),
            key_value_separator=spec.get('key_value_separator') or ':',
            **_min_length(cls, spec),
            **kwargs,
        )
    if cls is types.IPAddress:
        return cls(version=spec.get('version'), **kwargs)
    if cls is types.URI:
        return cls(
            max_length=spec.get('max_length'),
            schemes=spec.get('schemes'),
            **kwargs,
        )
    return cls(**kwargs)


def _pairs(choices: Any) -> list[tuple[Any, Any]] | None:
    if not choices:
        return None
    # The generator writes [value, description] pairs; accept bare values.
    return [
        (c[0], c[1] if len(c) > 1 else None)
        if isinstance(c, (list, tuple))
        else (c, None)
        for c in choices
    ]


def _type_from_generator(data: Mapping[str, Any]) -> types.ConfigType:
    """Rebuild a type from plain generator fields (lossy, lenient)."""
    type_name = data.get('type') or 'string value'
    cls = _BY_TYPE_NAME.get(type_name)
    choices = _pairs(data.get('choices'))
    if cls is None or cls is types.String:
        # Unknown (a service's own type) or a string: only choices are
        # known, and whether they ignore case is not, so they do (unless a
        # choice is not text, e.g. None, which oslo.config cannot fold).
        folds = all(isinstance(c, str) for c, _desc in choices or ())
        return types.String(choices=choices, ignore_case=folds)
    if cls is types.Float:
        return cls(min=data.get('min'), max=data.get('max'))
    if issubclass(cls, types.Integer):
        return cls(min=data.get('min'), max=data.get('max'), choices=choices)
    if cls is types.Range:
        return cls(min=data.get('min'), max=data.get('max'))
    return cls()


_OPT_FIELDS = (
    'dest',
    'help',
    'secret',
    'required',
    'deprecated_for_removal',
    'deprecated_reason',
    'deprecated_since',
    'mutable',
    'advanced',
)


def opt_to_data(
    opt: cfg.Opt,
    group: str,
    namespace: str | None = None,
    mask_secret_default: bool = True,
) -> dict[str, Any]:
    """Return an option as generator data plus a lossless ``type_spec``.

    :param mask_secret_default: write ``None`` as a secret option's
        default; a catalog export keeps it (a code default, not a
        deployment's secret) because the required and ``$var`` checks
        read it
    """
    opt_type = opt.type
    multi = bool(getattr(opt, 'multi', False))
    item_type = getattr(opt_type, 'item_type', None) if multi else None
    data: dict[str, Any] = {'name': opt.name}
    data.update({field: getattr(opt, field, None) for field in _OPT_FIELDS})
    data.update(
        namespace=namespace,
        type=getattr(opt_type, 'type_name', 'unknown value'),
        choices=_choices_of(opt_type),
        min=getattr(opt_type, 'min', None),
        max=getattr(opt_type, 'max', None),
        default=None
        if opt.secret and mask_secret_default
        else _plain(opt.default),
        multi=multi,
        type_spec=type_to_spec(item_type or opt_type),
        # ``group`` as the generator writes it; ``own_group`` keeps that
        # the old name lives in whatever group the option is in (an
        # instance of a dynamic group, too).
        deprecated_opts=[
            {
                'group': d.group or group,
                'name': d.name or opt.dest,
                'own_group': d.group is None,
            }
            for d in _unique(opt.deprecated_opts)
        ],
    )
    return data


def _plain(value: Any) -> Any:
    """Return ``value`` as plain data (lazy translations become ``str``)."""
    if isinstance(value, str):
        return str(value)
    if value is None or isinstance(value, (int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def opt_from_data(data: Mapping[str, Any]) -> cfg.Opt:
    """Rebuild an option from one entry of generator (or exported) data."""
    multi = data.get('multi') or data.get('type') == 'multi valued'
    if 'type_spec' in data and data['type_spec'] is not None:
        opt_type = type_from_spec(data['type_spec'])
    elif multi:
        opt_type = types.String()
    else:
        opt_type = _type_from_generator(data)
    deprecated = _unique(
        cfg.DeprecatedOpt(
            d.get('name'), group=None if d.get('own_group') else d.get('group')
        )
        for d in data.get('deprecated_opts') or []
    )
    kwargs: dict[str, Any] = dict(
        dest=data.get('dest'),
        default=data.get('default'),
        help=data.get('help'),
        secret=bool(data.get('secret')),
        required=bool(data.get('required')),
        deprecated_opts=deprecated,
        deprecated_for_removal=bool(data.get('deprecated_for_removal')),
        deprecated_reason=data.get('deprecated_reason'),
        deprecated_since=data.get('deprecated_since'),
        mutable=bool(data.get('mutable')),
        advanced=bool(data.get('advanced')),
    )
    factory: Callable[..., cfg.Opt]
    if multi:
        # MultiStrOpt's own item type stays; a type_spec-less entry's
        # generic MultiString reads as a string per value.
        if isinstance(opt_type, types.MultiString) and not data.get(
            'type_spec'
        ):
            opt_type = types.String()
        factory = functools.partial(
            cfg.MultiOpt, data['name'], item_type=opt_type
        )
    else:
        factory = functools.partial(cfg.Opt, data['name'], type=opt_type)
    try:
        opt = factory(**kwargs)
    except cfg.DefaultValueError:
        # The generator writes sample defaults, which need not parse.
        kwargs['default'] = None
        opt = factory(**kwargs)
    # oslo.config adds an underscore twin of each hyphenated old name;
    # the data has it already.
    opt.deprecated_opts = _unique(opt.deprecated_opts)
    return opt


def _unique(
    deprecated: Iterable[cfg.DeprecatedOpt],
) -> list[cfg.DeprecatedOpt]:
    found: dict[tuple[Any, Any], cfg.DeprecatedOpt] = {}
    for dep in deprecated:
        found.setdefault((dep.name, dep.group), dep)
    return list(found.values())


#: The ``dynamic_group_owner`` oslo.config gives its config source driver
#: templates (``sample_<driver>_source``); the loader marks them again.
SOURCE_TEMPLATE_OWNER = 'config_source'


def catalog_to_data(catalog: OptionCatalog) -> dict[str, Any]:
    """Return a whole catalog as ``oslo-config-generator --format yaml`` data.

    Every group has the generator's keys (``help``, ``opts``,
    ``standard_opts``, ``driver_option``, ``driver_opts``,
    ``dynamic_group_owner``); every option is :func:`opt_to_data` output
    (``type_spec`` included) plus ``driver`` and ``registered``, which keep
    a driver option apart from a standard one of the same name. Group
    patterns go under a top-level ``group_patterns`` key. The loader reads
    this back with nothing lost, and reads plain generator data too.
    What dynamic group plugins captured from the service's code goes
    under ``plugin_data``.
    """
    options: dict[str, Any] = {}
    for group in catalog.groups():
        every = list(group.options.values()) + [
            info
            for opts in group.driver_opts.values()
            for info in opts.values()
        ]
        entries = []
        for info in every:
            entry = opt_to_data(
                info.opt, group.name, info.namespace, mask_secret_default=False
            )
            entry.update(driver=info.driver, registered=info.registered)
            entries.append(entry)
        options[group.name] = {
            'help': str(group.help or ''),
            'opts': entries,
            'standard_opts': [info.name for info in group.options.values()],
            'driver_option': group.driver_option or '',
            'driver_opts': {
                driver: [info.name for info in opts.values()]
                for driver, opts in group.driver_opts.items()
            },
            'dynamic_group_owner': SOURCE_TEMPLATE_OWNER
            if group.template
            else group.dynamic_group_owner or '',
        }
    return _plain(
        {
            'options': options,
            'group_patterns': [
                [pattern, template]
                for pattern, _regex, template in catalog._patterns
            ],
            'plugin_data': catalog.plugin_data,
        }
    )
