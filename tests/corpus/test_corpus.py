"""Every mutant loses points in the property meant to catch it; every correct variant gets full marks.

Verdicts come from :func:`autograder.checks.local.evaluate_code`: the hidden tests' own cases,
scenarios and comparisons, in this process (the nbgrader tests cover the kernel/judge path).
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import corpus
from autograder.checks import properties_of
from autograder.checks.local import evaluate_code
from support.corpus import Correct, Mutant

MODULES = [importlib.import_module(f"corpus.{m.name}") for m in pkgutil.iter_modules(corpus.__path__)
           if m.name.endswith("_variants")]
MUTANTS = [(m.ASSIGNMENT, mutant) for m in MODULES for mutant in m.MUTANTS]
CORRECT = [(m.ASSIGNMENT, variant) for m in MODULES for variant in m.CORRECT]


@pytest.mark.parametrize(("assignment", "mutant"), MUTANTS, ids=[f"{a}:{m.name}" for a, m in MUTANTS])
def test_mutant_loses_points_where_expected(assignment: str, mutant: Mutant) -> None:
    verdicts = evaluate_code(assignment, mutant.code, only=mutant.caught_by)
    assert mutant.caught_by in verdicts, f"no property {mutant.caught_by!r} in {assignment}"
    verdict = verdicts[mutant.caught_by]
    assert not verdict.passed, f"{mutant.name} was not caught by {mutant.caught_by}"
    assert verdict.message.startswith(verdict.message.split(" ")[0]) and "Hint:" in verdict.message


@pytest.mark.parametrize(("assignment", "variant"), CORRECT, ids=[f"{a}:{c.name}" for a, c in CORRECT])
def test_correct_variant_gets_full_marks(assignment: str, variant: Correct) -> None:
    failed = {name: v.message for name, v in evaluate_code(assignment, variant.code).items() if not v.passed}
    assert not failed, failed


def test_every_property_catches_some_mutant() -> None:
    caught = {mutant.caught_by for _, mutant in MUTANTS}
    for module in MODULES:
        for prop in properties_of(module.ASSIGNMENT):
            assert prop.name in caught, f"no mutant shows that {prop.name} catches anything"


def test_corpus_is_large_enough() -> None:
    """The grader is proven by at least 30 mutants and 15 correct variants across the assignments,
    and every assignment has a corpus."""
    from autograder.release import assignments

    assert len(MUTANTS) >= 30 and len(CORRECT) >= 15, (len(MUTANTS), len(CORRECT))
    assert {module.ASSIGNMENT for module in MODULES} == set(assignments())
