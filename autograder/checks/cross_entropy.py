"""Hidden checks of the ``cross_entropy`` assignment: the four functions students write.

``log_softmax(logits, dim=-1)``, ``cross_entropy(y_hat, y)`` (per-example loss from
probabilities), ``cross_entropy_from_logits(logits, y)`` (per-example loss, stable) and
``softmax_cross_entropy_grad(logits, y)`` (the hand-derived gradient of the summed loss).
Properties are listed in notebook order; each is a hidden test cell of its own. The cases are
built in :mod:`autograder.checks.cross_entropy_cases`.
"""

from __future__ import annotations

from typing import Callable

from autograder.reference import cross_entropy as reference_cross_entropy
from autograder.reference import cross_entropy_from_logits as reference_from_logits
from autograder.reference import log_softmax as reference_log_softmax
from autograder.reference import softmax_cross_entropy_grad as reference_grad

from .base import Case, CaseJudge, Property
from .compare import all_of, avoids_calls, gradients_match, keeps_inputs, matches
from .contract import Clause, Contract
from .cross_entropy_cases import (from_logits_contract_cases, from_logits_extreme_cases, from_logits_gradient_cases,
                                  grad_contract_cases, grad_random_cases, gradcheck_cases, log_softmax_contract_cases,
                                  log_softmax_extreme_cases, log_softmax_gradient_cases, log_softmax_random_cases,
                                  log_softmax_scratch_cases, probabilities_contract_cases,
                                  probability_scratch_batches, random_batches, scratch_batches,
                                  without_autograd_cases, zero_probability_cases)

# Library functions that would do the exercise (base names: "softmax" matches torch.softmax,
# F.softmax and Tensor.softmax); torch.logsumexp is the trick the students write themselves.
FORBIDDEN = ("softmax", "log_softmax", "softmin", "logsumexp", "cross_entropy", "nll_loss")
# Ways to ask autograd for a gradient (a second net behind calling the gradient under no_grad).
AUTOGRAD_CALLS = ("backward", "grad", "vjp", "jacrev", "jacfwd", "jacobian")


def _prop(function: str, aspect: str, summary: str, cases: Callable[[], list[Case]], judge: CaseJudge,
          hint: str, forbidden: tuple[str, ...] = ()) -> Property:
    """The property ``cross_entropy/<function>_<aspect>``."""
    return Property(f"cross_entropy/{function}_{aspect}", function, summary, cases, judge, hint, forbidden)


_CONTRACT_HINT = "avoid in-place operations on the inputs (like `-=`) and do not convert to another dtype"
_GRAD_HINT = "use differentiable torch operations; no .detach(), .item(), .numpy() or torch.no_grad()"
_SCRATCH_HINT = "use torch.exp, torch.log, max and sum (and your own log_softmax), not the library functions"
_log_softmax, _probabilities = matches(reference_log_softmax), matches(reference_cross_entropy)
_from_logits, _grad = matches(reference_from_logits), matches(reference_grad)

# The contract of ``cross_entropy(y_hat, y)`` on probabilities; ``training`` holds its own to it too.
CROSS_ENTROPY = Contract("cross_entropy", (
    Clause("matches_reference", "matches the reference on ordinary probabilities",
           lambda: random_batches("probabilities", 20), _probabilities,
           "pick each row's probability of its true class with y_hat[range(n), y], then take -log"),
    Clause("zero_probabilities", "ignores zeros at wrong classes and gives inf for a zero at a true class",
           zero_probability_cases, _probabilities,
           "only the true class's probability enters the loss; 0 * log 0 is nan, and -log 0 is inf (do not clip)"),
    Clause("contract", "returns an (n,) tensor in y_hat's dtype and device, inputs unchanged",
           probabilities_contract_cases, all_of(keeps_inputs(), _probabilities),
           "return one loss per example (no sum or mean), in y_hat's dtype; do not modify y_hat or y"),
    Clause("from_scratch", "is written from scratch (no library loss)", probability_scratch_batches,
           all_of(avoids_calls(FORBIDDEN), _probabilities), _SCRATCH_HINT, FORBIDDEN),
))

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
          log_softmax_gradient_cases, all_of(_log_softmax, gradients_match(reference_log_softmax)), _GRAD_HINT),
    _prop("log_softmax", "from_scratch", "is written from scratch (no library log_softmax, softmax or logsumexp)",
          log_softmax_scratch_cases, all_of(avoids_calls(FORBIDDEN), _log_softmax), _SCRATCH_HINT, FORBIDDEN),
    *CROSS_ENTROPY.properties("cross_entropy/cross_entropy_"),
    _prop("cross_entropy_from_logits", "matches_reference", "matches the reference on ordinary logits",
          lambda: random_batches("logits", 30), _from_logits,
          "the loss of example i is -log_softmax(logits)[i, y_i]"),
    _prop("cross_entropy_from_logits", "extreme_logits",
          "stays finite and correct for logits of +-1000 and -inf at wrong classes, inf for -inf at a true class",
          from_logits_extreme_cases, _from_logits,
          "never form the probabilities: exp underflows to 0 and log(0) is -inf; stay in log space, "
          "and leave an example whose true class has logit -inf at loss inf (do not replace -inf)"),
    _prop("cross_entropy_from_logits", "contract",
          "returns an (n,) tensor in the logits' dtype and device, inputs unchanged",
          from_logits_contract_cases, all_of(keeps_inputs(), _from_logits), _CONTRACT_HINT),
    _prop("cross_entropy_from_logits", "gradient", "lets gradients flow back to the logits correctly",
          from_logits_gradient_cases, all_of(_from_logits, gradients_match(reference_from_logits)), _GRAD_HINT),
    _prop("cross_entropy_from_logits", "from_scratch", "is written from scratch (no library loss or log_softmax)",
          scratch_batches, all_of(avoids_calls(FORBIDDEN), _from_logits), _SCRATCH_HINT, FORBIDDEN),
    _prop("softmax_cross_entropy_grad", "matches_reference",
          "equals the gradient autograd computes for the summed loss", grad_random_cases, _grad,
          "differentiate -o_y + log(sum_k exp(o_k)) with respect to o_j; one row per example, no 1/n"),
    _prop("softmax_cross_entropy_grad", "gradcheck",
          "passes torch.autograd.gradcheck as the backward of the summed loss", gradcheck_cases, _grad,
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
