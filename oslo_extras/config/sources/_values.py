"""Turn a backend value into what oslo.config gives back unchanged.

oslo.config (10.x, ``ConfigOpts._do_get``) passes every value a source
``get()`` returns through ``_substitute`` and then the option's type:

1. in every string (also list items, dict keys and dict values) ``\\$``
   is first replaced by ``$$``;
2. the result is a ``string.Template``: ``$$`` becomes ``$`` and
   ``$name`` / ``${group.name}`` are replaced by other options' values;
3. ``opt.type(value)`` converts it (a dict or list is taken as it is).

Escaping each ``$`` as ``\\$`` survives all of that byte for byte: step 1
turns every ``\\$`` we wrote (and only those: each ends in one of our
``$``) into ``$$``, a backslash the secret had before its ``$`` stays
where it was, and step 2 turns each ``$$`` back into one ``$``. Plain
``$$`` escaping is not enough: a secret holding ``\\$`` would come out
changed, or name another option.
"""

from __future__ import annotations

from typing import Any

from oslo_config import cfg
from oslo_config import types

from oslo_extras.config import masking


def literal(value: Any) -> Any:
    """Escape ``value`` so oslo.config's substitution returns it unchanged."""
    if isinstance(value, str):
        return value.replace('$', '\\$')
    if isinstance(value, list):
        return [literal(item) for item in value]
    if isinstance(value, dict):
        return {literal(k): literal(v) for k, v in value.items()}
    return value


def convert(opt: cfg.Opt, value: Any) -> Any:
    """Convert ``value`` with the option's type, as oslo.config will.

    :raises ValueError: or ``TypeError`` from the type
    """
    if opt.multi:
        items = value if isinstance(value, list) else [value]
        return [_typed(opt.type, item) for item in items]
    return _typed(opt.type, value)


def _typed(type_: Any, value: Any) -> Any:
    """``type_(value)``, also converting the values of a mapping: oslo.config's
    ``Dict`` returns a dict as it is (a JSON object from a backend), where it
    converts each value of the text form."""
    if isinstance(type_, types.Dict) and isinstance(value, dict):
        return type_({k: type_.value_type(v) for k, v in value.items()})
    return type_(value)


def for_oslo(opt: cfg.Opt, value: Any) -> Any:
    """What ``get()`` returns for ``value``: oslo.config reads it unchanged.

    A string option gets the escaped raw string (oslo.config converts it
    once, as it does a file's value); dicts and lists are converted first
    (a string ``a:1,b:2`` becomes a dict) and their strings escaped, so a
    ``$`` or ``\\`` inside a dict value also survives.
    """
    converted = convert(opt, value)
    if isinstance(converted, str) and isinstance(value, str):
        return literal(value)
    return literal(converted)


def type_error_reason(exc: BaseException, value: Any) -> str:
    """The reason a conversion failed, with the value scrubbed out."""
    strings = [str(value), *strings_of(value)]
    reason = masking.scrub(str(exc), strings)
    forms = [f for s in strings for f in [s, *masking.quoted_forms(s)]]
    if any(f.strip() and f in reason for f in forms):
        return 'not a valid value'
    return reason


def strings_of(value: Any) -> list[str]:
    """Every string a value holds (list items, dict keys and values)."""
    if isinstance(value, list):
        return [str(item) for item in value]
    if isinstance(value, dict):
        return [str(v) for v in value.values()] + [str(k) for k in value]
    return [str(value)]
