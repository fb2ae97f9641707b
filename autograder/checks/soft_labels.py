"""Hidden checks of the ``soft_labels`` assignment: ``smooth_labels(y, num_classes, epsilon)``,
``soft_cross_entropy(logits, targets)`` and ``expected_calibration_error(probs, y, num_bins=15)``.

Each property is a hidden test cell of its own. Inputs come from fixed seeds: odd sizes, both float
dtypes, logits of +-1000 and -inf, confidences exactly on bin edges, 1.0 and 0.0.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from autograder.reference import expected_calibration_error, smooth_labels, soft_cross_entropy

from .base import Case, CaseJudge, Observation, Property, describe, tolerances
from .compare import (all_of, avoids_calls, closeness_problem, gradients_match, keeps_inputs, matches,
                      reference_output, value_problem)

FUNCTIONS = ("smooth_labels", "soft_cross_entropy", "expected_calibration_error")
REFERENCE = {"smooth_labels": smooth_labels, "soft_cross_entropy": soft_cross_entropy,
             "expected_calibration_error": expected_calibration_error}
FORBIDDEN = ("cross_entropy", "cross_entropy_loss", "nll_loss", "log_softmax", "softmax", "softmin")
DTYPES = (torch.float32, torch.float64)
INF = float("inf")


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _distributions(n: int, q: int, dtype: torch.dtype, seed: int, scale: float = 2.0) -> Tensor:
    """``(n, q)`` strictly positive probability vectors (rows sum to one)."""
    return torch.softmax(scale * torch.randn(n, q, generator=_gen(seed), dtype=torch.float64), dim=1).to(dtype)


def _labels(n: int, q: int, seed: int) -> Tensor:
    return torch.randint(0, q, (n,), generator=_gen(seed))


def _pair_case(first: Tensor, second: Tensor, names: tuple[str, str], **extra) -> Case:
    note = extra.pop("note", "")
    return Case(f"{names[0]} {describe(first)}, {names[1]} {describe(second)}{note}", [first, second], **extra)


def smoothing_cases() -> list[Case]:
    """Odd sizes, epsilon 0, 0.1, 0.25 and 1, the default dtype and float64."""
    cases = []
    for i, (n, q) in enumerate([(1, 2), (7, 5), (33, 10), (4, 11)]):
        y = _labels(n, q, i)
        for epsilon in (0.0, 0.1, 0.25, 1.0):
            kwargs = {"num_classes": q, "epsilon": epsilon}
            cases.append(Case(f"y {describe(y)}, num_classes={q}, epsilon={epsilon}", [y], kwargs))
        cases.append(Case(f"y {describe(y)}, num_classes={q}, epsilon=0.1, dtype=torch.float64", [y],
                          {"num_classes": q, "epsilon": 0.1, "dtype": torch.float64}))
    return cases


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


def soft_ce_random_cases() -> list[Case]:
    """Ordinary logits against random, one-hot and smoothed targets, odd sizes, both dtypes."""
    cases = []
    for i, (n, q) in enumerate([(1, 3), (7, 5), (16, 10), (4, 2)]):
        for dtype in DTYPES:
            logits = 3 * torch.randn(n, q, generator=_gen(10 + i), dtype=dtype)
            y = _labels(n, q, 20 + i)
            for note, targets in ((" random", _distributions(n, q, dtype, 30 + i)),
                                  (" one-hot", smooth_labels(y, q, 0.0, dtype=dtype)),
                                  (" smoothed", smooth_labels(y, q, 0.2, dtype=dtype))):
                cases.append(_pair_case(logits, targets, ("logits", "targets"), note=note))
    return cases


def label_smoothing_cases() -> list[Case]:
    """Label-smoothed targets built from integer labels, compared with F.cross_entropy(label_smoothing=...)."""
    cases = []
    for i, (n, q, dtype) in enumerate([(5, 4, torch.float32), (12, 10, torch.float64), (1, 3, torch.float32)]):
        logits = 3 * torch.randn(n, q, generator=_gen(40 + i), dtype=dtype)
        y = _labels(n, q, 50 + i)
        for epsilon in (0.0, 0.1, 1.0):
            cases.append(_pair_case(logits, y, ("logits", "labels"), kwargs={"epsilon": epsilon},
                                    scenario="soft_labels.label_smoothed_loss",
                                    note=f" smoothed with epsilon={epsilon}"))
    return cases


def _matches_library_label_smoothing(case: Case, seen: Observation) -> str | None:
    """The output must equal PyTorch's ``F.cross_entropy(logits, y, label_smoothing=epsilon)``."""
    if seen.error or type(seen.output) is not Tensor:
        return None  # reported by `matches`
    logits, y = case.args
    expected = F.cross_entropy(logits, y, label_smoothing=case.kwargs["epsilon"], reduction="none")
    if seen.output.shape != expected.shape:
        return None
    problem = closeness_problem(seen.output, expected, "the loss")
    return None if problem is None else f"it disagrees with F.cross_entropy(..., label_smoothing=epsilon): {problem}"


