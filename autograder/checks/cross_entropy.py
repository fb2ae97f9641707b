"""Hidden checks of the ``cross_entropy`` assignment: the four functions students write.

``log_softmax(logits, dim=-1)``, ``cross_entropy(y_hat, y)`` (per-example loss from
probabilities), ``cross_entropy_from_logits(logits, y)`` (per-example loss, stable) and
``softmax_cross_entropy_grad(logits, y)`` (the hand-derived gradient of the summed loss).
Properties are listed in notebook order; each is a hidden test cell of its own.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from autograder.reference import cross_entropy as reference_cross_entropy
from autograder.reference import cross_entropy_from_logits as reference_from_logits
from autograder.reference import log_softmax as reference_log_softmax
from autograder.reference import softmax_cross_entropy_grad as reference_grad

from .base import Case, CaseJudge, Observation, Property, describe
from .compare import all_of, avoids_calls, gradients_match, keeps_inputs, matches, reference_output

# Library functions that would do the exercise (base names: "softmax" matches torch.softmax,
# F.softmax and Tensor.softmax); torch.logsumexp is the trick the students write themselves.
FORBIDDEN = ("softmax", "log_softmax", "softmin", "logsumexp", "cross_entropy", "nll_loss")
# Ways to ask autograd for a gradient (a second net behind calling the gradient under no_grad).
AUTOGRAD_CALLS = ("backward", "grad", "vjp", "jacrev", "jacfwd", "jacobian")
INF = float("inf")
SIZES = [(1, 1), (1, 10), (7, 3), (256, 10), (5, 2)]
FLOATS = (torch.float32, torch.float64)


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _labels(n: int, q: int, seed: int) -> Tensor:
    """``(n,)`` int64 labels in ``[0, q)``."""
    return torch.randint(0, q, (n,), generator=_gen(seed))


def _grad_output(shape: torch.Size, dtype: torch.dtype) -> Tensor:
    return torch.randn(shape, generator=_gen(sum(shape) + 7), dtype=dtype)


def logits_case(logits: Tensor, dim: int = -1, note: str = "", grad: bool = False) -> Case:
    """A call ``log_softmax(logits, dim=dim)``."""
    grad_output = _grad_output(logits.shape, logits.dtype) if grad else None
    return Case(f"logits {describe(logits)}, dim={dim}{note}", [logits], {"dim": dim}, grad_output)


def batch_case(scores: Tensor, y: Tensor, what: str = "logits", note: str = "", grad: bool = False,
               scenario: str = "call") -> Case:
    """A call ``f(scores, y)`` for ``(n, q)`` scores (logits or probabilities) and ``(n,)`` labels."""
    grad_output = _grad_output(y.shape, scores.dtype) if grad else None
    label = f"{what} {describe(scores)} with labels {describe(y)}{note}"
    return Case(label, [scores, y], grad_output=grad_output, scenario=scenario)


def random_batches(what: str, seed: int, scenario: str = "call") -> list[Case]:
    """Random batches of every size in ``SIZES``, float32 and float64 (probabilities: softmax rows)."""
    gen, cases = _gen(seed), []
    for (n, q) in SIZES:
        for dtype in FLOATS:
            scores = 3 * torch.randn(n, q, generator=gen, dtype=dtype)
            if what == "probabilities":
                scores = torch.softmax(scores, dim=1)
            cases.append(batch_case(scores, _labels(n, q, seed + n * q), what, scenario=scenario))
    return cases


# --- log_softmax -------------------------------------------------------------------------------

def log_softmax_random_cases() -> list[Case]:
    gen = _gen(0)
    shapes_and_dims = [((1, 1), -1), ((1, 10), -1), ((7, 3), -1), ((256, 10), -1), ((5, 4, 3), 1), ((4, 6), 0)]
    return [logits_case(3 * torch.randn(shape, generator=gen, dtype=dtype), dim)
            for shape, dim in shapes_and_dims for dtype in FLOATS]


EXTREME = torch.tensor([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -999.0], [1000.0, 1000.0, 999.0]])
WITH_INF = torch.tensor([[0.0, -INF, 1.0], [-INF, 5.0, 5.0], [-INF, -INF, 800.0]])


def log_softmax_extreme_cases() -> list[Case]:
    return [
        logits_case(EXTREME, note=" with entries of +-1000"),
        logits_case(EXTREME.double().T, dim=0, note=" with entries of +-1000"),
        logits_case(1000 * torch.randn(32, 10, generator=_gen(1)), note=" scaled to about +-1000"),
        logits_case(WITH_INF, note=" with -inf entries"),
        logits_case(WITH_INF.double() + 300, note=" with -inf entries"),
    ]


def log_softmax_contract_cases() -> list[Case]:
    gen = _gen(2)
    return [logits_case(torch.randn(8, 10, generator=gen).half()),
            logits_case(torch.randn(3, 5, generator=gen, dtype=torch.float64)),
            logits_case(torch.randn(2, 3, 4, generator=gen), dim=1)]


def log_softmax_gradient_cases() -> list[Case]:
    gen = _gen(3)
    return [logits_case(torch.randn(6, 5, generator=gen, dtype=torch.float64), grad=True),
            logits_case(torch.randn(1, 10, generator=gen), grad=True),
            logits_case(torch.randn(3, 4, 2, generator=gen, dtype=torch.float64), dim=1, grad=True)]


def log_softmax_scratch_cases() -> list[Case]:
    gen = _gen(4)
    return [logits_case(torch.randn(4, 10, generator=gen)), logits_case(torch.randn(3, 2, 5, generator=gen), dim=1)]


# --- cross_entropy from probabilities --------------------------------------------------------

def zero_probability_cases() -> list[Case]:
    """Exact zeros at wrong classes (loss finite) and at a true class (loss inf, as -log 0)."""
    wrong = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5], [0.2, 0.0, 0.8]])
    true = torch.tensor([[0.0, 1.0], [0.5, 0.5], [0.75, 0.25]])
    return [batch_case(wrong, torch.tensor([0, 1, 2]), "probabilities", " with zeros at wrong classes"),
            batch_case(wrong.double(), torch.tensor([0, 2, 2]), "probabilities", " with zeros at wrong classes"),
            batch_case(true, torch.tensor([0, 1, 0]), "probabilities", " with a zero at a true class")]


def probabilities_contract_cases() -> list[Case]:
    gen = _gen(5)
    half = torch.softmax(torch.randn(8, 10, generator=gen), 1).half()
    double = torch.softmax(torch.randn(3, 5, generator=gen, dtype=torch.float64), 1)
    return [batch_case(half, _labels(8, 10, 5), "probabilities"),
            batch_case(double, _labels(3, 5, 6), "probabilities")]


# --- cross_entropy_from_logits -----------------------------------------------------------------

def from_logits_extreme_cases() -> list[Case]:
    """Logits of +-1000 and -inf at wrong classes: the loss is finite (up to 2000 here)."""
    big_labels, inf_labels = torch.tensor([2, 0, 1]), torch.tensor([2, 1, 2])
    return [
        batch_case(EXTREME, big_labels, note=" with entries of +-1000"),
        batch_case(EXTREME.double(), torch.tensor([0, 2, 2]), note=" with entries of +-1000"),
        batch_case(1000 * torch.randn(32, 10, generator=_gen(8)), _labels(32, 10, 8), note=" scaled to about +-1000"),
        batch_case(WITH_INF, inf_labels, note=" with -inf at wrong classes"),
        batch_case(WITH_INF.double() - 300, inf_labels, note=" with -inf at wrong classes"),
    ]


def from_logits_contract_cases() -> list[Case]:
    gen = _gen(9)
    return [batch_case(torch.randn(8, 10, generator=gen).half(), _labels(8, 10, 9)),
            batch_case(torch.randn(3, 5, generator=gen, dtype=torch.float64), _labels(3, 5, 10))]


def from_logits_gradient_cases() -> list[Case]:
    gen = _gen(11)
    return [batch_case(torch.randn(6, 5, generator=gen, dtype=torch.float64), _labels(6, 5, 11), grad=True),
            batch_case(torch.randn(1, 10, generator=gen), _labels(1, 10, 12), grad=True),
            batch_case(3 * torch.randn(7, 3, generator=gen), _labels(7, 3, 13), grad=True)]


def scratch_batches() -> list[Case]:
    gen = _gen(14)
    return [batch_case(torch.randn(4, 10, generator=gen), _labels(4, 10, 14)),
            batch_case(torch.randn(5, 3, generator=gen, dtype=torch.float64), _labels(5, 3, 15))]


def probability_scratch_batches() -> list[Case]:
    return [batch_case(torch.softmax(c.args[0], 1), c.args[1], "probabilities") for c in scratch_batches()]


# --- softmax_cross_entropy_grad ----------------------------------------------------------------

def grad_random_cases() -> list[Case]:
    scaled = 1000 * torch.randn(16, 10, generator=_gen(16))
    return random_batches("logits", 15) + [batch_case(scaled, _labels(16, 10, 16), note=" scaled to about +-1000")]


def gradcheck_cases() -> list[Case]:
    gen, scenario = _gen(17), "cross_entropy.gradcheck_summed_loss"
    return [batch_case(torch.randn(n, q, generator=gen, dtype=torch.float64), _labels(n, q, 17 + n),
                       scenario=scenario) for n, q in [(4, 5), (1, 3), (6, 10)]]


def without_autograd_cases() -> list[Case]:
    return [batch_case(c.args[0], c.args[1], scenario="cross_entropy.gradient_without_autograd")
            for c in scratch_batches()]


def grad_contract_cases() -> list[Case]:
    gen = _gen(18)
    return [batch_case(torch.randn(3, 5, generator=gen, dtype=torch.float64), _labels(3, 5, 18)),
            batch_case(torch.randn(8, 10, generator=gen), _labels(8, 10, 19))]


def _passes_gradcheck(case: Case, seen: Observation) -> str | None:
    """The implementation, used as autograd's backward, must pass gradcheck as the reference does."""
    if seen.error:
        return f"the call raised {seen.error}"
    if seen.output != reference_output(reference_grad, case) or type(seen.output) is not bool:
        return ("torch.autograd.gradcheck finds that the result is not the derivative of the summed "
                "cross-entropy (it disagrees with finite differences)")
    return None


