"""Wrong and right ``cross_entropy`` assignments: log_softmax, the two losses and the gradient."""

from support.corpus import Correct, Mutant

ASSIGNMENT = "cross_entropy"

# A correct log_softmax that mutants of the other functions build on.
LOG_SOFTMAX = """
def log_softmax(logits, dim=-1):
    shifted = logits - logits.amax(dim=dim, keepdim=True)
    return shifted - torch.log(torch.exp(shifted).sum(dim=dim, keepdim=True))
"""

MUTANTS = [
    # log_softmax
    Mutant("log_softmax: no max subtraction", """
def log_softmax(logits, dim=-1):
    return logits - torch.log(torch.exp(logits).sum(dim=dim, keepdim=True))
""", caught_by="cross_entropy/log_softmax_extreme_logits"),
    Mutant("log_softmax: log of the softmax, which underflows to log 0", """
def log_softmax(logits, dim=-1):
    e = torch.exp(logits - logits.amax(dim=dim, keepdim=True))
    return torch.log(e / e.sum(dim=dim, keepdim=True))
""", caught_by="cross_entropy/log_softmax_extreme_logits"),
    Mutant("log_softmax: wrong axis, always dim 1", """
def log_softmax(logits, dim=-1):
    shifted = logits - logits.amax(dim=1, keepdim=True)
    return shifted - torch.log(torch.exp(shifted).sum(dim=1, keepdim=True))
""", caught_by="cross_entropy/log_softmax_matches_reference"),
    Mutant("log_softmax: subtracts the max twice", """
def log_softmax(logits, dim=-1):
    m = logits.amax(dim=dim, keepdim=True)
    return logits - m - torch.log(torch.exp(logits - m).sum(dim=dim, keepdim=True)) - m
""", caught_by="cross_entropy/log_softmax_matches_reference"),
    Mutant("log_softmax: in-place shift mutates the input", """
def log_softmax(logits, dim=-1):
    logits -= logits.amax(dim=dim, keepdim=True).detach()
    return logits - torch.log(torch.exp(logits).sum(dim=dim, keepdim=True))
""", caught_by="cross_entropy/log_softmax_contract"),
    Mutant("log_softmax: detached from the graph", """
def log_softmax(logits, dim=-1):
    x = logits.detach()
    shifted = x - x.amax(dim=dim, keepdim=True)
    return shifted - torch.log(torch.exp(shifted).sum(dim=dim, keepdim=True))
""", caught_by="cross_entropy/log_softmax_gradient"),
    Mutant("log_softmax: calls torch.logsumexp", """
def log_softmax(logits, dim=-1):
    return logits - torch.logsumexp(logits, dim=dim, keepdim=True)
""", caught_by="cross_entropy/log_softmax_from_scratch"),
    Mutant("log_softmax: flattens with view, which a transposed or strided input refuses", """
def log_softmax(logits, dim=-1):
    x = logits.movedim(dim, -1)
    flat = x.view(-1, x.shape[-1])
    shifted = flat - flat.amax(dim=1, keepdim=True)
    out = shifted - torch.log(torch.exp(shifted).sum(dim=1, keepdim=True))
    return out.view(x.shape).movedim(-1, dim)
""", caught_by="cross_entropy/log_softmax_matches_reference"),
    Mutant("log_softmax: a negative dim counted from 2-D (dim + 2)", """
def log_softmax(logits, dim=-1):
    axis = dim + 2 if dim < 0 else dim
    shifted = logits - logits.amax(dim=axis, keepdim=True)
    return shifted - torch.log(torch.exp(shifted).sum(dim=axis, keepdim=True))
""", caught_by="cross_entropy/log_softmax_matches_reference"),
    # cross_entropy from probabilities
    Mutant("cross_entropy: mean instead of per-example losses", """
def cross_entropy(y_hat, y):
    return -torch.log(y_hat[range(len(y_hat)), y]).mean()
""", caught_by="cross_entropy/cross_entropy_matches_reference"),
    Mutant("cross_entropy: off-by-one class", """
def cross_entropy(y_hat, y):
    return -torch.log(y_hat[range(len(y_hat)), (y + 1) % y_hat.shape[1]])
""", caught_by="cross_entropy/cross_entropy_matches_reference"),
    Mutant("cross_entropy: sign error", """
def cross_entropy(y_hat, y):
    return torch.log(y_hat[range(len(y_hat)), y])
""", caught_by="cross_entropy/cross_entropy_matches_reference"),
    Mutant("cross_entropy: one-hot times log, 0 * log 0 = nan", """
def cross_entropy(y_hat, y):
    one_hot = torch.nn.functional.one_hot(y, y_hat.shape[1]).to(y_hat.dtype)
    return -(one_hot * torch.log(y_hat)).sum(dim=1)
""", caught_by="cross_entropy/cross_entropy_zero_probabilities"),
    Mutant("cross_entropy: clips the probability, so log of zero is not inf", """
def cross_entropy(y_hat, y):
    return -torch.log(y_hat[range(len(y_hat)), y].clamp(min=1e-12))
""", caught_by="cross_entropy/cross_entropy_zero_probabilities"),
    Mutant("cross_entropy: takes log in place", """
def cross_entropy(y_hat, y):
    return -y_hat.log_()[range(len(y_hat)), y]
""", caught_by="cross_entropy/cross_entropy_contract"),
    Mutant("cross_entropy: always float32", """
def cross_entropy(y_hat, y):
    return -torch.log(y_hat[range(len(y_hat)), y].float())
""", caught_by="cross_entropy/cross_entropy_contract"),
    Mutant("cross_entropy: library nll_loss", """
def cross_entropy(y_hat, y):
    return torch.nn.functional.nll_loss(torch.log(y_hat), y, reduction="none")
""", caught_by="cross_entropy/cross_entropy_from_scratch"),
    # cross_entropy_from_logits
    Mutant("from_logits: exp then log (the seed's loss on softmax)", """
def cross_entropy_from_logits(logits, y):
    e = torch.exp(logits - logits.amax(dim=1, keepdim=True))
    return -torch.log((e / e.sum(dim=1, keepdim=True))[range(len(y)), y])
""", caught_by="cross_entropy/cross_entropy_from_logits_extreme_logits"),
    Mutant("from_logits: normalises over the batch axis", LOG_SOFTMAX + """
def cross_entropy_from_logits(logits, y):
    return -log_softmax(logits, dim=0)[range(len(y)), y]
""", caught_by="cross_entropy/cross_entropy_from_logits_matches_reference"),
    Mutant("from_logits: subtracts the max in place", """
def cross_entropy_from_logits(logits, y):
    logits.sub_(logits.amax(dim=1, keepdim=True))
    return -(logits - torch.log(torch.exp(logits).sum(dim=1, keepdim=True)))[range(len(y)), y]
""", caught_by="cross_entropy/cross_entropy_from_logits_contract"),
    Mutant("from_logits: goes through numpy", """
def cross_entropy_from_logits(logits, y):
    import numpy as np
    x = logits.detach().numpy()
    x = x - x.max(axis=1, keepdims=True)
    losses = np.log(np.exp(x).sum(axis=1)) - x[np.arange(len(x)), y.numpy()]
    return torch.from_numpy(losses)
""", caught_by="cross_entropy/cross_entropy_from_logits_gradient"),
    Mutant("from_logits: nan_to_num turns -inf at the true class into a loss of 0", LOG_SOFTMAX + """
def cross_entropy_from_logits(logits, y):
    one_hot = torch.nn.functional.one_hot(y, logits.shape[1]).to(logits.dtype)
    return -torch.einsum("nq,nq->n", one_hot, log_softmax(logits, dim=-1).nan_to_num(neginf=0.0))
""", caught_by="cross_entropy/cross_entropy_from_logits_extreme_logits"),
    Mutant("from_logits: clamps the log-probabilities, a finite loss at a true class of -inf", LOG_SOFTMAX + """
def cross_entropy_from_logits(logits, y):
    return -log_softmax(logits, dim=1).clamp(min=-1e4)[range(len(y)), y]
""", caught_by="cross_entropy/cross_entropy_from_logits_extreme_logits"),
    Mutant("from_logits: library F.cross_entropy", """
def cross_entropy_from_logits(logits, y):
    return torch.nn.functional.cross_entropy(logits, y, reduction="none")
""", caught_by="cross_entropy/cross_entropy_from_logits_from_scratch"),
    # softmax_cross_entropy_grad
    Mutant("grad: sign error (one-hot minus softmax)", LOG_SOFTMAX + """
def softmax_cross_entropy_grad(logits, y):
    one_hot = torch.nn.functional.one_hot(y, logits.shape[1]).to(logits.dtype)
    return one_hot - torch.exp(log_softmax(logits, dim=1))
""", caught_by="cross_entropy/softmax_cross_entropy_grad_matches_reference"),
    Mutant("grad: gradient of the mean loss (divides by n)", LOG_SOFTMAX + """
def softmax_cross_entropy_grad(logits, y):
    one_hot = torch.nn.functional.one_hot(y, logits.shape[1]).to(logits.dtype)
    return (torch.exp(log_softmax(logits, dim=1)) - one_hot) / len(y)
""", caught_by="cross_entropy/softmax_cross_entropy_grad_gradcheck"),
    Mutant("grad: forgets the one-hot", LOG_SOFTMAX + """
def softmax_cross_entropy_grad(logits, y):
    return torch.exp(log_softmax(logits, dim=1))
""", caught_by="cross_entropy/softmax_cross_entropy_grad_gradcheck"),
    Mutant("grad: asks autograd", LOG_SOFTMAX + """
def softmax_cross_entropy_grad(logits, y):
    z = logits.detach().requires_grad_(True)
    loss = -log_softmax(z, dim=1)[range(len(y)), y].sum()
    (grad,) = torch.autograd.grad(loss, z)
    return grad
""", caught_by="cross_entropy/softmax_cross_entropy_grad_by_hand"),
    Mutant("grad: asks autograd through backward(), under enable_grad", LOG_SOFTMAX + """
def softmax_cross_entropy_grad(logits, y):
    with torch.enable_grad():
        z = logits.detach().requires_grad_(True)
        (-log_softmax(z, dim=1)[range(len(y)), y].sum()).backward()
    return z.grad
""", caught_by="cross_entropy/softmax_cross_entropy_grad_by_hand"),
    Mutant("grad: torch.func.grad, which ignores an outer no_grad", LOG_SOFTMAX + """
def softmax_cross_entropy_grad(logits, y):
    summed = lambda z: -log_softmax(z, dim=1)[range(len(y)), y].sum()
    return torch.func.grad(summed)(logits)
""", caught_by="cross_entropy/softmax_cross_entropy_grad_by_hand"),
    Mutant("grad: library softmax", """
def softmax_cross_entropy_grad(logits, y):
    one_hot = torch.nn.functional.one_hot(y, logits.shape[1]).to(logits.dtype)
    return torch.softmax(logits, dim=1) - one_hot
""", caught_by="cross_entropy/softmax_cross_entropy_grad_by_hand"),
    Mutant("grad: subtracts the one-hot in place from the logits", LOG_SOFTMAX + """
def softmax_cross_entropy_grad(logits, y):
    probs = torch.exp(log_softmax(logits, dim=1))
    logits.zero_()
    logits[range(len(y)), y] = 1
    return probs - logits
""", caught_by="cross_entropy/softmax_cross_entropy_grad_contract"),
]

