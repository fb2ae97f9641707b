"""The vocabulary of hidden checks: cases, observations, verdicts and properties.

A *property* is one graded claim about a student's function ("softmax is finite for logits of
+-1000"). It owns a list of *cases* (inputs built from a fixed seed) and a *judge* that looks at
what the student's function did on each case (its *observation*) and returns a *verdict*.

Cases travel to the student's kernel, observations travel back, and the comparison with the
reference runs in the judge process, out of the student's reach. Everything that travels is
made of tensors, strings, numbers, lists and dicts, so it can be loaded with
``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Callable

import torch
from torch import Tensor

from studentkit.public.closeness import tolerances  # noqa: F401 - part of this vocabulary


@dataclass
class Case:
    """One call of the student's function.

    Attributes:
        label: how the case is named in a failure message, e.g. ``"logits (7, 3) float64"``.
        args: positional arguments (tensors are cloned by the kernel before the call).
        kwargs: keyword arguments (numbers, strings).
        grad_output: if set, the kernel back-propagates it through the output (same shape as the
            output) and reports the gradient of every floating-point tensor argument.
        scenario: how the implementation is exercised (see :mod:`autograder.scenarios`).
    """

    label: str
    args: list[Any]
    kwargs: dict[str, Any] = field(default_factory=dict)
    grad_output: Tensor | None = None
    scenario: str = "call"

    def to_wire(self) -> dict[str, Any]:
        """The case as sent to the kernel."""
        return {"args": self.args, "kwargs": self.kwargs, "grad_output": self.grad_output,
                "scenario": self.scenario}


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


@dataclass
class Observation:
    """What the student's function did on one case, as reported by the kernel.

    Attributes:
        output: what the scenario returned, as plain data (tensors, numbers, strings, lists, dicts);
            anything else arrives as ``{"__type__": "<type name>"}``. None when the call raised.
        output_type: the type name of what the call returned (``"Tensor"``, ``"NoneType"``, ...).
        error: ``"TypeError: ..."`` when the call raised, else None.
        args_after: the tensor arguments after the call (to detect in-place mutation).
        grads: gradient of each argument after back-propagating ``grad_output`` (None if none).
        torch_calls: the forbidden library calls that were stopped while the case ran (see
            :mod:`autograder.inside.guard`); empty for a property that forbids nothing.
    """

    output: Any
    output_type: str
    error: str | None
    args_after: list[Any]
    grads: list[Tensor | None]
    torch_calls: list[str]

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> "Observation":
        """Rebuild an observation from the check process's reply, tolerating missing or
        ill-typed fields (they count as absent)."""
        error = data.get("error")
        return cls(
            output=data.get("output"),
            output_type=str(data.get("output_type", "nothing"))[:100],
            error=error[:1000] if isinstance(error, str) else None,
            args_after=_list(data.get("args_after")),
            grads=_list(data.get("grads")),
            torch_calls=[str(name)[:200] for name in _list(data.get("torch_calls"))[:1000]],
        )


@dataclass
class Verdict:
    """The judge's answer for one property: passed, the fraction of cases passed, a message."""

    passed: bool
    fraction: float
    message: str

    def to_wire(self) -> dict[str, Any]:
        return {"passed": self.passed, "fraction": self.fraction, "message": self.message}


class Reason(str):
    """A failure reason that says what kind of failure it is (``"type"``, ``"values"``, ``"error"``,
    ``"mutation"``, ``"gradient"``, ``"calls"``), and may bring the hint to show with it."""

    hint: str
    kind: str

    def __new__(cls, text: str, hint: str = "", kind: str = "") -> "Reason":
        reason = super().__new__(cls, text)
        reason.hint, reason.kind = hint, kind
        return reason


# What to say when a property fails for a reason outside its own concern (its hint would mislead).
KIND_HINTS = {
    "type": "look at what you return: a tensor of the documented shape, in the input's dtype and device",
    "values": "the values themselves are wrong on this case; the check on ordinary inputs (matches the "
              "reference) usually shows why",
    "error": "the call raised an exception; call your function on a small input yourself to see where",
    "mutation": "work on copies or with out-of-place operations: the inputs must come back unchanged",
    "gradient": "the gradients are wrong: build the result from differentiable torch operations",
    "calls": "this exercise asks you to write that library function yourself",
}
# The concern of a property (or clause) by the last word of its name; anything else is about values.
_CONCERNS = (("contract", ("type", "mutation")), ("gradient", ("gradient",)), ("from_scratch", ("calls",)),
             ("by_hand", ("calls", "error")))


