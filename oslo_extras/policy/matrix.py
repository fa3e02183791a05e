"""Persona matrices: the operator's expected decisions, tested.

A matrix is a YAML file::

    personas:
      project-reader: {roles: [reader], project_id: p1, user_id: u1}
      project-member: {roles: [member], project_id: p1, user_id: u1}
      cloud-admin: {roles: [admin], system_scope: all}
    target: {project_id: p1, user_id: u1}   # default target of every rule
    rules:
      "demo:widgets:list":
        allow: [project-reader, project-member]
        deny: [cloud-admin]
      "demo:widgets:delete":
        deny: [project-member]
        target: {project_id: p2}             # this rule's own target

:func:`run` evaluates every listed (rule, persona) with the service's
defaults plus the operator's overrides and returns the mismatches.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import yaml

from oslo_extras.policy import explain
from oslo_extras.policy import model

ALLOW = explain.ALLOW
DENY = explain.DENY


class MatrixError(Exception):
    """The matrix file cannot be used; the message names file and key."""


@dataclasses.dataclass(frozen=True)
class Result:
    """One expectation: a rule, a persona, what was expected and got."""

    rule: str
    persona: str
    expected: str
    got: str
    trace: str

    @property
    def ok(self) -> bool:
        return self.expected == self.got

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {'ok': self.ok}

    def as_text(self) -> str:
        verdict = 'ok' if self.ok else 'MISMATCH'
        return (
            f'{verdict}: {self.rule}: {self.persona}: expected '
            f'{self.expected}, got {self.got}'
        )


@dataclasses.dataclass
class Matrix:
    personas: dict[str, dict[str, Any]]
    target: dict[str, Any]
    rules: dict[str, dict[str, Any]]


def load(path: str) -> Matrix:
    """Read and check a matrix file.

    :raises MatrixError: unreadable, not YAML, or a wrong shape
    """
    try:
        with open(path, encoding='utf-8') as stream:
            data = yaml.safe_load(stream)
    except (OSError, yaml.YAMLError) as exc:
        raise MatrixError(f'{path}: cannot read the matrix: {exc}')
    if not isinstance(data, dict):
        raise MatrixError(f'{path}: expected a mapping with personas, rules')
    personas = data.get('personas')
    rules = data.get('rules')
    target = data.get('target') or {}
    if not isinstance(personas, dict) or not personas:
        raise MatrixError(f'{path}: personas: expected a mapping of names')
    if not isinstance(rules, dict) or not rules:
        raise MatrixError(f'{path}: rules: expected a mapping of rule names')
    if not isinstance(target, dict):
        raise MatrixError(f'{path}: target: expected a mapping')
    for name, creds in personas.items():
        if not isinstance(creds, dict):
            raise MatrixError(f'{path}: personas: {name}: expected a mapping')
    for rule, spec in rules.items():
        if not isinstance(spec, dict):
            raise MatrixError(f'{path}: rules: {rule}: expected allow/deny')
        unknown = set(spec) - {'allow', 'deny', 'target'}
        if unknown:
            raise MatrixError(
                f'{path}: rules: {rule}: unknown key(s) '
                + ', '.join(sorted(map(str, unknown)))
                + ' (allow, deny, target)'
            )
        for key in ('allow', 'deny'):
            for persona in spec.get(key) or ():
                if persona not in personas:
                    raise MatrixError(
                        f'{path}: rules: {rule}: {key}: no persona {persona!r}'
                    )
    return Matrix(personas, target, rules)


def run(
    matrix: Matrix,
    ruleset: model.RuleSet,
    default_rule: Any = 'default',
    on_rule: Callable[[int, str], None] | None = None,
) -> list[Result]:
    """Evaluate every expectation of ``matrix`` against ``ruleset``.

    :param on_rule: called with how many rules are done and the next
        rule's name before each rule (a CLI shows progress with it)
    """
    results = []
    for done, (rule, spec) in enumerate(matrix.rules.items()):
        if on_rule is not None:
            on_rule(done, rule)
        target = dict(matrix.target)
        target.update(spec.get('target') or {})
        for expected in (ALLOW, DENY):
            for persona in spec.get(expected) or ():
                explanation = explain.trace(
                    ruleset,
                    rule,
                    target,
                    dict(matrix.personas[persona]),
                    default_rule,
                )
                results.append(
                    Result(
                        rule,
                        persona,
                        expected,
                        explanation.decision,
                        explanation.as_text(),
                    )
                )
    return results