CORRECT = [
    Correct("the notebook's solution: amax, gather, one-hot", LOG_SOFTMAX + """
def cross_entropy(y_hat, y):
    return -torch.log(y_hat[range(len(y_hat)), y])

def cross_entropy_from_logits(logits, y):
    return -log_softmax(logits, dim=1).gather(1, y.unsqueeze(1)).squeeze(1)

def softmax_cross_entropy_grad(logits, y):
    one_hot = torch.nn.functional.one_hot(y, logits.shape[1]).to(logits.dtype)
    return torch.exp(log_softmax(logits, dim=1)) - one_hot
"""),
    Correct("max().values, a boolean mask and torch.where", """
def log_softmax(logits, dim=-1):
    m = logits.max(dim=dim, keepdim=True).values
    return logits - (m + (logits - m).exp().sum(dim=dim, keepdim=True).log())

def cross_entropy(y_hat, y):
    mask = torch.arange(y_hat.shape[1]) == y.unsqueeze(1)
    return -torch.where(mask, y_hat, torch.ones_like(y_hat)).log().sum(dim=1)

def cross_entropy_from_logits(logits, y):
    mask = torch.arange(logits.shape[1]) == y.unsqueeze(1)
    return -torch.where(mask, log_softmax(logits, dim=1), torch.zeros_like(logits)).sum(dim=1)

def softmax_cross_entropy_grad(logits, y):
    mask = torch.arange(logits.shape[1]) == y.unsqueeze(1)
    return log_softmax(logits, dim=1).exp() - mask.to(logits.dtype)
"""),
    Correct("loops over examples, float64 inside", """
def log_softmax(logits, dim=-1):
    x = logits.movedim(dim, -1)
    flat, rows = x.reshape(-1, x.shape[-1]), []
    for row in flat:
        r = row.double()
        rows.append(r - r.max() - torch.log(torch.sum(torch.exp(r - r.max()))))
    return torch.stack(rows).to(logits.dtype).reshape(x.shape).movedim(-1, dim)

def cross_entropy(y_hat, y):
    return torch.stack([-torch.log(y_hat[i, y[i]]) for i in range(len(y))])

def cross_entropy_from_logits(logits, y):
    log_probs = log_softmax(logits)
    return torch.stack([-log_probs[i, y[i]] for i in range(len(y))])

def softmax_cross_entropy_grad(logits, y):
    grad = torch.exp(log_softmax(logits))
    rows = [grad[i] - (torch.arange(logits.shape[1]) == y[i]).to(grad.dtype) for i in range(len(y))]
    return torch.stack(rows)
"""),
    Correct("einsum with one-hot labels, log-sum-exp written out", """
import torch.nn.functional as F

def log_softmax(logits, dim=-1):
    c = logits.amax(dim=dim, keepdim=True).detach()
    lse = c + torch.log(torch.sum(torch.exp(logits - c), dim=dim, keepdim=True))
    return logits - lse

def cross_entropy(y_hat, y):
    picked = torch.einsum("nq,nq->n", F.one_hot(y, y_hat.shape[1]).to(y_hat.dtype), y_hat)
    return -torch.log(picked)

def cross_entropy_from_logits(logits, y):
    one_hot = F.one_hot(y, logits.shape[1]).to(logits.dtype)
    picked = log_softmax(logits, dim=-1).masked_fill(one_hot == 0, 0.0)
    return -torch.einsum("nq,nq->n", one_hot, picked)

def softmax_cross_entropy_grad(logits, y):
    probs = torch.exp(log_softmax(logits, dim=1))
    grad = probs.clone()
    grad[torch.arange(len(y)), y] -= 1
    return grad
"""),
]

