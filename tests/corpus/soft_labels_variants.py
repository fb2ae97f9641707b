"""Wrong and right ``smooth_labels`` / ``soft_cross_entropy`` / ``expected_calibration_error``.

A mutant breaks one function and keeps correct versions of the others, so that the property
it names is the one that should catch it.
"""

from support.corpus import Correct, Mutant

ASSIGNMENT = "soft_labels"

SMOOTH = """
import torch.nn.functional as F

def smooth_labels(y, num_classes, epsilon, *, dtype=torch.float32):
    one_hot = F.one_hot(y, num_classes).to(dtype)
    return (1 - epsilon) * one_hot + epsilon / num_classes
"""

SOFT_CE = """
def soft_cross_entropy(logits, targets):
    log_probs = logits - torch.logsumexp(logits, dim=-1, keepdim=True)
    terms = targets * torch.where(targets == 0, torch.zeros_like(log_probs), log_probs)
    return -terms.sum(dim=-1)
"""

ECE = """
def expected_calibration_error(probs, y, num_bins=15):
    confidence, prediction = probs.max(dim=1)
    correct = (prediction == y).to(probs.dtype)
    edges = torch.arange(num_bins + 1, dtype=probs.dtype) / num_bins
    index = (torch.bucketize(confidence, edges) - 1).clamp(0, num_bins - 1)
    ece = torch.zeros((), dtype=probs.dtype)
    for k in range(num_bins):
        in_bin = index == k
        if in_bin.any():
            gap = (correct[in_bin].mean() - confidence[in_bin].mean()).abs()
            ece = ece + in_bin.sum() / len(y) * gap
    return ece
"""


def with_smooth(code: str) -> str:
    return code + SOFT_CE + ECE


def with_soft_ce(code: str) -> str:
    return SMOOTH + code + ECE


def with_ece(code: str) -> str:
    return SMOOTH + SOFT_CE + code


