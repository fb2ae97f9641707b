"""Wrong and right ``likelihood`` assignments: categorical NLL, its maximiser, and the model's NLL."""

from support.corpus import Correct, Mutant

ASSIGNMENT = "likelihood"

MUTANTS = [
    # categorical_nll
    Mutant("nll: mean instead of sum", """
def categorical_nll(probs, y):
    return -torch.log(probs[y]).mean()
""", caught_by="likelihood/categorical_nll_matches_reference"),
    Mutant("nll: sign error (the log-likelihood)", """
def categorical_nll(probs, y):
    return torch.log(probs[y]).sum()
""", caught_by="likelihood/categorical_nll_matches_reference"),
    Mutant("nll: counts times log, 0 * log 0 = nan for unobserved zero classes", """
def categorical_nll(probs, y):
    counts = torch.bincount(y, minlength=len(probs)).to(probs.dtype)
    return -(counts * torch.log(probs)).sum()
""", caught_by="likelihood/categorical_nll_zero_probability"),
    Mutant("nll: Categorical(probs).log_prob, which clamps log 0 to a finite number", """
def categorical_nll(probs, y):
    return -torch.distributions.Categorical(probs=probs).log_prob(y).sum()
""", caught_by="likelihood/categorical_nll_zero_probability"),
    Mutant("nll: returns a Python float", """
def categorical_nll(probs, y):
    return -torch.log(probs[y]).sum().item()
""", caught_by="likelihood/categorical_nll_contract"),
    # categorical_mle
    Mutant("mle: counts not normalised", """
def categorical_mle(y, num_classes):
    return torch.bincount(y, minlength=num_classes).float()
""", caught_by="likelihood/categorical_mle_matches_reference"),
    Mutant("mle: bincount without minlength drops trailing unobserved classes", """
def categorical_mle(y, num_classes):
    return torch.bincount(y).float() / len(y)
""", caught_by="likelihood/categorical_mle_matches_reference"),
    Mutant("mle: off-by-one class", """
def categorical_mle(y, num_classes):
    return torch.bincount((y + 1) % num_classes, minlength=num_classes).float() / len(y)
""", caught_by="likelihood/categorical_mle_matches_reference"),
    Mutant("mle: Laplace smoothing, a probability vector but not the maximiser", """
def categorical_mle(y, num_classes):
    return (torch.bincount(y, minlength=num_classes).float() + 1) / (len(y) + num_classes)
""", caught_by="likelihood/categorical_mle_minimises_nll"),
    Mutant("mle: uniform whatever the labels", """
def categorical_mle(y, num_classes):
    return torch.full((num_classes,), 1.0 / num_classes)
""", caught_by="likelihood/categorical_mle_minimises_nll"),
    Mutant("mle: integer division", """
def categorical_mle(y, num_classes):
    return torch.bincount(y, minlength=num_classes) // len(y)
""", caught_by="likelihood/categorical_mle_minimises_nll"),
    Mutant("mle: float64", """
def categorical_mle(y, num_classes):
    return torch.bincount(y, minlength=num_classes).double() / len(y)
""", caught_by="likelihood/categorical_mle_contract"),
    Mutant("mle: sorts the labels in place", """
def categorical_mle(y, num_classes):
    y.copy_(y.sort().values)
    return torch.bincount(y, minlength=num_classes).float() / len(y)
""", caught_by="likelihood/categorical_mle_contract"),
    # model_nll
    Mutant("model: mean cross-entropy instead of the total", """
def model_nll(logits, y):
    shifted = logits - logits.amax(dim=1, keepdim=True)
    log_probs = shifted - torch.log(torch.exp(shifted).sum(dim=1, keepdim=True))
    return -log_probs[range(len(y)), y].mean()
""", caught_by="likelihood/model_nll_matches_reference"),
    Mutant("model: normalises over the wrong axis", """
def model_nll(logits, y):
    shifted = logits - logits.amax(dim=0, keepdim=True)
    log_probs = shifted - torch.log(torch.exp(shifted).sum(dim=0, keepdim=True))
    return -log_probs[range(len(y)), y].sum()
""", caught_by="likelihood/model_nll_matches_reference"),
    Mutant("model: log of probabilities, which underflow to log 0", """
def model_nll(logits, y):
    e = torch.exp(logits - logits.amax(dim=1, keepdim=True))
    return -torch.log((e / e.sum(dim=1, keepdim=True))[range(len(y)), y]).sum()
""", caught_by="likelihood/model_nll_extreme_logits"),
    Mutant("model: no max subtraction", """
def model_nll(logits, y):
    return (torch.log(torch.exp(logits).sum(dim=1)) - logits[range(len(y)), y]).sum()
""", caught_by="likelihood/model_nll_extreme_logits"),
    Mutant("model: detached from the graph", """
def model_nll(logits, y):
    x = logits.detach()
    shifted = x - x.amax(dim=1, keepdim=True)
    return (torch.log(torch.exp(shifted).sum(dim=1)) - shifted[range(len(y)), y]).sum()
""", caught_by="likelihood/model_nll_gradient"),
    Mutant("model: subtracts the max in place", """
def model_nll(logits, y):
    logits -= logits.amax(dim=1, keepdim=True).detach()
    return (torch.log(torch.exp(logits).sum(dim=1)) - logits[range(len(y)), y]).sum()
""", caught_by="likelihood/model_nll_contract"),
    Mutant("model: Categorical(logits).log_prob", """
def model_nll(logits, y):
    return -torch.distributions.Categorical(logits=logits).log_prob(y).sum()
""", caught_by="likelihood/model_nll_from_scratch"),
    Mutant("model: library F.cross_entropy with reduction='sum'", """
def model_nll(logits, y):
    return torch.nn.functional.cross_entropy(logits, y, reduction="sum")
""", caught_by="likelihood/model_nll_from_scratch"),
]

