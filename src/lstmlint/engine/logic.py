"""Three-valued logic: True, False or None (not known), and the one implementation of all / any / not.

A rule fires only when its whole match is True, so an unknown anywhere that could change the answer keeps the
rule silent. ``any`` and ``not`` also decide which bindings (``{next}``, ``{timesteps}``…) reach the message: the
first branch of an ``any`` that holds lends its bindings, failed branches and negated clauses lend none.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Callable, Iterable, Mapping, Optional

Tri = Optional[bool]
Test = Callable[[Any], Tri]  # a compiled clause, run on a subject (anything with a ``bindings`` dict)


def conjunction(outcomes: Iterable[Tri]) -> Tri:
    """Three-valued AND over outcomes computed in order: the first False decides (later ones are not computed);
    otherwise any unknown makes the whole unknown."""
    result: Tri = True
    for outcome in outcomes:
        if outcome is False:
            return False
        if outcome is None:
            result = None
    return result


def all_of(tests: list[Test]) -> Test:
    def all_(subject: Any) -> Tri:  # conjunction() written out: no generator per call (rules run per subject)
        result: Tri = True
        for test in tests:
            outcome = test(subject)
            if outcome is False:
                return False
            if outcome is None:
                result = None
        return result

    return all_


def any_of(branches: list[Test]) -> Test:
    def any_(subject: Any) -> Tri:
        result: Tri = False
        before = subject.bindings
        for branch in branches:
            subject.bindings = dict(before)
            outcome = branch(subject)
            if outcome is True:
                return True
            if outcome is None:
                result = None
        subject.bindings = before
        return result

    return any_


def not_of(inner: Test) -> Test:
    def not_(subject: Any) -> Tri:
        before = subject.bindings
        subject.bindings = {}
        try:
            outcome = inner(subject)
        finally:
            subject.bindings = before
        return None if outcome is None else not outcome

    return not_


def compile_clause(clause: dict[str, Any], predicates: Mapping[str, Callable[[Any, Any], Tri]]) -> Test:
    """A clause as nested closures: ``all`` / ``any`` / ``not`` by the functions above, every other key by its
    named predicate (called with its spec and the subject). Several keys in one clause are an implicit all."""
    tests: list[Test] = []
    for key, spec in clause.items():
        if key == "all":
            tests.append(all_of([compile_clause(c, predicates) for c in spec]))
        elif key == "any":
            tests.append(any_of([compile_clause(c, predicates) for c in spec]))
        elif key == "not":
            tests.append(not_of(compile_clause(spec, predicates)))
        else:
            predicate = predicates[key]
            tests.append(partial(predicate, spec))  # called with the subject: predicate(spec, subject)
    return tests[0] if len(tests) == 1 else all_of(tests)
