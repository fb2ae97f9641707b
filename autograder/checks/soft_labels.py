"""Hidden checks of the ``soft_labels`` assignment: ``smooth_labels(y, num_classes, epsilon)``,
``soft_cross_entropy(logits, targets)`` and ``expected_calibration_error(probs, y, num_bins=15)``.

Each property is a hidden test cell of its own. Inputs come from fixed seeds: odd sizes, both float
dtypes, logits of +-1000 and -inf, confidences exactly on bin edges, 1.0 and 0.0; they are built in
:mod:`autograder.checks.soft_labels_cases`.
"""

from __future__ import annotations

from typing import Any, Callable

from torch import Tensor

from autograder.reference import expected_calibration_error, smooth_labels, soft_cross_entropy

from .base import Case, CaseJudge, Observation, Property, tolerances
from .compare import all_of, avoids_calls, gradients_match, keeps_inputs, matches
from .soft_labels_cases import (contract_cases, ece_bin_edge_cases, ece_hand_made_cases, ece_num_bins_cases,
                                ece_random_cases, label_smoothing_cases, scratch_cases, smoothing_cases,
                                soft_ce_extreme_cases, soft_ce_gradient_cases, soft_ce_random_cases)

FUNCTIONS = ("smooth_labels", "soft_cross_entropy", "expected_calibration_error")
REFERENCE = {"smooth_labels": smooth_labels, "soft_cross_entropy": soft_cross_entropy,
             "expected_calibration_error": expected_calibration_error}
FORBIDDEN = ("cross_entropy", "cross_entropy_loss", "nll_loss", "log_softmax", "softmax", "softmin")


def _rows_sum_to_one(case: Case, seen: Observation) -> str | None:
    """Each row of a 2-D floating output must sum to one (other problems are left to `matches`)."""
    out = seen.output
    if seen.error or type(out) is not Tensor or out.dim() != 2 or not out.is_floating_point():
        return None
    error = (out.double().sum(dim=1) - 1).abs().max().item() if out.numel() else 0.0
    atol, rtol = tolerances(out.dtype)
    if error > atol + rtol:
        return f"the rows do not sum to one (off by up to {error:.3g})"
    return None


def _property(name: str, function: str, summary: str, make_cases: Callable[[], list[Case]],
              judge_case: CaseJudge, hint: str, **extra: Any) -> Property:
    """The property ``soft_labels/<name>``."""
    return Property(name=f"soft_labels/{name}", function=function, summary=summary,
                    make_cases=make_cases, judge_case=judge_case, hint=hint, **extra)


_CE, _ECE = matches(soft_cross_entropy), matches(expected_calibration_error, float32_precision=True)
_ECE_HINT = "bins are (lo, hi] (0 goes in the first), weights are count / n, and the result is a 0-dim tensor"

PROPERTIES = [
    _property("smoothing", "smooth_labels", "matches the reference, rows summing to one",
              smoothing_cases, all_of(_rows_sum_to_one, matches(smooth_labels)),
              "the true class gets 1 - epsilon + epsilon / q and every class (the true one too) gets epsilon / q; "
              "honour the dtype argument"),
    _property("soft_ce_matches_reference", "soft_cross_entropy",
              "matches the reference for random, one-hot and smoothed targets", soft_ce_random_cases, _CE,
              "one loss per row: minus the sum over classes of target times log-probability"),
    _property("soft_ce_label_smoothing", "soft_cross_entropy",
              "equals F.cross_entropy(logits, y, label_smoothing=epsilon) on smoothed targets",
              label_smoothing_cases, _CE,
              "use every entry of the targets, not only the largest one"),
    _property("soft_ce_extreme", "soft_cross_entropy",
              "stays finite and correct for logits of +-1000 and -inf logits with target 0",
              soft_ce_extreme_cases, _CE,
              "compute log-probabilities as logits - logsumexp(logits); a class whose target is 0 must add "
              "exactly 0, even where its log-probability is -inf (0 * -inf is nan)"),
    _property("soft_ce_gradient", "soft_cross_entropy", "lets gradients flow back to logits and targets correctly",
              soft_ce_gradient_cases, all_of(_CE, gradients_match(soft_cross_entropy)),
              "build the loss from differentiable torch operations; no .detach(), .numpy() or torch.no_grad()"),
    _property("ece_matches_reference", "expected_calibration_error",
              "matches the reference on random predictions with 15 bins", ece_random_cases, _ECE, _ECE_HINT,
              float32_precision=True),
    _property("ece_hand_made", "expected_calibration_error",
              "is 0 for calibrated predictions, large for confident wrong ones, and takes the first class on a tie",
              ece_hand_made_cases, _ECE,
              "per bin, compare accuracy with mean confidence and take the absolute difference; the prediction "
              "is the arg-max (the first index on a tie, as torch.argmax does)",
              float32_precision=True),
    _property("ece_bin_edges", "expected_calibration_error",
              "puts confidences on a bin edge, 1.0 and 0.0 in the right bins", ece_bin_edge_cases, _ECE,
              "bin k holds the confidences c with k/B < c <= (k+1)/B; 0 belongs to the first bin and 1 to the last",
              float32_precision=True),
    _property("ece_num_bins", "expected_calibration_error", "uses num_bins bins", ece_num_bins_cases, _ECE,
              "do not hard-code 15: the bin edges are k / num_bins",
              float32_precision=True),
    _property("contract", "your functions",
              "keep the documented shapes, dtypes and devices and leave their inputs unchanged",
              contract_cases, all_of(keeps_inputs(), matches(REFERENCE, float32_precision=True)),
              "avoid in-place operations on y, logits, targets and probs, and return tensors, not Python numbers",
              uses=FUNCTIONS, float32_precision=True),
    _property("from_scratch", "soft_cross_entropy", "is written from scratch (no library cross-entropy or softmax)",
              scratch_cases, all_of(avoids_calls(FORBIDDEN), _CE),
              "use torch.logsumexp (or max, exp, sum and log) rather than F.cross_entropy, log_softmax or softmax",
              forbidden_calls=FORBIDDEN),
]