CORRECT = [
    Correct("the notebook's solution: indexing, bincount, log-sum-exp", """
def categorical_nll(probs, y):
    return -torch.log(probs[y]).sum()

def categorical_mle(y, num_classes):
    return torch.bincount(y, minlength=num_classes).to(torch.float32) / len(y)

def model_nll(logits, y):
    shifted = logits - logits.amax(dim=1, keepdim=True)
    log_probs = shifted - torch.log(torch.exp(shifted).sum(dim=1, keepdim=True))
    return -log_probs[torch.arange(len(y)), y].sum()
"""),
    Correct("counts with xlogy, one-hot mean, gather", """
import torch.nn.functional as F

def categorical_nll(probs, y):
    counts = torch.bincount(y, minlength=probs.shape[0]).to(probs.dtype)
    return -torch.special.xlogy(counts, probs).sum()

def categorical_mle(y, num_classes):
    return F.one_hot(y, num_classes).float().mean(dim=0)

def model_nll(logits, y):
    m = logits.max(dim=1, keepdim=True).values
    lse = m + torch.log(torch.exp(logits - m).sum(dim=1, keepdim=True))
    return (lse - logits.gather(1, y.unsqueeze(1))).sum()
"""),
    Correct("loops, float64 inside", """
import math

def categorical_nll(probs, y):
    total = torch.zeros((), dtype=torch.float64)
    for label in y:
        total = total - torch.log(probs[label].double())
    return total.to(probs.dtype)

def categorical_mle(y, num_classes):
    counts = [0] * num_classes
    for label in y.tolist():
        counts[label] += 1
    return torch.tensor([c / len(y) for c in counts], dtype=torch.float32)

def model_nll(logits, y):
    total = torch.zeros((), dtype=torch.float64)
    for row, label in zip(logits.double(), y):
        c = row.max()
        total = total + c + torch.log(torch.exp(row - c).sum()) - row[label]
    return total.to(logits.dtype)
"""),
    Correct("einsum with one-hot labels, comparisons for counting", """
import torch.nn.functional as F

def categorical_nll(probs, y):
    counts = (y.unsqueeze(1) == torch.arange(len(probs))).sum(dim=0)
    observed = counts > 0
    return -(counts[observed].to(probs.dtype) * torch.log(probs[observed])).sum()

def categorical_mle(y, num_classes):
    counts = (y.unsqueeze(1) == torch.arange(num_classes)).sum(dim=0)
    return counts.float() / counts.sum()

def model_nll(logits, y):
    c = logits.detach().amax(dim=1, keepdim=True)
    log_probs = logits - c - torch.log(torch.exp(logits - c).sum(dim=1, keepdim=True))
    one_hot = F.one_hot(y, logits.shape[1])
    picked = log_probs.masked_fill(one_hot == 0, 0.0)  # -inf at wrong classes must not meet a 0
    return -torch.einsum("nq,nq->", one_hot.to(logits.dtype), picked)
"""),
]