MUTANTS = [
    Mutant("epsilon / (q - 1) on the other classes, 1 - epsilon on the true one", with_smooth("""
import torch.nn.functional as F
def smooth_labels(y, num_classes, epsilon, *, dtype=torch.float32):
    one_hot = F.one_hot(y, num_classes).to(dtype)
    return (1 - epsilon) * one_hot + epsilon / (num_classes - 1) * (1 - one_hot)
"""), caught_by="soft_labels/smoothing"),
    Mutant("(1 - epsilon) * one_hot without the epsilon / q term", with_smooth("""
import torch.nn.functional as F
def smooth_labels(y, num_classes, epsilon, *, dtype=torch.float32):
    return (1 - epsilon) * F.one_hot(y, num_classes).to(dtype)
"""), caught_by="soft_labels/smoothing"),
    Mutant("ignores the dtype argument", with_smooth("""
import torch.nn.functional as F
def smooth_labels(y, num_classes, epsilon, *, dtype=torch.float32):
    return (1 - epsilon) * F.one_hot(y, num_classes) + epsilon / num_classes
"""), caught_by="soft_labels/smoothing"),
    Mutant("mean over classes instead of the sum", with_soft_ce("""
def soft_cross_entropy(logits, targets):
    log_probs = logits - torch.logsumexp(logits, dim=-1, keepdim=True)
    return -(targets * torch.where(targets == 0, torch.zeros_like(log_probs), log_probs)).mean(dim=-1)
"""), caught_by="soft_labels/soft_ce_matches_reference"),
    Mutant("log of a naive softmax", with_soft_ce("""
def soft_cross_entropy(logits, targets):
    e = torch.exp(logits)
    return -(targets * torch.log(e / e.sum(dim=-1, keepdim=True))).sum(dim=-1)
"""), caught_by="soft_labels/soft_ce_extreme"),
    Mutant("stable log-probabilities but 0 * -inf = nan", with_soft_ce("""
def soft_cross_entropy(logits, targets):
    return -(targets * (logits - torch.logsumexp(logits, dim=-1, keepdim=True))).sum(dim=-1)
"""), caught_by="soft_labels/soft_ce_extreme"),
    Mutant("hard targets only: uses the arg-max of the targets", with_soft_ce("""
def soft_cross_entropy(logits, targets):
    log_probs = logits - torch.logsumexp(logits, dim=-1, keepdim=True)
    return -log_probs.gather(1, targets.argmax(dim=1, keepdim=True)).squeeze(1)
"""), caught_by="soft_labels/soft_ce_label_smoothing"),
    Mutant("detached from the graph", with_soft_ce("""
def soft_cross_entropy(logits, targets):
    logits, targets = logits.detach(), targets.detach()
    log_probs = logits - torch.logsumexp(logits, dim=-1, keepdim=True)
    return -(targets * torch.where(targets == 0, torch.zeros_like(log_probs), log_probs)).sum(dim=-1)
"""), caught_by="soft_labels/soft_ce_gradient"),
    Mutant("F.cross_entropy with probability targets", with_soft_ce("""
import torch.nn.functional as F
def soft_cross_entropy(logits, targets):
    return F.cross_entropy(logits, targets, reduction="none")
"""), caught_by="soft_labels/from_scratch"),
    Mutant("bins [lo, hi) instead of (lo, hi]", with_ece(ECE.replace(
        "torch.bucketize(confidence, edges) - 1", "torch.bucketize(confidence, edges, right=True) - 1")),
        caught_by="soft_labels/ece_bin_edges"),
    Mutant("floor(confidence * B): a confidence of 1.0 falls off the end", with_ece("""
def expected_calibration_error(probs, y, num_bins=15):
    confidence, prediction = probs.max(dim=1)
    correct = (prediction == y).to(probs.dtype)
    index = (confidence * num_bins).long()
    count = torch.bincount(index, minlength=num_bins)[:num_bins].to(probs.dtype)
    conf_sum = torch.zeros(num_bins + 1, dtype=probs.dtype).index_add(0, index, confidence)[:num_bins]
    right_sum = torch.zeros(num_bins + 1, dtype=probs.dtype).index_add(0, index, correct)[:num_bins]
    return (right_sum - conf_sum).abs().sum() / len(y)
"""), caught_by="soft_labels/ece_bin_edges"),
    Mutant("confidence 0 lands in no bin", with_ece("""
def expected_calibration_error(probs, y, num_bins=15):
    confidence, prediction = probs.max(dim=1)
    correct = (prediction == y).to(probs.dtype)
    ece = torch.zeros((), dtype=probs.dtype)
    for k in range(num_bins):
        in_bin = (confidence > k / num_bins) & (confidence <= (k + 1) / num_bins)
        if in_bin.any():
            ece = ece + in_bin.sum() / len(y) * (correct[in_bin].mean() - confidence[in_bin].mean()).abs()
    return ece
"""), caught_by="soft_labels/ece_bin_edges"),
    Mutant("averages over the non-empty bins instead of weighting by count / n", with_ece("""
def expected_calibration_error(probs, y, num_bins=15):
    confidence, prediction = probs.max(dim=1)
    correct = (prediction == y).to(probs.dtype)
    edges = torch.arange(num_bins + 1, dtype=probs.dtype) / num_bins
    index = (torch.bucketize(confidence, edges) - 1).clamp(0, num_bins - 1)
    gaps = [(correct[index == k].mean() - confidence[index == k].mean()).abs()
            for k in range(num_bins) if (index == k).any()]
    return torch.stack(gaps).mean()
"""), caught_by="soft_labels/ece_matches_reference"),
    Mutant("empty bins give 0 / 0 = nan", with_ece("""
def expected_calibration_error(probs, y, num_bins=15):
    confidence, prediction = probs.max(dim=1)
    correct = (prediction == y).to(probs.dtype)
    edges = torch.arange(num_bins + 1, dtype=probs.dtype) / num_bins
    index = (torch.bucketize(confidence, edges) - 1).clamp(0, num_bins - 1)
    count = torch.bincount(index, minlength=num_bins).to(probs.dtype)
    mean_conf = torch.zeros(num_bins, dtype=probs.dtype).index_add(0, index, confidence) / count
    accuracy = torch.zeros(num_bins, dtype=probs.dtype).index_add(0, index, correct) / count
    return (count / len(y) * (accuracy - mean_conf).abs()).sum()
"""), caught_by="soft_labels/ece_matches_reference"),
    Mutant("always 15 bins", with_ece(ECE.replace("def expected_calibration_error(probs, y, num_bins=15):",
                                                  "def expected_calibration_error(probs, y, num_bins=15):\n"
                                                  "    num_bins = 15")),
           caught_by="soft_labels/ece_num_bins"),
    Mutant("signed gaps: no absolute value", with_ece(ECE.replace(".mean()).abs()", ".mean())")),
           caught_by="soft_labels/ece_hand_made"),
    Mutant("probability of the true class as the confidence", with_ece(ECE.replace(
        "confidence, prediction = probs.max(dim=1)",
        "prediction = probs.argmax(dim=1)\n    confidence = probs[torch.arange(len(y)), y]")),
        caught_by="soft_labels/ece_matches_reference"),
    Mutant("renormalises probs in place", with_ece(ECE.replace(
        "confidence, prediction = probs.max(dim=1)",
        "probs /= probs.sum(dim=1, keepdim=True)\n    confidence, prediction = probs.max(dim=1)")),
        caught_by="soft_labels/contract"),
    Mutant("a tie counts as right when the label is one of the tied classes", with_ece(ECE.replace(
        "    correct = (prediction == y).to(probs.dtype)\n",
        "    correct = (probs[torch.arange(len(y)), y] == confidence).to(probs.dtype)\n")),
        caught_by="soft_labels/ece_hand_made"),
    Mutant("the last index on a tie", with_ece(ECE.replace(
        "    correct = (prediction == y).to(probs.dtype)\n",
        "    prediction = probs.shape[1] - 1 - probs.flip(1).argmax(dim=1)\n"
        "    correct = (prediction == y).to(probs.dtype)\n")),
        caught_by="soft_labels/ece_hand_made"),
    Mutant("returns a Python float", with_ece(ECE.replace("    return ece\n", "    return float(ece)\n")),
           caught_by="soft_labels/contract"),
]

