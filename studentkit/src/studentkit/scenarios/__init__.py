"""Scenarios: how a graded implementation is exercised, the same way for the student and the reference.

A case names a scenario (``"call"`` by default, or ``"module.function"`` for one defined in a
module of this package). The hidden checks run it with the student's implementation in the check
process and with the reference's in the judge, and compare the two results; the public checks
(:func:`studentkit.check`) run it with the student's implementation in the notebook and compare
with the reference's result shipped as data. A scenario takes the implementation (a callable, or a
dict of callables when a check needs several of the student's functions) and the case's
arguments, and returns a tensor, a number, or a dict/list of them.

This is the one copy of the scenarios: ``autograder.scenarios`` resolves the same names here (and
adds the Fashion-MNIST retraining, which only the grader runs). The package never imports the
reference solutions or the checks: it runs beside student code, and ships to students.
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


def module_of(name: str) -> str:
    """The module part of scenario ``name`` (``"training"`` for ``"training.sgd_step"``), checked.

    Raises:
        KeyError: not of the form ``"<module>.<public function>"``.
    """
    module_name, _, function_name = name.rpartition(".")
    if not module_name.isidentifier() or not function_name.isidentifier() or function_name.startswith("_"):
        raise KeyError(f"unknown scenario {name!r}")
    return module_name


def modules() -> list[str]:
    """The scenario modules of this package (``"layouts"``, ``"training"``, ...)."""
    return sorted(info.name for info in pkgutil.iter_modules(__path__))


def lookup(name: str, package: str, loaded: dict[str, ModuleType]) -> Callable[..., Any]:
    """Function ``name`` (``"<module>.<function>"``) of a module of ``package``, from ``loaded`` when there.

    Raises:
        KeyError: no such public function.
    """
    module = loaded.get(module_of(name)) or import_module(f"{package}.{module_of(name)}")
    function = getattr(module, name.rpartition(".")[2], None)
    if not callable(function):
        raise KeyError(f"unknown scenario {name!r}")
    return function


def resolve(name: str) -> Callable[..., Any]:
    """The scenario called ``name``: ``"call"`` or ``"<module of this package>.<function>"``.

    Raises:
        KeyError: no such scenario.
    """
    if name == "call":
        return call
    if module_of(name) not in _loaded and module_of(name) not in modules():
        raise KeyError(f"unknown scenario {name!r}")
    return lookup(name, __name__, _loaded)


def preload() -> None:
    """Import every scenario module now and resolve scenarios from these copies from then on
    (the check process calls it before student code runs, then forgets the modules by name)."""
    for module_name in modules():
        _loaded[module_name] = import_module(f"{__name__}.{module_name}")


def run_scenario(name: str, implementation: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """Run scenario ``name`` with ``implementation`` on the case's arguments."""
    return resolve(name)(implementation, *args, **kwargs)


__all__ = ["call", "lookup", "module_of", "modules", "preload", "resolve", "run_scenario"]
