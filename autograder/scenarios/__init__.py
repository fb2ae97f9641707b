"""Scenarios: how a graded implementation is exercised, the same way for the student and the reference.

A case names a scenario (``"call"`` by default, or ``"module.function"`` for one defined in a
module of this package). The kernel runs it with the student's implementation, the judge runs it
with the reference's, and the two results are compared. A scenario takes the implementation (a
callable, or a dict of callables when a check needs several of the student's functions) and the
case's arguments, and returns a tensor, a number, or a dict/list of them.

This package must never import the reference solutions: it runs beside student code (in the check process).
"""

from __future__ import annotations

import pkgutil
from importlib import import_module
from types import ModuleType
from typing import Any, Callable

_loaded: dict[str, ModuleType] = {}


def call(implementation: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The plain scenario: call the function once."""
    return implementation(*args, **kwargs)


def resolve(name: str) -> Callable[..., Any]:
    """The scenario called ``name``: ``"call"`` or ``"<module of this package>.<function>"``."""
    if name == "call":
        return call
    module_name, _, function_name = name.rpartition(".")
    if not module_name or not module_name.isidentifier() or not function_name.isidentifier():
        raise KeyError(f"unknown scenario {name!r}")
    module = _loaded.get(module_name) or import_module(f"{__name__}.{module_name}")
    if not hasattr(module, function_name):
        raise KeyError(f"unknown scenario {name!r}")
    return getattr(module, function_name)


def preload() -> None:
    """Import every scenario module now and resolve scenarios from these copies from then on
    (the check process calls it before student code runs, then forgets the modules by name)."""
    for info in pkgutil.iter_modules(__path__):
        _loaded[info.name] = import_module(f"{__name__}.{info.name}")


def run_scenario(name: str, implementation: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """Run scenario ``name`` with ``implementation`` on the case's arguments."""
    return resolve(name)(implementation, *args, **kwargs)
