"""Hidden checks: the graded properties of every assignment, judged against ``autograder.reference``.

Hidden test cells name a property (``"softmax/extreme_logits"``); :func:`get_property` finds it.
This package imports the reference solutions, so it only ever runs in the judge process, never
in a student's kernel.
"""

from __future__ import annotations

from importlib import import_module

from .base import Case, Observation, Property, Verdict

def properties_of(assignment: str) -> list[Property]:
    """All graded properties of ``assignment`` (module ``autograder.checks.<assignment>``), in notebook order.

    A module of this package is an assignment only if it defines ``PROPERTIES``; the others
    (``base``, ``compare``, ``local``, case builders such as ``training_cases``) are not.
    """
    if not assignment.isidentifier():
        raise KeyError(f"unknown assignment {assignment!r}")
    try:
        module = import_module(f"{__name__}.{assignment}")
    except ModuleNotFoundError as error:
        raise KeyError(f"unknown assignment {assignment!r}: no module {error.name}") from None
    if not hasattr(module, "PROPERTIES"):
        raise KeyError(f"unknown assignment {assignment!r}")
    return list(module.PROPERTIES)


def get_property(name: str) -> Property:
    """The property called ``"assignment/property"``; KeyError with the known names otherwise."""
    assignment = name.split("/", 1)[0]
    by_name = {prop.name: prop for prop in properties_of(assignment)}
    if name not in by_name:
        raise KeyError(f"unknown check {name!r}; known: {', '.join(by_name)}")
    return by_name[name]


__all__ = ["Case", "Observation", "Property", "Verdict", "get_property", "properties_of"]
