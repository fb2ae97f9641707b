"""Which library functions a piece of code called: the public checks' view of "written from scratch".

:class:`CallRecorder` watches a block through PyTorch's two public hooks, a ``TorchFunctionMode``
(``torch.softmax``, ``F.softmax``, ``Tensor.softmax``, under any alias) and a
``TorchDispatchMode`` (the ATen operators underneath, so ``torch.ops.aten._softmax`` and a
library loss that computes a ``log_softmax`` inside are seen too). It records; it does not stop
anything. The hidden checks go further (every thread, every route); this is the student's preview.
Where a derivative is forbidden, every way of asking autograd for one is (:func:`with_derivatives`),
here and in the hidden checks.
"""

from __future__ import annotations

from typing import Any

from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode

AUTOGRAD = frozenset({"backward", "grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "jacobian",
                      "hessian", "hvp", "vhp", "linearize", "make_dual"})
"""Names that mean "ask autograd for a derivative"; the rest name library functions."""


def with_derivatives(forbidden: tuple[str, ...]) -> tuple[str, ...]:
    """``forbidden``, and every name of :data:`AUTOGRAD` when it names one: code that may not ask
    autograd for a derivative may not ask forward-mode autograd (``torch.func.jacfwd``, dual
    numbers) either."""
    if not AUTOGRAD & set(forbidden):
        return tuple(forbidden)
    return tuple(forbidden) + tuple(sorted(AUTOGRAD - set(forbidden)))


def base_name(qualified: str) -> str:
    """``"aten::_softmax.int"`` -> ``"softmax"``; ``"torch.special.expit"`` -> ``"expit"``;
    ``"backward (the autograd engine ran)"`` -> ``"backward"``."""
    qualified = qualified.split(" ", 1)[0]
    name = qualified.split("::", 1)[1].split(".", 1)[0] if "::" in qualified else qualified.rsplit(".", 1)[-1]
    return name.removeprefix("special_").lstrip("_")


def name_matches(op_base: str, forbidden: frozenset[str] | tuple[str, ...]) -> bool:
    """A name is forbidden when it is, or ends in, a forbidden name (``sparse_softmax``)."""
    return any(op_base == name or op_base.endswith("_" + name) for name in forbidden)


def is_forbidden(call: str, forbidden: frozenset[str] | tuple[str, ...]) -> bool:
    """Whether a recorded call (``"aten::_sparse_softmax.int"``, ``"torch.autograd.grad"``) is one of ``forbidden``."""
    return name_matches(base_name(call), forbidden)


class _FunctionCalls(TorchFunctionMode):
    def __init__(self, seen: list[str]) -> None:
        super().__init__()
        self.seen = seen

    def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        self.seen.append(f"torch.{getattr(func, '__name__', str(func))}")
        return func(*args, **(kwargs or {}))


class _OperatorCalls(TorchDispatchMode):
    def __init__(self, seen: list[str]) -> None:
        super().__init__()
        self.seen = seen

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        self.seen.append(str(func.name()))
        return func(*args, **(kwargs or {}))


class CallRecorder:
    """``with CallRecorder(("softmax",)) as calls: ...`` then ``calls.forbidden()``: the forbidden
    library calls made in the block, as ``"torch.softmax"`` or ``"aten::_softmax"``, sorted."""

    def __init__(self, forbidden: tuple[str, ...]) -> None:
        self.forbidden_names = with_derivatives(forbidden)
        self.seen: list[str] = []
        self._modes = (_FunctionCalls(self.seen), _OperatorCalls(self.seen)) if forbidden else ()

    def __enter__(self) -> "CallRecorder":
        for mode in self._modes:
            mode.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        for mode in reversed(self._modes):
            mode.__exit__(*exc)

    def forbidden(self) -> list[str]:
        return sorted({call for call in self.seen if is_forbidden(call, self.forbidden_names)})


__all__ = ["AUTOGRAD", "CallRecorder", "base_name", "is_forbidden", "name_matches", "with_derivatives"]