def concern_of(name: str) -> tuple[str, ...]:
    """The failure kinds whose hint is the property's own: ``"softmax/contract"`` -> type and mutation."""
    return next((kinds for suffix, kinds in _CONCERNS if name.endswith(suffix)), ("values",))


def hint_for(reason: str, own_hint: str, concern: tuple[str, ...]) -> str:
    """The hint to show with ``reason``: its own, the property's when the failure is the property's
    concern (or of no stated kind), else the general hint of its kind."""
    if not isinstance(reason, Reason):
        return own_hint
    if reason.hint:
        return reason.hint
    return own_hint if not reason.kind or reason.kind in concern else KIND_HINTS[reason.kind]


# Looks at one case and its observation; returns None when the case passes, else the reason.
CaseJudge = Callable[[Case, Observation], "str | None"]


@dataclass
class Property:
    """A graded claim: its cases, how each case is judged, and the hint shown on failure.

    Attributes:
        name: ``"assignment/property"``, the name hidden test cells use.
        function: the name of the student's function, for messages.
        summary: what is being checked, in words a student understands.
        make_cases: builds the cases from a fixed seed (deterministic).
        judge_case: returns None for a passing case, else a one-line reason.
        hint: a nudge shown with a failure; never the answer.
        forbidden_calls: torch functions the student may not call (``"softmax"`` matches
            ``torch.softmax``, ``Tensor.softmax`` and ``F.softmax``).
        uses: the student's names the check needs when it needs more than ``function``; the
            hidden cell then passes a dict ``{name: object}`` instead of one function.
        float32_precision: the judge compares float64 results to float32 precision only (the
            public checks, which ship no judge, are told so).
        graded_only: why the property has no public cases (empty: it has some, see
            :mod:`autograder.checks.public`); ``studentkit.check`` says so.
    """

    name: str
    function: str
    summary: str
    make_cases: Callable[[], list[Case]]
    judge_case: CaseJudge
    hint: str
    forbidden_calls: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    float32_precision: bool = False
    graded_only: str = ""

    def implementation(self, namespace: dict[str, Any]) -> Any:
        """What the hidden cell passes: the one function, or a dict of the names in ``uses``."""
        if not self.uses:
            return namespace[self.function]
        return {name: namespace[name] for name in self.uses}

    def hidden_cell_call(self) -> str:
        """The line a hidden test cell runs for this property."""
        argument = self.function if not self.uses else "{" + ", ".join(f'"{n}": {n}' for n in self.uses) + "}"
        return f'check("{self.name}", {argument})'

    def judge(self, cases: list[Case], observations: list[Observation]) -> Verdict:
        """Judge every case; the message names the first failing case."""
        if len(observations) != len(cases):
            return Verdict(False, 0.0, f"{self.function}: the check did not receive one result per case")
        reasons = [self.judge_case(case, seen) for case, seen in zip(cases, observations)]
        failures = [(case, reason) for case, reason in zip(cases, reasons) if reason is not None]
        fraction = 1.0 - len(failures) / len(cases)
        if not failures:
            return Verdict(True, 1.0, f"{self.function}: {self.summary}: passed ({len(cases)} cases)")
        case, reason = failures[0]
        hint = hint_for(reason, self.hint, concern_of(self.name))
        message = (
            f"{self.function} failed the check '{self.summary}' on {len(failures)} of {len(cases)} cases. "
            f"First failure, on {case.label}: {reason}. Hint: {hint}"
        )
        return Verdict(False, fraction, message)


# Added to every case seed: 0 for the hidden cases, PUBLIC_SEED_OFFSET while public cases are drawn.
_SEED_OFFSET = contextvars.ContextVar("seed_offset", default=0)
PUBLIC_SEED_OFFSET = 1_000_003


def case_seed(seed: int) -> int:
    """The seed a case builder really uses for ``seed``: the same number for hidden cases, another one
    inside :func:`public_seeds` (so public cases are of the same kind, drawn from other numbers)."""
    return seed + _SEED_OFFSET.get()


def seeded(seed: int) -> torch.Generator:
    """A CPU generator seeded with :func:`case_seed` ``(seed)``: every case builder draws from one."""
    return torch.Generator().manual_seed(case_seed(seed))


@contextlib.contextmanager
def public_seeds() -> Iterator[None]:
    """Within the block, case builders draw the public cases (other values, same shapes and kinds)."""
    token = _SEED_OFFSET.set(PUBLIC_SEED_OFFSET)
    try:
        yield
    finally:
        _SEED_OFFSET.reset(token)


def describe(tensor: Tensor) -> str:
    """``"(7, 3) float64"``: shape and dtype for messages."""
    return f"{tuple(tensor.shape)} {str(tensor.dtype).removeprefix('torch.')}"