# Written for the case matrix, the contract's edge cases and every route to a derivative (issue 12).
MUTANTS += [
    Mutant("log_softmax: log-sum-exp without keepdim, unsqueezed at the end", """
def log_softmax(logits, dim=-1):
    shifted = logits - logits.amax(dim=dim, keepdim=True)
    return shifted - torch.log(torch.exp(shifted).sum(dim=dim)).unsqueeze(-1)
""", caught_by="cross_entropy/log_softmax_matches_reference"),
    Mutant("log_softmax: returns float32 for a float16 input", """
def log_softmax(logits, dim=-1):
    x = logits.float() if logits.dtype == torch.float16 else logits
    shifted = x - x.amax(dim=dim, keepdim=True)
    return shifted - torch.log(torch.exp(shifted).sum(dim=dim, keepdim=True))
""", caught_by="cross_entropy/log_softmax_contract"),
    Mutant("cross_entropy: gathers along the batch axis", LOG_SOFTMAX + """
def cross_entropy(y_hat, y):
    return -torch.log(y_hat.gather(0, y.unsqueeze(0)).squeeze(0))
""", caught_by="cross_entropy/cross_entropy_matches_reference"),
    Mutant("from_logits: subtracts the mean logit, not the max", LOG_SOFTMAX + """
def cross_entropy_from_logits(logits, y):
    shifted = logits - logits.mean(dim=1, keepdim=True)
    lse = torch.log(torch.exp(shifted).sum(dim=1))
    return lse - shifted[torch.arange(len(y)), y]
""", caught_by="cross_entropy/cross_entropy_from_logits_extreme_logits"),
    Mutant("grad: torch.func.jacfwd (forward-mode autograd)", LOG_SOFTMAX + """
def softmax_cross_entropy_grad(logits, y):
    def loss(x):
        return -log_softmax(x, dim=1)[torch.arange(len(y)), y].sum()
    return torch.func.jacfwd(loss)(logits)
""", caught_by="cross_entropy/softmax_cross_entropy_grad_by_hand"),
    Mutant("grad: dual numbers of torch.autograd.forward_ad, one column at a time", LOG_SOFTMAX + """
import torch.autograd.forward_ad as fwAD

def softmax_cross_entropy_grad(logits, y):
    grad = torch.zeros_like(logits)
    for j in range(logits.shape[1]):
        tangent = torch.zeros_like(logits)
        tangent[:, j] = 1
        with fwAD.dual_level():
            x = fwAD.make_dual(logits, tangent)
            per_example = -log_softmax(x, dim=1)[torch.arange(len(y)), y]
            grad[:, j] = fwAD.unpack_dual(per_example).tangent
    return grad
""", caught_by="cross_entropy/softmax_cross_entropy_grad_by_hand"),
]

