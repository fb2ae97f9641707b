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
from typing import Any, NamedTuple

from .cases import PublicProperty, PublicSet, available, load
from .judge import Problem, judge_case


class PublicCheckFailed(AssertionError):
    """A public check failed; the message says which, on which case, and gives a hint."""


class Result(NamedTuple):
    """One property's public check: passed or not, the line that says so, and the kind of the first
    failure (``"calls"``, ``"values"``, ...; empty when it passed)."""

    prop: PublicProperty
    passed: bool
    line: str
    kind: str = ""


def _hint(problem: Problem, prop: PublicProperty, case: dict[str, Any], kind_hints: dict[str, str]) -> str:
    """The property's (or the case's clause's) own hint when the failure is its concern, else the
    general hint of the failure's kind."""
    own, concern = case.get("hint", prop.hint), case.get("concern", prop.concern)
    return own if problem.kind in concern else kind_hints.get(problem.kind, own)


def _verdict(prop: PublicProperty, function: Any, kind_hints: dict[str, str]) -> Result:
    """The public check of one property over its public cases."""
    if not callable(function):
        return Result(prop, False, f"{prop.function} is not defined: run the cell that defines it first", "error")
    problems = [(case, problem) for case in prop.cases if (problem := judge_case(function, prop, case))]
    if not problems:
        return Result(prop, True, f"{prop.function}: {prop.summary} ({len(prop.cases)} public cases)")
    case, problem = problems[0]
    clause = f" (it should: {case['clause']})" if "clause" in case else ""
    return Result(prop, False, f"{prop.function} failed the check '{prop.summary}' on {len(problems)} of "
                  f"{len(prop.cases)} public cases. First failure, on {case['label']}: {problem.text}{clause}. "
                  f"Hint: {_hint(problem, prop, case, kind_hints)}", problem.kind)


def _selected(public: PublicSet, function: str | None) -> list[PublicProperty]:
    if function is None:
        return list(public.properties)
    chosen = [p for p in public.properties if p.function == function]
    if not chosen:
        raise KeyError(f"the {public.assignment} assignment has no public checks of {function!r}; "
                       f"it has checks of: {', '.join(public.functions())}")
    return chosen


def run_checks(assignment: str, namespace: dict[str, Any], function: str | None = None) -> list[Result]:
    """Each public check of ``assignment`` (only those of ``function`` if given) on the functions in
    ``namespace``.

    Raises:
        KeyError: no such assignment or function.
    """
    return _run(load(assignment), namespace, function)


def _run(public: PublicSet, namespace: dict[str, Any], function: str | None) -> list[Result]:
    return [_verdict(prop, namespace.get(prop.function), public.kind_hints) for prop in _selected(public, function)]


def check(assignment: str, function: str | None = None, namespace: dict[str, Any] | None = None) -> None:
    """Run the public checks of ``assignment`` (only those of ``function`` if given) on the functions
    defined in ``namespace`` (default: the caller's globals, that is, the notebook's); print one line each.

    A library call that the exercise forbids is reported, not raised: this check sees the calls of
    this thread only, the hidden tests see every route, and a test cell's points must not depend on
    what one route hides.

    Raises:
        PublicCheckFailed: a check failed otherwise; the message is the first such failure, with a hint.
        KeyError: no such assignment or function.
    """
    namespace = namespace if namespace is not None else sys._getframe(1).f_globals
    public = load(assignment)
    results = _run(public, namespace, function)
    for result in results:
        print(("  ok    " if result.passed else "  FAIL  ") + result.line)
    later = [p for p in public.graded_only if function in (None, p["function"])]
    if later:
        print("  (graded only, see the visible tests: " + "; ".join(
            f"{p['function']}: {p['summary']}" for p in later) + ")")
    failures = [result for result in results if not result.passed]
    blocking = [result for result in failures if result.kind != "calls"]
    if blocking:
        raise PublicCheckFailed(f"{len(failures)} public check(s) failed. {blocking[0].line}")
    if failures:
        print("Some checks found library calls this exercise forbids: the hidden tests will take those points.")
    else:
        print("All public checks pass.")


__all__ = ["PublicCheckFailed", "Result", "available", "check", "run_checks"]
