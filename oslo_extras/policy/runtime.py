"""An oslo.policy ``Enforcer`` that never re-reads files on the request path.

:class:`SafeEnforcer` is a drop-in subclass of
:class:`oslo_policy.policy.Enforcer`:

* ``enforce()`` does no file I/O: the rule set is compiled once into plain
  closures (:mod:`oslo_extras.policy.compiler`) and read through a single
  attribute, so a reload swaps every rule at once;
* policy files are re-read off the request path: by a background thread
  (``[oslo_extras_policy] reload_interval``), on config mutation (SIGHUP with
  ``restart_method = mutate``) or when the service calls :meth:`reload`;
* a broken file never replaces good rules: a reload that finds a file
  error or a syntax error keeps the previous rules, logs why and records it
  in :attr:`last_reload_error`; in strict mode
  (``[oslo_extras_policy] strict``) a syntax error or an unknown rule name
  also stops the service at startup. A lenient start on a file with a
  syntax error reads that rule as oslo.policy does (a whole rule that does
  not parse is ``!``, deny-all, admins included; a token that is no check is
  ``!``), logged as an error, except that a broken token under ``not`` is
  read as ``@`` so it cannot allow everyone;
* every reload that changes something is logged with its delta (rules
  added, removed, changed; persona decisions widened and narrowed), a
  deleted policy file at WARNING, and with
  ``[oslo_extras_policy] refuse_widening_reload`` a reload that widens
  access is refused until confirmed (``reload(allow_widening=True)`` or a
  config mutation, SIGHUP);
* built with ``overwrite=False`` (glance's), rules accumulate across
  reloads as in oslo.policy (:mod:`oslo_extras.policy.accumulate`): an
  override removed from a file stays in force until ``clear()``.

Decisions are identical to oslo.policy's for the same rules, except a
broken token under ``not`` (above); the tests check it over credential grids
with hypothesis, and on real services' rules and operators' files.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import MutableMapping
from typing import Any

from oslo_config import cfg
from oslo_policy import policy

from oslo_extras.policy import _upstream
from oslo_extras.policy import accumulate
from oslo_extras.policy import compiler
from oslo_extras.policy import files
from oslo_extras.policy import loading
from oslo_extras.policy import model
from oslo_extras.policy import options
from oslo_extras.policy import reload_delta
from oslo_extras.policy import request_path

#: Raised when the first load refuses the policy files (re-exported).
PolicyLoadError = loading.PolicyLoadError

LOG = logging.getLogger(__name__)


_State = request_path.State


class SafeEnforcer(policy.Enforcer):
    """Drop-in ``Enforcer`` with strict loading and off-path reloads.

    Takes :class:`oslo_policy.policy.Enforcer`'s arguments, plus:

    :param strict: refuse unknown rule names and syntax errors at startup
        (default: ``[oslo_extras_policy] strict``)
    :param reload_interval: seconds between background checks for changed
        files, 0 for none (default: ``[oslo_extras_policy]
        reload_interval``)
    """

    def __init__(
        self,
        conf: cfg.ConfigOpts,
        policy_file: str | None = None,
        rules: MutableMapping | None = None,
        default_rule: Any = None,
        use_conf: bool = True,
        overwrite: bool = True,
        strict: bool | None = None,
        reload_interval: float | None = None,
    ) -> None:
        super().__init__(
            conf, policy_file, rules, default_rule, use_conf, overwrite
        )
        options.register(conf)
        self._strict = strict
        self._interval = reload_interval
        self._state: _State | None = None
        # The last accepted files, parsed: rebuilding from them after
        # register_default(), set_rules() or clear() needs no file I/O.
        self._layers: list[files.Layer] | None = None
        self._paths: list[tuple[str, str]] = []
        self._ruleset: model.RuleSet | None = None
        # overwrite=False: every override merged since the first load (or
        # clear()); oslo.policy keeps them in force across reloads.
        self._accumulated: dict[str, files.Entry] | None = None
        self._stale = True
        # set_rules(use_conf=True) rules oslo.policy keeps until a file
        # changes; a rebuild must not drop them (that could widen access).
        self._service_rules = False
        self._failed_signature: tuple | None = None
        self._had_rules: dict[str, bool] = {}
        # [oslo_policy] enforce_new_defaults as it was when each registered
        # rule entered the rules: oslo.policy applies it then, once.
        self._modes: dict[str, bool] = {}
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: Why the last reload was refused, or ``None``.
        self.last_reload_error: str | None = None
        conf.register_mutate_hook(self._on_mutate)
        # Worker processes forked after the first load (oslo.service's
        # ProcessLauncher) need their own reload thread.
        after_fork = weakref.WeakMethod(self._after_fork)
        os.register_at_fork(after_in_child=lambda: (after_fork() or _noop)())

    @property
    def strict(self) -> bool:
        if self._strict is not None:
            return self._strict
        return self.conf.oslo_extras_policy.strict

    @property
    def reload_interval(self) -> float:
        if self._interval is not None:
            return self._interval
        return self.conf.oslo_extras_policy.reload_interval

    # -- loading ----------------------------------------------------------

    def load_rules(self, force_reload: bool = False) -> None:
        """Load once (and on ``force_reload``); later calls touch no file.

        After ``register_default()``, ``set_rules()`` or ``clear()`` the
        rules are rebuilt from the files as last accepted, in memory.

        :raises PolicyLoadError: on the first load, when the files are
            refused
        """
        if force_reload:
            self.use_conf = True
        if force_reload or (self._layers is None and self.use_conf):
            self._refresh(force=True)
        elif self._state is None or self._stale:
            self._rebuild()

    def reload(
        self, force: bool = False, allow_widening: bool = False
    ) -> bool:
        """Re-read the policy files if they changed, off the request path.

        The new rules replace the old ones all at once. A reload that finds a
        file error or a syntax error (or, in strict mode, an unknown rule
        name), or that widens access while
        ``[oslo_extras_policy] refuse_widening_reload`` is set, keeps the
        previous rules and returns ``False``.

        :param force: re-read even when no file seems to have changed
        :param allow_widening: confirm a reload that widens access
        """
        if self._state is None and self._layers is None:
            self.load_rules()
            return True
        return self._refresh(
            force=force or allow_widening, allow_widening=allow_widening
        )

    def _rebuild(self) -> None:
        with self._lock:
            if not self.use_conf or self._layers is None:
                self._install(self.rules, {}, None)
                return
            if self.overwrite:
                ruleset = self._build(self._layers)
            else:
                merged = self._accumulated or {}
                ruleset = accumulate.keep_entered(
                    self._ruleset,
                    self._build([accumulate.as_layer(merged)]),
                    merged,
                )
            signature = self._state.signature if self._state else None
            if self._service_rules:
                self._install(
                    self._keep_service_rules(ruleset),
                    self.file_rules,
                    signature,
                )
                return
            self._install_ruleset(ruleset, self._paths, signature)
            self._remember_modes()

    def _keep_service_rules(self, ruleset: model.RuleSet) -> policy.Rules:
        # As Enforcer.load_rules() on unchanged files: the rules set by the
        # service stay; registered rules missing from them get their
        # default (deprecated old names in the files still apply).
        rules = policy.Rules(dict(self.rules), self.default_rule)
        overrides = ruleset.overrides
        parsed = {name: ruleset.rules[name].check for name in overrides}
        for name, default in self.registered_rules.items():
            if name in rules:
                continue
            if name in overrides:
                # Enforcer._handle_deprecated_rule() never aliases or ORs
                # a rule the file itself names.
                rules[name] = default.check
                continue
            rules[name] = model.resolve_default(
                default,
                overrides,
                parsed,
                self.conf.oslo_policy.enforce_new_defaults,
            ).check
        return rules

    def _build(
        self, layers: list[files.Layer], fresh: bool = False
    ) -> model.RuleSet:
        """The rule set of ``layers``, each rule's deprecated default
        resolved with the ``enforce_new_defaults`` it entered with (as
        oslo.policy, which only resolves rules it does not have yet);
        ``fresh``: every rule enters now (a file (re)load)."""
        current = self.conf.oslo_policy.enforce_new_defaults
        ruleset = model.build(self.registered_rules.values(), layers, current)
        modes = {} if fresh else self._modes
        older = [name for name, mode in modes.items() if mode != current]
        if older:
            other = model.build(
                self.registered_rules.values(), layers, not current
            )
            for name in older:
                if name in ruleset.rules and name in ruleset.defaults:
                    ruleset.rules[name] = other.rules[name]
        return ruleset

    def _remember_modes(self) -> None:
        current = self.conf.oslo_policy.enforce_new_defaults
        for name in self.registered_rules:
            self._modes.setdefault(name, current)

    def _refresh(self, force: bool, allow_widening: bool = False) -> bool:
        with self._lock:
            if not self.use_conf:
                self._install(self.rules, {}, None)
                return True
            paths = files.policy_paths(self.conf, self.policy_file)
            signature = files.signature(paths)
            if (
                not force
                and self._state is not None
                and (
                    signature == self._state.signature
                    or signature == self._failed_signature
                )
            ):
                return True
            first = self._layers is None
            layers, ruleset, findings = self._read(paths)
            blocking = [
                f
                for f in findings
                if f.code in loading.BLOCKING
                or (self.strict and f.code in loading.STRICT_BLOCKING)
            ]
            if blocking and (not first or self.strict or ruleset is None):
                if first:
                    raise PolicyLoadError(blocking)
                return self._refuse(signature, PolicyLoadError(blocking))
            merged = None
            if not self.overwrite:
                merged, ruleset = self._accumulate(
                    layers, paths, signature, force
                )
            change = None
            if not first:
                self._warn_deleted(paths)
                change = reload_delta.describe(
                    self._ruleset, ruleset, self.default_rule
                )
                if (
                    change.widened
                    and self.refuse_widening
                    and not allow_widening
                ):
                    return self._refuse(
                        signature, loading.WideningRefused(change)
                    )
            for finding in findings:
                log = LOG.error if finding.is_error else LOG.warning
                log('Policy: %s', finding.as_text())
            self._layers = layers
            self._paths = paths
            self._accumulated = merged
            if paths and self.overwrite:
                self._modes = {}
            self._install_ruleset(ruleset, paths, signature)
            self._remember_modes()
            self._failed_signature = None
            self._had_rules = {
                layer.path: bool(layer.entries) for layer in layers
            }
            self.last_reload_error = None
            if change is not None and not change.empty:
                log = LOG.warning if change.widened else LOG.info
                log('Policy reloaded: %s', change.as_text())
            if first:
                self._start_thread()
            return True

    def _accumulate(self, layers, paths, signature, force):
        """``overwrite=False``: the overrides merged so far and the rules
        in force, as oslo.policy's ``set_rules(rules, overwrite=False)``
        leaves them after this reload."""
        start = self._accumulated is None
        applied = accumulate.applied_layers(
            layers,
            None if start else self._paths,
            None if start or self._state is None else self._state.signature,
            paths,
            signature,
            force,
        )
        merged = accumulate.merge(self._accumulated or {}, applied)
        built = self._build([accumulate.as_layer(merged)])
        previous = None if start else self._ruleset
        return merged, accumulate.keep_entered(previous, built, merged)

    @property
    def refuse_widening(self) -> bool:
        return self.conf.oslo_extras_policy.refuse_widening_reload

    def _refuse(self, signature: tuple, error: Exception) -> bool:
        self._failed_signature = signature
        self.last_reload_error = str(error)
        LOG.error('Keeping the previous policy rules: %s', error)
        if self._state is None or self._stale:
            # After clear() or a late registration: the files as last
            # accepted, with the rules registered now.
            self._rebuild()
        return False

    def _warn_deleted(self, paths: list[tuple[str, str]]) -> None:
        now = {path for path, _kind in paths}
        for path, kind in self._paths:
            if path not in now and not self.overwrite:
                LOG.warning(
                    'Policy file %s is gone: its overrides stay in force '
                    '(overwrite=False) until clear()',
                    path,
                )
            elif path not in now:
                LOG.warning(
                    'Policy file %s is gone: its overrides no longer apply%s',
                    path,
                    ' (the registered defaults do)'
                    if kind == files.FILE
                    else '',
                )

    def _read(self, paths: list[tuple[str, str]]):
        default_rule = (
            self.default_rule if isinstance(self.default_rule, str) else None
        )
        # A file (re)load resets every rule, as in oslo.policy; with no
        # file at all its rules (and their resolved defaults) stay.
        fresh = bool(paths)
        return loading.read(
            paths,
            self._had_rules,
            lambda layers: self._build(layers, fresh),
            default_rule,
        )

    def _install_ruleset(self, ruleset, paths, signature) -> None:
        rules = policy.Rules(
            {name: rule.check for name, rule in ruleset.rules.items()},
            self.default_rule,
        )
        file_rules = {}
        broken = {id(p.entry) for p in ruleset.syntax_errors}
        for name, entry in ruleset.overrides.items():
            text = str(ruleset.rules[name].check)
            if isinstance(entry.value, str) and id(entry) not in broken:
                text = entry.value
            file_rules[name] = policy.RuleDefault(name, text)
        self._ruleset = ruleset
        self._service_rules = False
        main = [path for path, kind in paths if kind == files.FILE]
        self.policy_path = main[0] if main else None
        self._informed_no_policy_file = not main
        # "not <typo>" reads as deny here; under another "not" (a
        # "not rule:x" reference) oslo.policy's own reading applies.
        self._install(rules, file_rules, signature, ruleset.exact_checks())

    def _install(self, rules, file_rules, signature, exact=None) -> None:
        table = compiler.Table(rules, self.default_rule, exact)
        scoped = {
            name: (default, frozenset(default.scope_types))
            for name, default in self.registered_rules.items()
            if default.scope_types
        }
        scope_option = 'enforce_scope' in self.conf.oslo_policy
        state = _State(
            table,
            scoped,
            signature,
            bool(rules),
            scope_option,
            _upstream.Refusals(),
        )
        self.rules = (
            rules
            if isinstance(rules, policy.Rules)
            else policy.Rules(rules, self.default_rule)
        )
        if signature is not None:
            self.file_rules = file_rules
        self._state = state
        self._stale = False
        if self._need_check_rule:
            self.check_rules()
            self._need_check_rule = False

    # -- invalidation by the usual Enforcer API ---------------------------

    def set_rules(self, rules, overwrite=True, use_conf=False) -> None:
        super().set_rules(rules, overwrite=overwrite, use_conf=use_conf)
        self._service_rules = use_conf
        self._stale = True

    def register_default(self, default: policy.RuleDefault) -> None:
        super().register_default(default)
        self._stale = True

    def clear(self) -> None:
        # Like oslo.policy: no rules and use_conf off until load_rules(
        # force_reload=True); never a file read on the request path.
        super().clear()
        self._state = None
        self._accumulated = None
        self._modes = {}
        self._stale = True

    # -- background reload ------------------------------------------------

    def _start_thread(self) -> None:
        interval = self.reload_interval
        if interval <= 0 or self._thread is not None or not self.use_conf:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._poll,
            args=(interval,),
            daemon=True,
            name='oslo-extras-policy-reload',
        )
        self._thread.start()

    def _poll(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self._refresh(force=False)
            except Exception:
                LOG.exception('Policy reload failed; keeping the rules')

    def _after_fork(self) -> None:
        self._lock = threading.RLock()
        if self._thread is not None:
            self._thread = None
            self._stop = threading.Event()
            self._start_thread()

    def stop(self) -> None:
        """Stop the background reload thread (if it runs)."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()

    def _on_mutate(self, conf: cfg.ConfigOpts, fresh: dict) -> None:
        # A config mutation (SIGHUP) is the operator's own action: it
        # confirms a reload that widens access.
        if self._state is not None:
            self.reload(force=True, allow_widening=True)

    # -- the request path -------------------------------------------------

    enforce = request_path.decider(registered_only=False)
    # oslo.policy's authorize() goes through enforce(): this one does too
    # whenever enforce() is replaced (a subclass, mock.patch).
    authorize = request_path.decider(True, direct_enforce=enforce)

    def _enforce_upstream(self, *args: Any, **kwargs: Any) -> Any:
        return super().enforce(*args, **kwargs)


def _noop() -> None:
    pass