# Written for the contract's clauses and regimes (issue 12).
MUTANTS += [
    Mutant("nll: each observed class counted once (unique labels)", """
def categorical_nll(probs, y):
    return -torch.log(probs[torch.unique(y)]).sum()
""", caught_by="likelihood/categorical_nll_matches_reference"),
    Mutant("mle: counts divided by the number of classes", """
def categorical_mle(y, num_classes):
    return torch.bincount(y, minlength=num_classes).to(torch.float32) / num_classes
""", caught_by="likelihood/categorical_mle_matches_reference"),
    Mutant("model: float32 whatever the logits' dtype", """
def model_nll(logits, y):
    x = logits.float()
    shifted = x - x.amax(dim=1, keepdim=True)
    log_probs = shifted - torch.log(torch.exp(shifted).sum(dim=1, keepdim=True))
    return -log_probs[torch.arange(len(y)), y].sum()
""", caught_by="likelihood/model_nll_contract"),
]

CORRECT += [
    Correct("index_select, scatter_add counts, take_along_dim", """
def categorical_nll(probs, y):
    return -probs.index_select(0, y).log().sum()

def categorical_mle(y, num_classes):
    counts = torch.zeros(num_classes).scatter_add(0, y, torch.ones(len(y)))
    return counts / counts.sum()

def model_nll(logits, y):
    top = logits.max(dim=1, keepdim=True).values
    lse = top.squeeze(1) + (logits - top).exp().sum(dim=1).log()
    return (lse - logits.take_along_dim(y[:, None], dim=1).squeeze(1)).sum()
"""),
]

# Written for the batch matrix (issue 12).
MUTANTS += [
    Mutant("model: reads the true logits through logits.view(-1), which a view refuses", """
def model_nll(logits, y):
    n, q = logits.shape
    true = logits.view(-1)[torch.arange(n) * q + y]
    top = logits.amax(dim=1)
    return (top + torch.log(torch.exp(logits - top[:, None]).sum(dim=1)) - true).sum()
""", caught_by="likelihood/model_nll_matches_reference"),
]

CORRECT += [
    Correct("log-probabilities picked by a one-hot mask, float16 computed in float32 and cast back", """
def categorical_nll(probs, y):
    return -torch.log(probs)[y].sum()

def categorical_mle(y, num_classes):
    return (y[:, None] == torch.arange(num_classes)).to(torch.float32).mean(dim=0)

def model_nll(logits, y):
    x = logits.float() if logits.dtype == torch.float16 else logits
    log_probs = x - x.amax(1, keepdim=True)
    log_probs = log_probs - log_probs.exp().sum(1, keepdim=True).log()
    picked = torch.nn.functional.one_hot(y, x.shape[1]).bool()
    return -torch.where(picked, log_probs, torch.zeros_like(log_probs)).sum().to(logits.dtype)
"""),
]