def soft_ce_extreme_cases() -> list[Case]:
    """Logits of +-1000 (with targets that are all positive) and -inf logits whose target is 0."""
    big = torch.tensor([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0], [-1000.0, -1000.0, -999.0]])
    big_targets = torch.tensor([[0.8, 0.1, 0.1], [0.2, 0.5, 0.3], [1 / 3, 1 / 3, 1 / 3]])
    with_inf = torch.tensor([[0.0, -INF, 2.0], [-INF, 5.0, 5.0], [-INF, -INF, 800.0], [1000.0, -INF, -1000.0]])
    inf_targets = torch.tensor([[0.5, 0.0, 0.5], [0.0, 0.3, 0.7], [0.0, 0.0, 1.0], [0.9, 0.0, 0.1]])
    scaled = 1000 * torch.randn(16, 10, generator=_gen(60))
    cases = []
    for dtype in DTYPES:
        cases += [_pair_case(big.to(dtype), big_targets.to(dtype), ("logits", "targets"), note=" with +-1000"),
                  _pair_case(with_inf.to(dtype), inf_targets.to(dtype), ("logits", "targets"),
                             note=" with -inf logits where the target is 0"),
                  _pair_case(scaled.to(dtype), _distributions(16, 10, dtype, 61), ("logits", "targets"),
                             note=" scaled to about +-1000")]
    return cases


def soft_ce_gradient_cases() -> list[Case]:
    """Gradients with respect to the logits and the (strictly positive) targets."""
    cases = []
    for i, (n, q, dtype) in enumerate([(6, 5, torch.float64), (1, 10, torch.float32), (9, 3, torch.float64)]):
        logits = 2 * torch.randn(n, q, generator=_gen(70 + i), dtype=dtype)
        grad_output = torch.randn(n, generator=_gen(80 + i), dtype=dtype)
        cases.append(_pair_case(logits, _distributions(n, q, dtype, 90 + i), ("logits", "targets"),
                                grad_output=grad_output))
    return cases


def _relaxed(value: object, expected: object) -> tuple[object, object]:
    """``(value, expected)`` with float64 tensors of both sides cast to float32, dicts key by key."""
    if type(value) is Tensor and type(expected) is Tensor and value.dtype == expected.dtype == torch.float64:
        return value.float(), expected.float()
    if isinstance(value, dict) and isinstance(expected, dict) and set(value) == set(expected):
        pairs = {key: _relaxed(value[key], expected[key]) for key in expected}
        return {k: v for k, (v, _) in pairs.items()}, {k: e for k, (_, e) in pairs.items()}
    return value, expected


def matches_to_float32_precision(reference: object) -> CaseJudge:
    """Like :func:`~autograder.checks.compare.matches` (same types, shapes and dtypes), but values
    are compared to float32 precision: a calibration error need not be exact to 1e-10, and the
    common ``in_bin.float().mean()`` rounds bin weights to float32."""

    def judge(case: Case, seen: Observation) -> str | None:
        if seen.error:
            return f"the call raised {seen.error}"
        return value_problem(*_relaxed(seen.output, reference_output(reference, case)), "the output")

    return judge