def _prop(function: str, aspect: str, summary: str, cases: Callable[[], list[Case]], judge: CaseJudge,
          hint: str, forbidden: tuple[str, ...] = ()) -> Property:
    """The property ``cross_entropy/<function>_<aspect>``."""
    return Property(f"cross_entropy/{function}_{aspect}", function, summary, cases, judge, hint, forbidden)


_CONTRACT_HINT = "avoid in-place operations on the inputs (like `-=`) and do not convert to another dtype"
_GRAD_HINT = "use differentiable torch operations; no .detach(), .item(), .numpy() or torch.no_grad()"
_SCRATCH_HINT = "use torch.exp, torch.log, max and sum (and your own log_softmax), not the library functions"
_log_softmax, _probabilities = matches(reference_log_softmax), matches(reference_cross_entropy)
_from_logits, _grad = matches(reference_from_logits), matches(reference_grad)

PROPERTIES = [
    _prop("log_softmax", "matches_reference", "matches the reference on ordinary logits",
          log_softmax_random_cases, _log_softmax,
          "log_softmax(o)_j = o_j - log(sum_k exp(o_k)), reduced over `dim`"),
    _prop("log_softmax", "extreme_logits", "stays finite and correct for logits of +-1000 and -inf entries",
          log_softmax_extreme_cases, _log_softmax,
          "log(sum_k exp(o_k)) = c + log(sum_k exp(o_k - c)); which c keeps exp from overflowing?"),
    _prop("log_softmax", "contract", "returns a tensor of the input's shape, dtype and device, input unchanged",
          log_softmax_contract_cases, all_of(keeps_inputs(), _log_softmax), _CONTRACT_HINT),
    _prop("log_softmax", "gradient", "lets gradients flow back to the logits correctly",
          log_softmax_gradient_cases, gradients_match(reference_log_softmax), _GRAD_HINT),
    _prop("log_softmax", "from_scratch", "is written from scratch (no library log_softmax, softmax or logsumexp)",
          log_softmax_scratch_cases, all_of(avoids_calls(FORBIDDEN), _log_softmax), _SCRATCH_HINT, FORBIDDEN),
    _prop("cross_entropy", "matches_reference", "matches the reference on ordinary probabilities",
          lambda: random_batches("probabilities", 20), _probabilities,
          "pick each row's probability of its true class with y_hat[range(n), y], then take -log"),
    _prop("cross_entropy", "zero_probabilities",
          "ignores zeros at wrong classes and gives inf for a zero at a true class",
          zero_probability_cases, _probabilities,
          "only the true class's probability enters the loss; 0 * log 0 is nan, and -log 0 is inf (do not clip)"),
    _prop("cross_entropy", "contract", "returns an (n,) tensor in y_hat's dtype and device, inputs unchanged",
          probabilities_contract_cases, all_of(keeps_inputs(), _probabilities),
          "return one loss per example (no sum or mean), in y_hat's dtype; do not modify y_hat or y"),
    _prop("cross_entropy", "from_scratch", "is written from scratch (no library loss)",
          probability_scratch_batches, all_of(avoids_calls(FORBIDDEN), _probabilities), _SCRATCH_HINT, FORBIDDEN),
    _prop("cross_entropy_from_logits", "matches_reference", "matches the reference on ordinary logits",
          lambda: random_batches("logits", 30), _from_logits,
          "the loss of example i is -log_softmax(logits)[i, y_i]"),
    _prop("cross_entropy_from_logits", "extreme_logits",
          "stays finite and correct for logits of +-1000 and -inf at wrong classes",
          from_logits_extreme_cases, _from_logits,
          "never form the probabilities: exp underflows to 0 and log(0) is -inf; stay in log space"),
    _prop("cross_entropy_from_logits", "contract",
          "returns an (n,) tensor in the logits' dtype and device, inputs unchanged",
          from_logits_contract_cases, all_of(keeps_inputs(), _from_logits), _CONTRACT_HINT),
    _prop("cross_entropy_from_logits", "gradient", "lets gradients flow back to the logits correctly",
          from_logits_gradient_cases, gradients_match(reference_from_logits), _GRAD_HINT),
    _prop("cross_entropy_from_logits", "from_scratch", "is written from scratch (no library loss or log_softmax)",
          scratch_batches, all_of(avoids_calls(FORBIDDEN), _from_logits), _SCRATCH_HINT, FORBIDDEN),
    _prop("softmax_cross_entropy_grad", "matches_reference",
          "equals the gradient autograd computes for the summed loss", grad_random_cases, _grad,
          "differentiate -o_y + log(sum_k exp(o_k)) with respect to o_j; one row per example, no 1/n"),
    _prop("softmax_cross_entropy_grad", "gradcheck",
          "passes torch.autograd.gradcheck as the backward of the summed loss", gradcheck_cases, _passes_gradcheck,
          "gradcheck compares with finite differences of the SUM of the per-example losses"),
    # Behaviour first (autograd under no_grad raises), then the names as a second net.
    _prop("softmax_cross_entropy_grad", "by_hand",
          "is computed by hand: works with autograd switched off, no library softmax",
          without_autograd_cases, all_of(_grad, avoids_calls(AUTOGRAD_CALLS + FORBIDDEN)),
          "compute the formula directly (exp of your log_softmax, minus a one-hot); no backward() or autograd.grad",
          AUTOGRAD_CALLS + FORBIDDEN),
    _prop("softmax_cross_entropy_grad", "contract",
          "returns an (n, q) tensor in the logits' dtype and device, inputs unchanged",
          grad_contract_cases, all_of(keeps_inputs(), _grad), _CONTRACT_HINT),
]