CORRECT = [
    Correct("one_hot, logsumexp and bucketize", SMOOTH + SOFT_CE + ECE),
    Correct("scatter, logsumexp identity, ceil(c * B) - 1 and index_add", """
def smooth_labels(y, num_classes, epsilon, *, dtype=torch.float32):
    out = torch.full((len(y), num_classes), epsilon / num_classes, dtype=dtype)
    return out.scatter_add(1, y.unsqueeze(1), torch.full((len(y), 1), 1 - epsilon, dtype=dtype))

def soft_cross_entropy(logits, targets):
    lse = torch.logsumexp(logits, dim=1, keepdim=True)
    safe = torch.where(targets > 0, lse - logits, torch.zeros_like(logits))
    return (targets * safe).sum(dim=1)

def expected_calibration_error(probs, y, num_bins=15):
    confidence = probs.amax(dim=1)
    correct = (probs.argmax(dim=1) == y).to(probs.dtype)
    index = (torch.ceil(confidence * num_bins) - 1).long().clamp(0, num_bins - 1)
    zeros = torch.zeros(num_bins, dtype=probs.dtype)
    conf_sum = zeros.index_add(0, index, confidence)
    right_sum = zeros.index_add(0, index, correct)
    return (right_sum - conf_sum).abs().sum() / len(y)
"""),
    Correct("loops, explicit max shift, mask comparisons with Python floats", """
def smooth_labels(y, num_classes, epsilon, *, dtype=torch.float32):
    rows = []
    for label in y.tolist():
        row = [epsilon / num_classes] * num_classes
        row[label] += 1 - epsilon
        rows.append(row)
    return torch.tensor(rows, dtype=dtype).reshape(len(y), num_classes)

def soft_cross_entropy(logits, targets):
    m = logits.detach().amax(dim=-1, keepdim=True)
    log_probs = logits - m - torch.log(torch.exp(logits - m).sum(dim=-1, keepdim=True))
    keep = targets != 0
    return -torch.where(keep, targets * torch.where(keep, log_probs, 0.0), 0.0).sum(dim=-1)

def expected_calibration_error(probs, y, num_bins=15):
    confidence, prediction = torch.max(probs, dim=1)
    correct = (prediction == y).to(probs.dtype)
    n = len(y)
    total = torch.tensor(0.0, dtype=probs.dtype)
    for k in range(num_bins):
        lo, hi = k / num_bins, (k + 1) / num_bins
        in_bin = (confidence > lo) & (confidence <= hi)
        if k == 0:
            in_bin = in_bin | (confidence == 0)
        count = int(in_bin.sum())
        if count:
            total = total + count / n * torch.abs(correct[in_bin].sum() / count - confidence[in_bin].sum() / count)
    return total
"""),
    Correct("float64 inside, linspace edges, cast back", """
def smooth_labels(y, num_classes, epsilon, *, dtype=torch.float32):
    eye = torch.eye(num_classes, dtype=torch.float64)
    return (eye[y] * (1 - epsilon) + epsilon / num_classes).to(dtype)

def soft_cross_entropy(logits, targets):
    x, t = logits.double(), targets.double()
    log_probs = x - torch.logsumexp(x, dim=1, keepdim=True)
    loss = -torch.nansum(t * log_probs, dim=1)
    return loss.to(logits.dtype)

def expected_calibration_error(probs, y, num_bins=15):
    confidence, prediction = probs.max(dim=1)
    correct = (prediction == y).to(probs.dtype)
    edges = torch.linspace(0, 1, num_bins + 1, dtype=probs.dtype)
    index = torch.searchsorted(edges, confidence.contiguous()).sub(1).clamp(0, num_bins - 1)
    count = torch.bincount(index, minlength=num_bins).double()
    gap = torch.zeros(num_bins, dtype=torch.float64).index_add(0, index, (correct - confidence).double())
    return (gap.abs().sum() / len(y)).to(probs.dtype)
"""),
]

