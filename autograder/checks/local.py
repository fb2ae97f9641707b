"""Judge a property in this process: what the test suite uses to grade many variants quickly.

It does what the check process and the judge do together (the same cases, scenarios, guards of
forbidden calls and comparisons, with messages serialised the same way), minus the process boundary.
"""

from __future__ import annotations

from typing import Any

import torch

from autograder import wire
from autograder.observation import observe

from . import properties_of
from .base import Observation, Property, Verdict


def _through_the_wire(message: Any) -> Any:
    """A copy of ``message`` as the other side would receive it."""
    return wire.from_bytes(wire.encode(message))


def evaluate(prop: Property, implementation: Any) -> Verdict:
    """The verdict a hidden test cell for ``prop`` would get for ``implementation``."""
    cases = prop.make_cases()
    observations = []
    for case in cases:
        seen = observe(implementation, _through_the_wire(case.to_wire()), prop.forbidden_calls)
        observations.append(Observation.from_wire(_through_the_wire(seen)))
    return prop.judge(cases, observations)


def evaluate_code(assignment: str, code: str, only: str | None = None) -> dict[str, Verdict]:
    """Run a solution cell's ``code`` (with ``torch`` imported) and judge the properties of ``assignment``
    (every one, or only the one named ``only``).

    A property whose functions the code does not define fails with a message saying so.
    """
    namespace: dict[str, Any] = {"torch": torch}
    exec(compile(code, f"<{assignment} submission>", "exec"), namespace)  # noqa: S102 - test corpus code
    verdicts = {}
    for prop in properties_of(assignment):
        if only is not None and prop.name != only:
            continue
        try:
            implementation = prop.implementation(namespace)
        except KeyError as missing:
            verdicts[prop.name] = Verdict(False, 0.0, f"{missing.args[0]} is not defined")
            continue
        verdicts[prop.name] = evaluate(prop, implementation)
    return verdicts
