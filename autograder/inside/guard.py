"""Forbidden library calls fail while a property's cases run, whatever route student code takes.

A property that asks for code written from scratch names the library functions it forbids
(``softmax``, ``nll_loss``, ``grad``, ...). While its cases run, :class:`Guard`:

* replaces the kernels of every ATen operator of that name (``aten::_softmax``,
  ``aten::softmax.int``, ``aten::special_softmax``, ``aten::_sparse_softmax``, ...) at the
  dispatcher, for every thread: a call raises :class:`ForbiddenCall`, whether it came from
  ``torch.softmax``, an alias captured at import time, ``Tensor.softmax``, ``torch.ops.aten``, a
  ``torch._C`` entry point, inside ``torch._C.DisableTorchFunction()`` or from another thread;
* swaps the code of the pure-Python library functions of that name (the decompositions in
  ``torch._refs`` and ``torch._decomp``, ``torch.autograd.grad``, ``Tensor.backward``,
  ``torch.func.*``, ...), so every reference to them, however obtained, raises too;
* when a derivative is forbidden, runs the profiler on every thread and reports any work of the
  autograd engine or forward-mode dual tensors (a profiler that student code stops or restarts
  is reported as tampering).

Calls that were stopped are recorded, so a property fails even when student code catches the
error and carries on. Outside the cases nothing is changed: the library works as usual.
"""

from __future__ import annotations

import secrets
import sys
import types
import warnings
from functools import lru_cache
from importlib import import_module
from typing import Any, Callable

import torch

from studentkit.public.calls import AUTOGRAD, base_name, is_forbidden, name_matches

PYTHON_MODULES = ("torch", "torch.nn.functional", "torch.special", "torch._refs", "torch._refs.nn.functional",
                  "torch._refs.special", "torch._decomp.decompositions", "torch.autograd",
                  "torch.autograd.functional", "torch.autograd.forward_ad", "torch.func",
                  "torch._functorch.eager_transforms", "torch._functorch.apis", "torch.optim", "torch.optim.sgd",
                  "torch.optim._functional")
"""Where pure-Python library functions live (their code is swapped, so aliases are caught too)."""

AUDIT_EVENT = "autograder.forbidden"
TAMPERED = "tampered:"
"""Prefix of a recorded call that says the observation itself was interfered with."""


class ForbiddenCall(RuntimeError):
    """A library function the exercise asks students to write themselves was called."""


@lru_cache(maxsize=None)
def aten_operators(forbidden: frozenset[str]) -> tuple[str, ...]:
    """ATen operators (``"_softmax"``, ``"softmax.int"``) whose kernels the guard replaces."""
    names = torch._C._dispatch_get_all_op_names()
    return tuple(sorted(name.split("::", 1)[1] for name in names
                        if name.startswith("aten::") and not name.endswith("_backward")
                        and "backward_data" not in name and name_matches(base_name(name), forbidden)))


@lru_cache(maxsize=None)
def python_functions(forbidden: frozenset[str]) -> tuple[tuple[str, types.FunctionType], ...]:
    """Pure-Python torch functions named like a forbidden call, with where they were found."""
    found: dict[int, tuple[str, types.FunctionType]] = {}
    places: list[tuple[str, dict[str, Any]]] = [("torch.Tensor", dict(vars(torch.Tensor)))]
    for module_name in PYTHON_MODULES:
        try:
            places.append((module_name, vars(import_module(module_name))))
        except ImportError:
            continue
    for place, namespace in places:
        for attribute, value in namespace.items():
            if (isinstance(value, types.FunctionType) and str(value.__module__).startswith("torch")
                    and name_matches(base_name(attribute), forbidden)):
                found.setdefault(id(value), (f"{place}.{attribute}", value))
    return tuple(found.values())


def _blocked_code(qualified: str, free_variables: int) -> types.CodeType:
    """Code that records the call through an audit event and raises, for a function with
    ``free_variables`` closure cells (the count must match to swap ``__code__``)."""
    names = [f"_cell{i}" for i in range(free_variables)]
    message = f"{qualified} is not allowed in this exercise: write it yourself"
    source = ["def _outer():", *[f"    {name} = None" for name in names],
              "    def _blocked(*args, **kwargs):",
              f"        if False: print({', '.join(names)})" if names else "        pass",
              f"        __import__('sys').audit({AUDIT_EVENT!r}, {qualified!r})",
              f"        raise RuntimeError({message!r})",
              "    return _blocked"]
    namespace: dict[str, Any] = {}
    exec("\n".join(source), namespace)  # noqa: S102 - our own constant source
    return namespace["_outer"]().__code__