CORRECT += [
    Correct("movedim, take_along_dim, scatter into zeros", """
def log_softmax(logits, dim=-1):
    x = logits.movedim(dim, -1)
    top = x.max(dim=-1, keepdim=True).values
    return (x - top - (x - top).exp().sum(-1, keepdim=True).log()).movedim(-1, dim)

def cross_entropy(y_hat, y):
    return -y_hat.take_along_dim(y[:, None], dim=1).squeeze(1).log()

def cross_entropy_from_logits(logits, y):
    return -log_softmax(logits, dim=1).take_along_dim(y[:, None], dim=1).squeeze(1)

def softmax_cross_entropy_grad(logits, y):
    probs = log_softmax(logits, dim=1).exp()
    one_hot = torch.zeros_like(probs).scatter(1, y[:, None], 1.0)
    return probs - one_hot
"""),
    Correct("log-probabilities by subtraction of a hand-made log-sum-exp, index_select per row", """
def log_softmax(logits, dim=-1):
    top = logits.amax(dim=dim, keepdim=True)
    lse = top + torch.log(torch.sum(torch.exp(logits - top), dim=dim, keepdim=True))
    return logits - lse

def cross_entropy(y_hat, y):
    rows = torch.arange(y_hat.shape[0])
    return -torch.log(y_hat[rows, y])

def cross_entropy_from_logits(logits, y):
    rows = torch.arange(logits.shape[0])
    return -(logits - logits.amax(1, keepdim=True))[rows, y] + torch.log(
        torch.exp(logits - logits.amax(1, keepdim=True)).sum(1))

def softmax_cross_entropy_grad(logits, y):
    e = torch.exp(logits - logits.amax(1, keepdim=True))
    grad = e / e.sum(1, keepdim=True)
    return grad - torch.nn.functional.one_hot(y, logits.shape[1]).to(logits.dtype)
"""),
]

