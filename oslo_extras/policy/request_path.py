"""SafeEnforcer's request path: ``enforce()`` and ``authorize()``.

Both are built from one body (:func:`decider`), so ``authorize()`` decides
in a single call instead of oslo.policy's ``authorize()`` calling
``enforce()``: on a denial that raises, each Python frame the exception
crosses costs about as much as the decision itself. The enforcer's state
(:class:`State`) is read through one attribute; a reload swaps it whole.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from collections.abc import MutableMapping
from typing import Any
from typing import NamedTuple

from oslo_context import context
from oslo_policy import policy

from oslo_extras.policy import _upstream
from oslo_extras.policy import compiler

# oslo.policy's enforce() logs credentials at DEBUG; keep that path upstream.
_UPSTREAM_LOG = logging.getLogger(policy.__name__)
_DEBUG = logging.DEBUG


class State(NamedTuple):
    """What one load of the rules decides with, swapped in one assignment."""

    table: compiler.Table
    #: registered rule name -> (its default, its scope types)
    scoped: dict[str, tuple[policy.RuleDefault, frozenset]]
    signature: tuple | None
    has_rules: bool
    #: oslo.policy has [oslo_policy] enforce_scope (< 5.0), read per call
    scope_option: bool
    refusals: _upstream.Refusals


def decider(
    registered_only: bool, direct_enforce: Callable[..., Any] | None = None
) -> Callable[..., Any]:
    """``enforce()`` (or, with ``registered_only``, ``authorize()``).

    ``authorize()`` decides in the same call only while ``enforce()`` is
    ``direct_enforce`` (the ``enforce()`` made here): when a subclass, a
    later assignment to the class or one on the instance (``mock.patch``)
    replaces it, ``authorize()`` calls it as oslo.policy's does.

    The enforcer must provide ``_state``, ``_stale``, ``load_rules()`` and
    ``_enforce_upstream()`` (oslo.policy's own ``enforce()``), which takes
    every call the compiled rules do not cover: a check object as the rule,
    DEBUG logging of ``oslo_policy.policy`` on, credentials neither a
    mapping nor a ``RequestContext``.
    """

    def decide(
        self: Any,
        rule: Any,
        target: Any,
        creds: Any,
        do_raise: bool = False,
        exc: type[Exception] | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if registered_only:
            if rule not in self.registered_rules:
                raise policy.PolicyNotRegistered(rule)
            if (
                type(self).enforce is not direct_enforce
                or 'enforce' in self.__dict__
            ):
                return self.enforce(
                    rule, target, creds, do_raise, exc, *args, **kwargs
                )
        if self._stale or self._state is None:
            self.load_rules()
        state = self._state
        if type(rule) is not str or _UPSTREAM_LOG.isEnabledFor(_DEBUG):
            return self._enforce_upstream(
                rule, target, creds, do_raise, exc, *args, **kwargs
            )
        # In Enforcer.enforce()'s order: a RequestContext that is also a
        # mapping gives its policy values, not its items.
        if type(creds) is dict:
            creds_dict = creds
        elif isinstance(creds, context.RequestContext):
            creds_dict = _upstream.context_creds(self, creds)
        elif isinstance(creds, MutableMapping):
            creds_dict = creds
        else:
            # Let oslo.policy raise its own InvalidContextObject.
            return self._enforce_upstream(
                rule, target, creds, do_raise, exc, *args, **kwargs
            )
        if creds_dict.get('system_scope'):
            creds_dict['system'] = creds_dict.get('system_scope')
        result: Any = False
        if state.has_rules:
            # Table.lookup(), without its call.
            function = state.table.functions.get(rule, state.table.fallback)
            if function is not None:
                scoped = state.scoped.get(rule)
                if scoped is not None:
                    # Same token-scope rule as Enforcer._enforce_scope().
                    if creds_dict.get('system'):
                        token_scope = 'system'
                    elif creds_dict.get('domain_id'):
                        token_scope = 'domain'
                    else:
                        token_scope = 'project'
                    if token_scope not in scoped[1]:
                        # oslo.policy < 5 reads the option on every call
                        # (services' tests and set_override() toggle it).
                        if not state.scope_option or (
                            self.conf.oslo_policy.enforce_scope
                        ):
                            if do_raise:
                                raise state.refusals.invalid_scope(
                                    rule, scoped[0], token_scope
                                )
                            if state.scope_option:
                                _warn_scope(scoped[0], token_scope)
                            return False
                        _warn_scope(scoped[0], token_scope)
                try:
                    result = function(target, creds_dict, self, rule)
                except RecursionError:
                    # A rule: cycle: fail exactly as oslo.policy does (a
                    # TypeError from deep in its recursion), outside this
                    # handler so our RecursionError and its ~1000 frames
                    # are not chained to what the caller gets.
                    result = _CYCLE
                if result is _CYCLE:
                    return self._enforce_upstream(
                        rule, target, creds, do_raise, exc, *args, **kwargs
                    )
        if do_raise and not result:
            if exc:
                raise exc(*args, **kwargs)
            raise state.refusals.not_authorized(rule, target, creds_dict)
        return result

    if registered_only:
        decide.__name__ = decide.__qualname__ = 'authorize'
        decide.__doc__ = (
            'Like ``Enforcer.authorize()``: ``PolicyNotRegistered`` for a '
            'rule never registered, else :meth:`enforce`.'
        )
    else:
        decide.__name__ = decide.__qualname__ = 'enforce'
        decide.__doc__ = (
            'Decide like ``Enforcer.enforce()``, without touching a file.'
        )
    return decide


#: A rule: cycle was met; oslo.policy decides (fails) the call instead.
_CYCLE = object()


def _warn_scope(default: policy.RuleDefault, token_scope: str) -> None:
    """A token of the wrong scope on oslo.policy < 5: warn, as it does.

    oslo.policy < 5 (OpenStack 2025.1 has 4.5.1) warns on every mismatch
    it does not raise for: when ``[oslo_policy] enforce_scope`` is false (a
    deprecated option later releases removed; then the check decides) and
    when it is true and the call returns ``False``.
    """
    warnings.warn(
        f'Policy {default} failed scope check. The token used to make '
        f'the request was {token_scope} scoped but the policy requires '
        f'{default.scope_types} scope. This behavior may change in the '
        'future where using the intended scope is required',
        stacklevel=3,
    )