def _ece_case(probs: Tensor, y: Tensor, note: str = "", num_bins: int | None = None) -> Case:
    kwargs = {} if num_bins is None else {"num_bins": num_bins}
    bins = "" if num_bins is None else f", num_bins={num_bins}"
    return Case(f"probs {describe(probs)}, y {describe(y)}{bins}{note}", [probs, y], kwargs)


def _predictions(n: int, q: int, dtype: torch.dtype, seed: int, scale: float = 2.0) -> tuple[Tensor, Tensor]:
    """Random probabilities and labels that agree with the arg-max about 70% of the time."""
    probs = _distributions(n, q, dtype, seed, scale)
    gen = _gen(seed + 1)
    right = torch.rand(n, generator=gen) < 0.7
    return probs, torch.where(right, probs.argmax(dim=1), torch.randint(0, q, (n,), generator=gen))


def _rows_with_confidence(confidence: list[float], correct: list[int], q: int,
                          dtype: torch.dtype) -> tuple[Tensor, Tensor]:
    """Rows whose largest entry is ``confidence`` (at class 0, the rest shared equally) and labels
    that are class 0 where ``correct`` is 1, class 1 otherwise."""
    c = torch.tensor(confidence, dtype=torch.float64)
    probs = torch.cat([c.unsqueeze(1), ((1 - c) / (q - 1)).unsqueeze(1).expand(-1, q - 1)], dim=1)
    return probs.to(dtype), 1 - torch.tensor(correct)


def ece_random_cases() -> list[Case]:
    """Random predictions with the default 15 bins: one example, odd sizes, both dtypes."""
    return [_ece_case(*_predictions(n, q, dtype, 100 + i, scale))
            for i, (n, q, scale) in enumerate([(1, 3, 2.0), (10, 2, 1.0), (100, 10, 3.0), (257, 5, 2.0)])
            for dtype in DTYPES]


def ece_hand_made_cases() -> list[Case]:
    """Perfectly calibrated predictions (ECE 0), always-wrong confident ones, under-confident ones."""
    calibrated = ([0.9] * 10 + [0.7] * 10 + [0.75] * 4 + [0.5] * 2,
                  [1] * 9 + [0] + [1] * 7 + [0] * 3 + [1, 1, 1, 0] + [1, 0])
    wrong = ([0.95, 0.99, 0.9, 0.97, 0.93], [0] * 5)
    under = ([0.55] * 6, [1] * 6)
    named = [(*calibrated, " (perfectly calibrated)"), (*wrong, " (confident, always wrong)"),
             (*under, " (under-confident, always right)")]
    return [_ece_case(*_rows_with_confidence(conf, correct, 3, dtype), note)
            for conf, correct, note in named for dtype in DTYPES]


def ece_bin_edge_cases() -> list[Case]:
    """Confidences exactly on bin edges (bins are (lo, hi]), of exactly 1.0, and of exactly 0.0."""
    quarter = [0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 1.0, 1.0, 0.4, 0.6, 0.3, 0.9]
    quarter_correct = [1, 0, 0, 1, 1, 0, 1, 0, 1, 0, 1, 1]
    eighths = [k / 8 for k in range(2, 9)] + [0.3, 0.55, 0.8]
    eighths_correct = [0, 1, 1, 0, 1, 0, 1, 1, 0, 0]
    fifths = [0.2, 0.4, 0.6, 0.8, 1.0, 0.2, 0.4, 0.6, 0.8, 0.3, 0.5, 0.7]
    fifths_correct = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1]
    cases = [_ece_case(*_rows_with_confidence(quarter, quarter_correct, 10, dtype), " on the edges", 4)
             for dtype in DTYPES]
    cases.append(_ece_case(*_rows_with_confidence(eighths, eighths_correct, 10, torch.float32), " on the edges", 8))
    cases.append(_ece_case(*_rows_with_confidence(fifths, fifths_correct, 10, torch.float64), " on the edges", 5))
    one_column = torch.tensor([[0.0], [0.25], [0.5], [1.0], [0.0], [0.75]])
    cases.append(_ece_case(one_column, torch.zeros(6, dtype=torch.int64), " (one class, confidences 0 and 1)", 4))
    return cases


