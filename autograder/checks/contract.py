"""A graded function's contract, defined once and shared by every assignment that grades the function.

A :class:`Contract` lists the *clauses* a function promises (agrees with the reference on ordinary
inputs, stays finite on extreme ones, keeps dtype and inputs, lets gradients through, ...), each
with the cases that exercise it and the judge of one case. The assignment that teaches the function
grades each clause as a property of its own (:meth:`Contract.properties`); an assignment that only
reuses the function (``training`` reuses ``softmax`` and ``cross_entropy``) grades all of them in one
property (:meth:`Contract.property`), with the cases adapted to its signature. Either way the cases
and judges are the same objects, so the two assignments cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from .base import Case, CaseJudge, Observation, Property, Reason, concern_of, hint_for

# Turns a case of the contract into one for another signature; None drops the case.
Adapter = Callable[[Case], "Case | None"]


@dataclass(frozen=True)
class Clause:
    """One promise of a function: ``aspect`` names it (``"extreme_logits"``), ``summary`` says it in a
    student's words, ``make_cases`` exercises it and ``judge_case`` judges one case."""

    aspect: str
    summary: str
    make_cases: Callable[[], list[Case]]
    judge_case: CaseJudge
    hint: str
    forbidden_calls: tuple[str, ...] = ()


@dataclass
class ClauseCase(Case):
    """A case that remembers the clause it exercises (so one property can judge several clauses)."""

    clause: Clause | None = None


def _keep(case: Case) -> Case:
    return case


@dataclass(frozen=True)
class Contract:
    """Everything ``function`` promises, clause by clause."""

    function: str
    clauses: tuple[Clause, ...]

    def clause(self, aspect: str) -> Clause:
        return next(c for c in self.clauses if c.aspect == aspect)

    def properties(self, prefix: str) -> list[Property]:
        """One property per clause, named ``<prefix><aspect>`` (``"softmax/extreme_logits"``)."""
        return [Property(prefix + c.aspect, self.function, c.summary, c.make_cases, c.judge_case, c.hint,
                         c.forbidden_calls) for c in self.clauses]

    def property(self, name: str, summary: str, aspects: tuple[str, ...], adapt: Adapter = _keep) -> Property:
        """One property that holds ``function`` to the clauses ``aspects``, on their cases passed
        through ``adapt``; a failure names the clause it breaks and gives that clause's hint."""
        clauses = [self.clause(aspect) for aspect in aspects]

        def make_cases() -> list[Case]:
            cases = []
            for clause in clauses:
                adapted = (adapt(case) for case in clause.make_cases())
                cases += [ClauseCase(**vars(case), clause=clause) for case in adapted if case is not None]
            return cases

        def judge_case(case: Case, seen: Observation) -> str | None:
            clause = case.clause if isinstance(case, ClauseCase) else None
            if clause is None:
                return "the check lost track of which clause a case belongs to"
            reason = clause.judge_case(case, seen)
            if reason is None:
                return None
            hint = hint_for(reason, clause.hint, concern_of(clause.aspect))
            return Reason(f"{reason} (it should: {clause.summary})", hint)

        return Property(name, self.function, summary, make_cases, judge_case,
                        hint="the failing clause's hint above says where to look")


def rows_only(case: Case) -> Case | None:
    """An adapter for ``f(X)`` on an ``(n, q)`` tensor, normalising each row: keeps the cases on a 2-D
    first argument along its last dimension, without the ``dim`` keyword."""
    first = case.args[0] if case.args else None
    if getattr(first, "ndim", None) != 2 or case.kwargs.get("dim", -1) not in (-1, 1):
        return None
    dim = case.kwargs.get("dim")
    label = case.label.replace(f", dim={dim}", "") if dim is not None else case.label
    return replace(case, label=label, kwargs={k: v for k, v in case.kwargs.items() if k != "dim"})


__all__ = ["Clause", "ClauseCase", "Contract", "rows_only"]