class Guard:
    """For the ``with`` block: the forbidden calls fail and are recorded in :attr:`calls`."""

    def __init__(self, forbidden: list[str] | tuple[str, ...]) -> None:
        self.forbidden = frozenset(forbidden)
        self.calls: list[str] = []
        self._library: Any = None
        self._swapped: list[tuple[types.FunctionType, types.CodeType]] = []
        self._profiler: Any = None
        self._marker = ""

    def _kernel(self, operator: str) -> Callable[..., Any]:
        calls = self.calls

        def blocked(*args: Any, **kwargs: Any) -> Any:
            calls.append(f"aten::{operator}")
            raise ForbiddenCall(f"aten::{operator} (a library function) is not allowed in this exercise: "
                                "write it yourself")

        return blocked

    # -- the block -----------------------------------------------------------------------------
    def __enter__(self) -> "Guard":
        self.calls.clear()
        if not self.forbidden:
            return self
        _install_audit_hook()
        _active.append(self)
        operators = (self.forbidden - AUTOGRAD) | (self.forbidden & {"make_dual"})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._library = torch.library.Library("aten", "IMPL")
            for operator in aten_operators(frozenset(operators)):
                full = f"aten::{operator}"
                composite = torch._C._dispatch_has_kernel_for_dispatch_key(full, "CompositeImplicitAutograd")
                for key in (("CompositeImplicitAutograd",) if composite else ("CPU", "Autograd")):
                    self._library.impl(operator, self._kernel(operator), key)
        for _, function in python_functions(self.forbidden):
            self._swapped.append((function, function.__code__))
        for (qualified, function), (_, original) in zip(python_functions(self.forbidden), self._swapped):
            function.__code__ = _blocked_code(qualified, len(original.co_freevars))
        if self.forbidden & AUTOGRAD:
            self._start_profiler()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._profiler is not None:
            self._stop_profiler()
        for function, original in self._swapped:
            function.__code__ = original
        self._swapped.clear()
        if self._library is not None:
            self._library._destroy()
            self._library = None
        if self in _active:
            _active.remove(self)

    # -- derivatives ---------------------------------------------------------------------------
    def _start_profiler(self) -> None:
        from torch._C._profiler import _ExperimentalConfig
        from torch.profiler import ProfilerActivity, profile

        self._marker = f"autograder-{secrets.token_hex(8)}"
        self._profiler = profile(activities=[ProfilerActivity.CPU],
                                 experimental_config=_ExperimentalConfig(profile_all_threads=True))
        self._profiler.__enter__()
        with torch.autograd.profiler.record_function(self._marker):
            pass

    def _stop_profiler(self) -> None:
        profiler, self._profiler = self._profiler, None
        try:
            profiler.__exit__(None, None, None)
            names = {event.name for event in profiler.events()}
        except Exception:  # noqa: BLE001 - student code stopped or replaced the profiler
            self.calls.append(f"{TAMPERED} the profiler was stopped by the code under test")
            return
        if self._marker not in names:
            self.calls.append(f"{TAMPERED} the profiler was restarted by the code under test")
        if any(name.startswith("autograd::engine") for name in names):
            self.calls.append("backward (the autograd engine ran)")
        if any(base_name(name) in ("make_dual", "unpack_dual") for name in names if "::" in name):
            self.calls.append("make_dual (forward-mode autograd)")


_active: list[Guard] = []
_hook_installed: list[bool] = []


def _install_audit_hook() -> None:
    """Route the audit events of blocked pure-Python calls to the guard in force (once per
    process; audit hooks cannot be removed)."""
    if _hook_installed:
        return
    active = _active

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == AUDIT_EVENT and active and args:
            active[-1].calls.append(str(args[0]))

    sys.addaudithook(hook)
    _hook_installed.append(True)


__all__ = ["AUTOGRAD", "TAMPERED", "ForbiddenCall", "Guard", "base_name", "is_forbidden"]
