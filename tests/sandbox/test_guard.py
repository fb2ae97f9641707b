"""The guard of forbidden calls: every route to a library softmax or to autograd is stopped and recorded.

Each test calls a forbidden function the way a student trying to hide it would, inside a
:class:`~autograder.inside.guard.Guard`, and asserts that the call fails and is recorded; outside
the guard the library works again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import torch

from autograder.inside.guard import TAMPERED, Guard, is_forbidden

SOFTMAX = ("softmax", "log_softmax", "softmin")
AUTOGRAD = ("backward", "grad", "vjp", "jvp", "jacrev", "jacfwd", "jacobian", "make_dual")
X = torch.randn(3, 4)
ALIAS = torch.softmax  # captured at import time, as a student's `from torch import softmax` would


def in_thread(work: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        box: dict[str, Any] = {}

        def target() -> None:
            try:
                box["value"] = work()
            except BaseException as error:  # noqa: BLE001 - handed to the caller
                box["error"] = error

        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
        if "error" in box:
            raise box["error"]
        return box["value"]

    return run


def without_torch_function() -> Any:
    with torch._C.DisableTorchFunction():
        return torch.softmax(X, -1)


def below_autograd() -> Any:
    with torch._C._AutoDispatchBelowAutograd():
        return torch.softmax(X, -1)


def in_inference_mode() -> Any:
    with torch.inference_mode():
        return torch.log_softmax(torch.randn(2, 3), -1)


SOFTMAX_ROUTES: dict[str, Callable[[], Any]] = {
    "torch.softmax": lambda: torch.softmax(X, -1),
    "an alias captured at import": lambda: ALIAS(X, -1),
    "Tensor.softmax": lambda: X.softmax(-1),
    "F.softmax": lambda: torch.nn.functional.softmax(X, -1),
    "torch.special.softmax": lambda: torch.special.softmax(X, -1),
    "a helper thread": in_thread(lambda: torch.softmax(X, -1)),
    "DisableTorchFunction": without_torch_function,
    "below autograd": below_autograd,
    "inference mode": in_inference_mode,
    "torch.ops.aten._softmax": lambda: torch.ops.aten._softmax.default(X, -1, False),
    "torch.ops.aten.softmax.int": lambda: torch.ops.aten.softmax.int(X, -1),
    "torch._C._VariableFunctions": lambda: torch._C._VariableFunctions.softmax(X, -1),
    "torch._C._nn via log_softmax": lambda: torch._C._VariableFunctions.log_softmax(X, -1).exp(),
    "the Python decomposition torch._refs": lambda: torch._refs.softmax(X, -1),
    "torch._decomp": lambda: torch._decomp.decompositions._softmax(X, -1, False),
    "a sparse softmax": lambda: torch.sparse.softmax(X.to_sparse(), -1),
    "float64 with grad": lambda: torch.softmax(X.double().requires_grad_(), -1),
}


@pytest.mark.parametrize("route", list(SOFTMAX_ROUTES))
def test_every_route_to_the_library_softmax_fails_and_is_recorded(route: str) -> None:
    with Guard(SOFTMAX) as guard:
        with pytest.raises(Exception, match="not allowed in this exercise"):
            SOFTMAX_ROUTES[route]()
    assert any(is_forbidden(call, SOFTMAX) for call in guard.calls), guard.calls
    assert torch.allclose(torch.softmax(X, -1), torch.exp(X) / torch.exp(X).sum(-1, keepdim=True)), \
        "the library works again once the guard is gone"


def test_a_caught_forbidden_call_is_still_recorded() -> None:
    with Guard(SOFTMAX) as guard:
        try:
            torch.softmax(X, -1)
        except Exception:  # noqa: BLE001 - what a student hiding the call would do
            pass
        torch.nn.functional.relu(X)
    assert guard.calls


def test_code_written_from_scratch_runs_under_the_guard() -> None:
    with Guard(SOFTMAX) as guard:
        shifted = X - X.amax(-1, keepdim=True)
        result = shifted.exp() / shifted.exp().sum(-1, keepdim=True)
    assert not guard.calls
    assert torch.allclose(result, torch.softmax(X, -1))


def _needs(x: torch.Tensor) -> torch.Tensor:
    return x.clone().requires_grad_()


def _engine() -> Any:
    z = _needs(X)
    out = z.exp().sum()
    engine = torch.autograd.variable.Variable._execution_engine
    return engine.run_backward((out,), (torch.ones(()),), False, False, (z,), False, False)


def _forward_mode() -> Any:
    import torch.autograd.forward_ad as forward_ad

    with forward_ad.dual_level():
        return forward_ad.unpack_dual(forward_ad.make_dual(X, torch.ones_like(X)).exp()).tangent


AUTOGRAD_ROUTES: dict[str, Callable[[], Any]] = {
    "Tensor.backward": lambda: _needs(X).exp().sum().backward(),
    "torch.autograd.grad": lambda: torch.autograd.grad(_needs(X).exp().sum(), [], allow_unused=True),
    "torch.func.grad": lambda: torch.func.grad(lambda t: t.exp().sum())(X),
    "torch.func.vjp": lambda: torch.func.vjp(torch.exp, X)[1](torch.ones_like(X)),
    "torch.func.jacrev": lambda: torch.func.jacrev(torch.exp)(X[0]),
    "torch.autograd.functional.jacobian": lambda: torch.autograd.functional.jacobian(torch.exp, X[0]),
    "the engine itself (a torch._C entry point)": _engine,
    "forward-mode dual tensors": _forward_mode,
    "backward in a helper thread": in_thread(lambda: _needs(X).exp().sum().backward()),
}


@pytest.mark.parametrize("route", list(AUTOGRAD_ROUTES))
def test_every_route_to_a_derivative_is_recorded(route: str) -> None:
    with Guard(AUTOGRAD) as guard:
        try:
            AUTOGRAD_ROUTES[route]()
        except Exception:  # noqa: BLE001 - blocked routes raise; the engine route is only recorded
            pass
    assert any(is_forbidden(call, AUTOGRAD) for call in guard.calls), guard.calls


def test_stopping_the_profiler_is_reported_as_tampering() -> None:
    with Guard(AUTOGRAD) as guard:
        torch.autograd._disable_profiler()
    assert any(call.startswith(TAMPERED) for call in guard.calls), guard.calls
