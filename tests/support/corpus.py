"""The vocabulary of the grader's proof by examples: wrong and right implementations.

Each ``tests/corpus/<assignment>_variants.py`` defines ``ASSIGNMENT``, ``MUTANTS`` (wrong
implementations, each naming the hidden property meant to catch it) and ``CORRECT`` (right
implementations written differently, each must get full marks).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    """A wrong implementation: ``code`` defines the graded functions; ``caught_by`` must fail."""

    name: str
    code: str
    caught_by: str


@dataclass(frozen=True)
class Correct:
    """A right implementation written differently: every property must pass."""

    name: str
    code: str
