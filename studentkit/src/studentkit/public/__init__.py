"""Public checks: the graded properties of an exercise, on public cases, in one line of a notebook.

``check("softmax")`` runs every public check of the ``softmax`` assignment on the functions the
notebook defined, prints one line per property and raises :class:`PublicCheckFailed` (an
``AssertionError``, so a test cell fails) naming the first property that fails. The cases are of
the same kinds as the hidden ones (shapes, dtypes, ``dim`` values, +-1000 and ``-inf`` logits,
gradients, calls of forbidden library functions, the same scenarios for the training loop's
pieces) with other numbers; the correct results ship as data, the reference solutions do not.
Every graded property has public cases but the Fashion-MNIST retraining (too slow for a notebook
cell), which ``check`` names as graded only.
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


def _verdict(prop: PublicProperty, namespace: dict[str, Any], kind_hints: dict[str, str]) -> Result:
    """The public check of one property over its public cases, with the functions of ``namespace``."""
    missing = [name for name in prop.names() if not callable(namespace.get(name))]
    if missing:
        return Result(prop, False, f"{missing[0]} is not defined: run the cell that defines it first", "error")
    implementation = {name: namespace[name] for name in prop.uses} if prop.uses else namespace[prop.function]
    problems = [(case, problem) for case in prop.cases if (problem := judge_case(implementation, prop, case))]
    if not problems:
        return Result(prop, True, f"{prop.function}: {prop.summary} ({len(prop.cases)} public cases)")
    case, problem = problems[0]
    clause = f" (it should: {case['clause']})" if "clause" in case else ""
    return Result(prop, False, f"{prop.function} failed the check '{prop.summary}' on {len(problems)} of "
                  f"{len(prop.cases)} public cases. First failure, on {case['label']}: {problem.text}{clause}. "
                  f"Hint: {_hint(problem, prop, case, kind_hints)}", problem.kind)


def _is_of(names: tuple[str, ...], function: str | None) -> bool:
    """Whether a check of the notebook's ``names`` runs with ``function``'s checks: a check of several
    functions runs with the last of them (the notebook defines it last), so a cell can check it."""
    return function is None or names[-1] == function


def _selected(public: PublicSet, function: str | None) -> list[PublicProperty]:
    if function is None:
        return list(public.properties)
    chosen = [p for p in public.properties if _is_of(p.names(), function)]
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
    return [_verdict(prop, namespace, public.kind_hints) for prop in _selected(public, function)]


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
    for later in public.graded_only:
        if _is_of(tuple(later.get("uses") or ()) or (later["function"],), function):
            print(f"  (graded only: {later['function']}: {later['summary']}. No public check: "
                  f"{later.get('why') or 'it has no public cases'})")
    failures = [result for result in results if not result.passed]
    blocking = [result for result in failures if result.kind != "calls"]
    if blocking:
        raise PublicCheckFailed(f"{len(failures)} public check(s) failed. {blocking[0].line}")
    if failures:
        print("Some checks found library calls this exercise forbids: the hidden tests will take those points.")
    else:
        print("All public checks pass.")


__all__ = ["PublicCheckFailed", "Result", "available", "check", "run_checks"]