# Written for the contract's clauses (issue 12).
MUTANTS += [
    Mutant("smooth_labels counts the classes from the labels (y.max() + 1)", with_smooth("""
import torch.nn.functional as F

def smooth_labels(y, num_classes, epsilon, *, dtype=torch.float32):
    q = int(y.max()) + 1
    one_hot = F.one_hot(y, q).to(dtype)
    return (1 - epsilon) * one_hot + epsilon / q
"""), caught_by="soft_labels/smoothing"),
    Mutant("soft_cross_entropy renormalises the targets in place", with_soft_ce("""
def soft_cross_entropy(logits, targets):
    targets /= targets.sum(dim=-1, keepdim=True)
    log_probs = logits - torch.logsumexp(logits, dim=-1, keepdim=True)
    terms = targets * torch.where(targets == 0, torch.zeros_like(log_probs), log_probs)
    return -terms.sum(dim=-1)
"""), caught_by="soft_labels/contract"),
    Mutant("confidence from the maximum over the batch axis", with_ece(ECE.replace(
        "    confidence, prediction = probs.max(dim=1)\n",
        "    confidence, prediction = probs.max(dim=1)\n    confidence = probs.max(dim=0).values.max().expand_as(confidence)\n")),
        caught_by="soft_labels/ece_matches_reference"),
]

CORRECT += [
    Correct("full of epsilon / q with index_put, searchsorted on the inner edges", """
def smooth_labels(y, num_classes, epsilon, *, dtype=torch.float32):
    smoothed = torch.full((len(y), num_classes), epsilon / num_classes, dtype=dtype)
    rows = torch.arange(len(y))
    smoothed[rows, y] = 1 - epsilon + epsilon / num_classes
    return smoothed

def soft_cross_entropy(logits, targets):
    top = logits.amax(dim=-1, keepdim=True)
    log_probs = logits - top - (logits - top).exp().sum(-1, keepdim=True).log()
    return -torch.where(targets == 0, torch.zeros_like(log_probs), targets * log_probs).sum(-1)

def expected_calibration_error(probs, y, num_bins=15):
    confidence, prediction = probs.max(dim=1)
    correct = (prediction == y).to(probs.dtype)
    edges = torch.arange(num_bins + 1, dtype=probs.dtype) / num_bins
    index = torch.searchsorted(edges[1:-1].contiguous(), confidence.contiguous(), right=False)
    weights = torch.zeros(num_bins, dtype=probs.dtype).index_add(0, index, torch.ones_like(confidence))
    accuracy = torch.zeros(num_bins, dtype=probs.dtype).index_add(0, index, correct)
    mean_confidence = torch.zeros(num_bins, dtype=probs.dtype).index_add(0, index, confidence)
    filled = weights > 0
    gaps = (accuracy[filled] - mean_confidence[filled]).abs()
    return gaps.sum() / len(y)
"""),
]
MUTANTS += [
    Mutant("soft_cross_entropy flattens the logits with view(-1), which a view refuses", with_soft_ce("""
def soft_cross_entropy(logits, targets):
    x = logits.view(-1).view(logits.shape)
    log_probs = x - torch.logsumexp(x, dim=-1, keepdim=True)
    terms = targets * torch.where(targets == 0, torch.zeros_like(log_probs), log_probs)
    return -terms.sum(dim=-1)
"""), caught_by="soft_labels/soft_ce_matches_reference"),
    Mutant("ECE reads the confidences through view(-1), which a view refuses", with_ece(ECE.replace(
        "    confidence, prediction = probs.max(dim=1)\n",
        "    confidence, prediction = probs.view(-1).view(probs.shape).max(dim=1)\n")),
        caught_by="soft_labels/ece_matches_reference"),
]

CORRECT += [
    Correct("targets times (log-sum-exp minus logits), zero targets masked", SMOOTH + """
def soft_cross_entropy(logits, targets):
    lse = torch.logsumexp(logits, dim=-1, keepdim=True)
    return torch.where(targets > 0, targets * (lse - logits), torch.zeros_like(logits)).sum(-1)
""" + ECE),
]
