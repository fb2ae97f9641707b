"""Public checks: the graded properties of an exercise, on public cases, in one line of a notebook.

``check("softmax")`` runs every public check of the ``softmax`` assignment on the functions the
notebook defined, prints one line per property and raises :class:`PublicCheckFailed` (an
``AssertionError``, so a test cell fails) naming the first property that fails. The cases are of
the same kinds as the hidden ones (shapes, dtypes, ``dim`` values, +-1000 and ``-inf`` logits,
gradients, calls of forbidden library functions) with other numbers; the correct results ship as
data, the reference solutions do not.
"""

from __future__ import annotations

import sys
from typing import Any

from .cases import PublicProperty, PublicSet, available, load
from .judge import Problem, judge_case


class PublicCheckFailed(AssertionError):
    """A public check failed; the message says which, on which case, and gives a hint."""


def _hint(problem: Problem, prop: PublicProperty, case: dict[str, Any], kind_hints: dict[str, str]) -> str:
    """The property's (or the case's clause's) own hint when the failure is its concern, else the
    general hint of the failure's kind."""
    own, concern = case.get("hint", prop.hint), case.get("concern", prop.concern)
    return own if problem.kind in concern else kind_hints.get(problem.kind, own)


def _verdict(prop: PublicProperty, function: Any, kind_hints: dict[str, str]) -> tuple[bool, str]:
    """(passed, one line) for one property over its public cases."""
    if not callable(function):
        return False, f"{prop.function} is not defined: run the cell that defines it first"
    problems = [(case, problem) for case in prop.cases if (problem := judge_case(function, prop, case))]
    if not problems:
        return True, f"{prop.function}: {prop.summary} ({len(prop.cases)} public cases)"
    case, problem = problems[0]
    clause = f" (it should: {case['clause']})" if "clause" in case else ""
    return False, (f"{prop.function} failed the check '{prop.summary}' on {len(problems)} of {len(prop.cases)} "
                   f"public cases. First failure, on {case['label']}: {problem.text}{clause}. "
                   f"Hint: {_hint(problem, prop, case, kind_hints)}")


def _selected(public: PublicSet, function: str | None) -> list[PublicProperty]:
    if function is None:
        return list(public.properties)
    chosen = [p for p in public.properties if p.function == function]
    if not chosen:
        raise KeyError(f"the {public.assignment} assignment has no public checks of {function!r}; "
                       f"it has checks of: {', '.join(public.functions())}")
    return chosen


def run_checks(assignment: str, namespace: dict[str, Any], function: str | None = None
               ) -> list[tuple[PublicProperty, bool, str]]:
    """Each public check of ``assignment`` (only those of ``function`` if given) on the functions in
    ``namespace``: (property, passed, one line).

    Raises:
        KeyError: no such assignment or function.
    """
    public = load(assignment)
    return [(prop, *_verdict(prop, namespace.get(prop.function), public.kind_hints))
            for prop in _selected(public, function)]


def check(assignment: str, function: str | None = None, namespace: dict[str, Any] | None = None) -> None:
    """Run the public checks of ``assignment`` (only those of ``function`` if given) on the functions
    defined in ``namespace`` (default: the caller's globals, that is, the notebook's); print one line each.

    Raises:
        PublicCheckFailed: a check failed; the message is the first failure, with a hint.
        KeyError: no such assignment or function.
    """
    namespace = namespace if namespace is not None else sys._getframe(1).f_globals
    results = run_checks(assignment, namespace, function)
    for _, passed, line in results:
        print(("  ok    " if passed else "  FAIL  ") + line)
    later = [p for p in load(assignment).graded_only if function in (None, p["function"])]
    if later:
        print("  (graded only, see the visible tests: " + "; ".join(
            f"{p['function']}: {p['summary']}" for p in later) + ")")
    failures = [line for _, passed, line in results if not passed]
    if failures:
        raise PublicCheckFailed(f"{len(failures)} public check(s) failed. {failures[0]}")
    print("All public checks pass.")


__all__ = ["PublicCheckFailed", "available", "check", "run_checks"]