# Written for the batch matrix: views of the scores, one example, 257 examples (issue 12).
MUTANTS += [
    Mutant("cross_entropy: picks the true class from y_hat.view(-1), which a view refuses", LOG_SOFTMAX + """
def cross_entropy(y_hat, y):
    n, q = y_hat.shape
    return -torch.log(y_hat.view(-1)[torch.arange(n) * q + y])
""", caught_by="cross_entropy/cross_entropy_matches_reference"),
    Mutant("from_logits: flat offsets into the storage, as if rows were contiguous", LOG_SOFTMAX + """
def cross_entropy_from_logits(logits, y):
    n, q = logits.shape
    flat = torch.as_strided(log_softmax(logits, dim=1), (n * q,), (1,))
    return -flat[torch.arange(n) * q + y]
""", caught_by="cross_entropy/cross_entropy_from_logits_matches_reference"),
]

CORRECT += [
    Correct("the diagonal of y_hat[:, y], log-probabilities by logsumexp written out", """
def log_softmax(logits, dim=-1):
    top = logits.amax(dim=dim, keepdim=True)
    return logits - top - torch.log(torch.exp(logits - top).sum(dim=dim, keepdim=True))

def cross_entropy(y_hat, y):
    return -torch.diagonal(y_hat[:, y]).log()

def cross_entropy_from_logits(logits, y):
    return -torch.diagonal(log_softmax(logits, dim=1)[:, y])

def softmax_cross_entropy_grad(logits, y):
    grad = torch.exp(log_softmax(logits, dim=1))
    return grad - (torch.arange(logits.shape[1]) == y[:, None]).to(logits.dtype)
"""),
]
