"""Which interceptor hooks an RPC server runs for a request.

Worked out once per server from its interceptors (:class:`ReceiptPlan`):
hooks a plugin leaves as the base class's no-ops are never called, and the
built-in interceptors' receipt hooks can run as one call.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from oslo_extras.messaging import interceptors as interceptors_mod

#: The server's logger: these are the server's messages.
LOG = logging.getLogger('oslo_extras.messaging.server')


def run_finished(
    request: interceptors_mod.Request,
    interceptors: Sequence[interceptors_mod.Interceptor],
) -> None:
    """Run the ``finished`` hooks of ``interceptors``, each once."""
    for interceptor in interceptors:
        try:
            interceptor.finished(request)
        except Exception:
            LOG.exception('%s failed to finish', interceptor.name)


def failed_hook(
    traceback: Any,
) -> tuple[interceptors_mod.Interceptor, str] | None:
    """Name the interceptor hook a failure's ``traceback`` came through.

    For the log of a receipt hook that raised (the server runs them
    inline, without telling which one runs): the outermost frame of an
    interceptor's method, None when the failure came from none.
    """
    while traceback is not None:
        frame = traceback.tb_frame
        owner = frame.f_locals.get('self')
        if isinstance(owner, interceptors_mod.Interceptor):
            name = frame.f_code.co_name
            # The built-ins' fused hook stands for their received hook.
            return owner, 'received' if name == '_receive' else name
        traceback = traceback.tb_next
    return None


#: A request some interceptors watch, those of them with a ``dispatching``
#: hook and those with a ``finished`` hook: only they see these hooks
#: (:meth:`Interceptor.watches`). A plain tuple: building a NamedTuple is
#: a Python-level call.
Watched = tuple[
    interceptors_mod.Request,
    tuple[interceptors_mod.Interceptor, ...],
    tuple[interceptors_mod.Interceptor, ...],
]


class ReceiptPlan:
    """Runs the receipt hooks of a server's interceptors on a request.

    Built once per server: hooks an interceptor leaves as the base class's
    no-ops are never called (nothing could tell). The built-in
    interceptors have one private hook, ``_receive(request)``, doing what
    ``received`` then ``watches`` do (None: drop it; else whether it
    watches). When no interceptor needs ``received`` and ``watches``
    called as such (a plugin of its own that overrides either, a subclass
    that overrides one of the pair), each request costs one call per
    built-in instead of two. Otherwise every ``received`` hook runs, then
    every ``watches`` hook, as documented in :class:`Interceptor`.
    """

    def __init__(
        self, interceptors: Sequence[interceptors_mod.Interceptor]
    ) -> None:
        #: those with a finished hook: a dropped request runs them all
        self.finishers = tuple(
            i for i in interceptors if hook(i, 'finished') is not None
        )
        # Per interceptor: its fused hook or its watches hook (None: always
        # watches), whether it has a dispatching and a finished hook.
        entries = []
        fused = True
        for interceptor in interceptors:
            receive = fused_receive(interceptor)
            if receive is None and (
                hook(interceptor, 'received') is not None
                or hook(interceptor, 'watches') is not None
            ):
                fused = False
            entries.append(
                (
                    interceptor,
                    receive,
                    hook(interceptor, 'watches'),
                    hook(interceptor, 'dispatching') is not None,
                    interceptor in self.finishers,
                )
            )
        #: (interceptor, its _receive or None: always watches, has a
        #: dispatching hook, has a finished hook), when every interceptor
        #: can be run that way; else None
        self.fused = (
            tuple((i, r, d, f) for i, r, _, d, f in entries) if fused else None
        )
        self._receivers = tuple(
            hook
            for hook in (hook(i, 'received') for i in interceptors)
            if hook is not None
        )
        self._watchers = tuple((i, w, d, f) for i, _, w, d, f in entries)

    def receive(
        self, request: interceptors_mod.Request
    ) -> tuple[tuple, tuple] | None:
        """Run every ``received`` hook on ``request``, then every ``watches``.

        The path when :attr:`fused` is None (the server runs that one
        inline).

        :returns: None to drop it; else the interceptors that watch it and
            have a ``dispatching`` hook, and those with a ``finished``
            hook (both empty: nothing to do after receipt)
        """
        for received in self._receivers:
            if not received(request):
                return None
        dispatchers: tuple = ()
        finishers: tuple = ()
        for interceptor, watches, dispatches, finishes in self._watchers:
            if watches is None or watches(request):
                if dispatches:
                    dispatchers += (interceptor,)
                if finishes:
                    finishers += (interceptor,)
        return dispatchers, finishers


def hook(interceptor: interceptors_mod.Interceptor, name: str) -> Any:
    """Return ``interceptor``'s ``name`` hook, None if it is the no-op."""
    hook = getattr(interceptor, name)
    if getattr(hook, '__func__', None) is getattr(
        interceptors_mod.Interceptor, name
    ):
        return None
    return hook


def fused_receive(interceptor: interceptors_mod.Interceptor) -> Any:
    """Return ``interceptor._receive`` if it stands for its receipt hooks.

    It does when the class that defines it also defines the ``received``
    and ``watches`` the interceptor has (not a subclass's, not one set on
    the instance).
    """
    owner = next(
        (c for c in type(interceptor).__mro__ if '_receive' in vars(c)), None
    )
    if owner is None:
        return None
    for name in ('received', 'watches'):
        func = getattr(getattr(interceptor, name), '__func__', None)
        if func is None or func is not vars(owner).get(name):
            return None
    return interceptor._receive