def ece_num_bins_cases() -> list[Case]:
    """Random predictions with 1, 2, 7, 10 and 40 bins."""
    return [_ece_case(*_predictions(60, 4, dtype, 120 + num_bins), num_bins=num_bins)
            for num_bins, dtype in ((1, torch.float32), (2, torch.float64), (7, torch.float32),
                                    (10, torch.float64), (40, torch.float32))]


def contract_cases() -> list[Case]:
    """All three functions on float64 and float32 inputs; the inputs must come back unchanged."""
    cases = []
    for n, q, dtype in ((6, 4, torch.float64), (9, 3, torch.float32)):
        y = _labels(n, q, 130 + n)
        logits = 2 * torch.randn(n, q, generator=_gen(131 + n), dtype=dtype)
        args = [y, logits, _distributions(n, q, dtype, 132 + n), _distributions(n, q, dtype, 133 + n)]
        cases.append(Case(f"y {describe(y)}, logits, targets and probs {describe(logits)}", args,
                          {"num_classes": q, "epsilon": 0.1, "dtype": dtype}, scenario="soft_labels.each_function"))
    return cases


def scratch_cases() -> list[Case]:
    logits = 2 * torch.randn(5, 4, generator=_gen(140))
    return [_pair_case(logits, _distributions(5, 4, torch.float32, 141), ("logits", "targets"))]


def _property(name: str, function: str, summary: str, make_cases, judge_case: CaseJudge, hint: str,
              **extra) -> Property:
    return Property(name=f"soft_labels/{name}", function=function, summary=summary,
                    make_cases=make_cases, judge_case=judge_case, hint=hint, **extra)


_CE, _ECE = matches(soft_cross_entropy), matches_to_float32_precision(expected_calibration_error)
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
              label_smoothing_cases, all_of(_CE, _matches_library_label_smoothing),
              "use every entry of the targets, not only the largest one"),
    _property("soft_ce_extreme", "soft_cross_entropy",
              "stays finite and correct for logits of +-1000 and -inf logits with target 0",
              soft_ce_extreme_cases, _CE,
              "compute log-probabilities as logits - logsumexp(logits); a class whose target is 0 must add "
              "exactly 0, even where its log-probability is -inf (0 * -inf is nan)"),
    _property("soft_ce_gradient", "soft_cross_entropy", "lets gradients flow back to logits and targets correctly",
              soft_ce_gradient_cases, gradients_match(soft_cross_entropy),
              "build the loss from differentiable torch operations; no .detach(), .numpy() or torch.no_grad()"),
    _property("ece_matches_reference", "expected_calibration_error",
              "matches the reference on random predictions with 15 bins", ece_random_cases, _ECE, _ECE_HINT),
    _property("ece_hand_made", "expected_calibration_error",
              "is 0 for calibrated predictions and large for confident wrong ones", ece_hand_made_cases, _ECE,
              "per bin, compare accuracy with mean confidence and take the absolute difference"),
    _property("ece_bin_edges", "expected_calibration_error",
              "puts confidences on a bin edge, 1.0 and 0.0 in the right bins", ece_bin_edge_cases, _ECE,
              "bin k holds the confidences c with k/B < c <= (k+1)/B; 0 belongs to the first bin and 1 to the last"),
    _property("ece_num_bins", "expected_calibration_error", "uses num_bins bins", ece_num_bins_cases, _ECE,
              "do not hard-code 15: the bin edges are k / num_bins"),
    _property("contract", "your functions",
              "keep the documented shapes, dtypes and devices and leave their inputs unchanged",
              contract_cases, all_of(keeps_inputs(), matches_to_float32_precision(REFERENCE)),
              "avoid in-place operations on y, logits, targets and probs, and return tensors, not Python numbers",
              uses=FUNCTIONS),
    _property("from_scratch", "soft_cross_entropy", "is written from scratch (no library cross-entropy or softmax)",
              scratch_cases, all_of(avoids_calls(FORBIDDEN), _CE),
              "use torch.logsumexp (or max, exp, sum and log) rather than F.cross_entropy, log_softmax or softmax",
              forbidden_calls=FORBIDDEN),
]
