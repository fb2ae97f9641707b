"""Scenarios of the hidden checks: the student package's (:mod:`studentkit.scenarios`), plus the grader's own.

A case names a scenario (``"call"``, ``"training.sgd_step"``, ...). Every scenario that students can
run in public lives in :mod:`studentkit.scenarios`, the one copy the check process, the judge and
``studentkit.check`` share; the modules of this package add those only the grader runs (the
Fashion-MNIST retraining of :mod:`.retraining`). A name resolves here first, then there.

This package must never import the reference solutions: it runs beside student code (in the check process).
"""

from __future__ import annotations

import pkgutil
from importlib import import_module
from types import ModuleType
from typing import Any, Callable

from studentkit import scenarios as shared

_loaded: dict[str, ModuleType] = {}
OWN = tuple(sorted(info.name for info in pkgutil.iter_modules(__path__)))
"""The grader's own scenario modules (``"retraining"``)."""


def resolve(name: str) -> Callable[..., Any]:
    """The scenario called ``name``: one of this package's modules, else of :mod:`studentkit.scenarios`.

    Raises:
        KeyError: no such scenario.
    """
    if name != "call" and shared.module_of(name) in OWN:
        return shared.lookup(name, __name__, _loaded)
    return shared.resolve(name)


def preload() -> None:
    """Import every scenario module, the grader's and the student package's, and resolve scenarios
    from these copies from then on (the check process calls it before student code runs, then
    forgets the modules by name)."""
    shared.preload()
    for module_name in OWN:
        _loaded[module_name] = import_module(f"{__name__}.{module_name}")


def run_scenario(name: str, implementation: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """Run scenario ``name`` with ``implementation`` on the case's arguments."""
    return resolve(name)(implementation, *args, **kwargs)


__all__ = ["OWN", "preload", "resolve", "run_scenario"]
