"""Wrong and right ``softmax`` implementations."""

from support.corpus import Correct, Mutant

ASSIGNMENT = "softmax"

MUTANTS = [
    Mutant("divides by the largest exponential, not the sum", """
def softmax(logits, dim=-1):
    e = torch.exp(logits - logits.amax(dim, keepdim=True))
    return e / e.amax(dim, keepdim=True)
""", caught_by="softmax/basics"),
    Mutant("seed: no max subtraction", """
def softmax(logits, dim=-1):
    e = torch.exp(logits)
    return e / e.sum(dim, keepdim=True)
""", caught_by="softmax/extreme_logits"),
    Mutant("wrong axis: always normalises dim 0", """
def softmax(logits, dim=-1):
    e = torch.exp(logits - logits.amax(dim, keepdim=True))
    return e / e.sum(0, keepdim=True)
""", caught_by="softmax/matches_reference"),
    Mutant("subtracts the mean, not the max", """
def softmax(logits, dim=-1):
    e = torch.exp(logits - logits.mean(dim, keepdim=True))
    return e / e.sum(dim, keepdim=True)
""", caught_by="softmax/extreme_logits"),
    Mutant("in-place shift mutates the input", """
def softmax(logits, dim=-1):
    logits -= logits.amax(dim, keepdim=True).detach()
    e = torch.exp(logits)
    return e / e.sum(dim, keepdim=True)
""", caught_by="softmax/contract"),
    Mutant("returns float32 whatever the input", """
def softmax(logits, dim=-1):
    x = logits.float()
    e = torch.exp(x - x.amax(dim, keepdim=True))
    return e / e.sum(dim, keepdim=True)
""", caught_by="softmax/contract"),
    Mutant("detached from the graph", """
def softmax(logits, dim=-1):
    x = logits.detach()
    e = torch.exp(x - x.amax(dim, keepdim=True))
    return e / e.sum(dim, keepdim=True)
""", caught_by="softmax/gradient"),
    Mutant("calls the library through an alias", """
import torch.nn.functional as functional
normalise = functional.softmax
def softmax(logits, dim=-1):
    return normalise(logits, dim=dim)  # torch.softmax would be caught the same way
""", caught_by="softmax/from_scratch"),
    Mutant("goes through numpy", """
def softmax(logits, dim=-1):
    import numpy as np
    x = logits.detach().numpy()
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return torch.from_numpy(e / e.sum(axis=dim, keepdims=True))
""", caught_by="softmax/gradient"),
    Mutant("log-space without exp at the end", """
def softmax(logits, dim=-1):
    return logits - torch.logsumexp(logits, dim, keepdim=True)
""", caught_by="softmax/matches_reference"),
]

# The matrix's classes: ranks, dims, layouts, sizes and float16.
MUTANTS += [
    Mutant("flattens with view(-1, q): fails on a transposed or strided input", """
def softmax(logits, dim=-1):
    x = logits.movedim(dim, -1)
    flat = x.view(-1, x.shape[-1])
    e = torch.exp(flat - flat.amax(dim=1, keepdim=True))
    return (e / e.sum(dim=1, keepdim=True)).view(x.shape).movedim(-1, dim)
""", caught_by="softmax/matches_reference"),
    Mutant("assumes a batch: normalises dim 1 whenever dim is not the last", """
def softmax(logits, dim=-1):
    axis = -1 if dim in (-1, logits.dim() - 1) else 1
    e = torch.exp(logits - logits.amax(dim=axis, keepdim=True))
    return e / e.sum(dim=axis, keepdim=True)
""", caught_by="softmax/matches_reference"),
    Mutant("turns a negative dim into dim + 2 (right for 2-D only)", """
def softmax(logits, dim=-1):
    axis = dim + 2 if dim < 0 else dim
    e = torch.exp(logits - logits.amax(dim=axis, keepdim=True))
    return e / e.sum(dim=axis, keepdim=True)
""", caught_by="softmax/matches_reference"),
    Mutant("rank 1 treated as a batch of scalars (softmax of each entry alone)", """
def softmax(logits, dim=-1):
    if logits.dim() == 1:
        return torch.ones_like(logits)
    e = torch.exp(logits - logits.amax(dim=dim, keepdim=True))
    return e / e.sum(dim=dim, keepdim=True)
""", caught_by="softmax/matches_reference"),
    Mutant("sums at most 8 entries along dim: long rows come out wrong", """
def softmax(logits, dim=-1):
    e = torch.exp(logits - logits.amax(dim=dim, keepdim=True))
    total = e.narrow(dim, 0, 1).clone()
    for k in range(1, min(e.shape[dim], 8)):
        total = total + e.narrow(dim, k, 1)
    return e / total
""", caught_by="softmax/matches_reference"),
    Mutant("max over the whole tensor, then a sum along dim: 0/0 where a slice is far below the max", """
def softmax(logits, dim=-1):
    e = torch.exp(logits - logits.max())
    return e / e.sum(dim=dim, keepdim=True)
""", caught_by="softmax/extreme_logits"),
]

CORRECT = [
    Correct("computes in float16 when given float16 (no upcast)", """
def softmax(logits, dim=-1):
    shifted = logits - logits.amax(dim=dim, keepdim=True)
    e = shifted.exp()
    return e / e.sum(dim=dim, keepdim=True)
"""),
    Correct("contiguous copy, transpose to last, reshape", """
def softmax(logits, dim=-1):
    d = dim % logits.dim()
    x = logits.transpose(d, -1).contiguous()
    flat = x.view(-1, x.shape[-1])
    e = torch.exp(flat - flat.max(dim=1, keepdim=True).values)
    return (e / e.sum(dim=1, keepdim=True)).view(x.shape).transpose(d, -1)
"""),
    Correct("amax and broadcasting", """
def softmax(logits, dim=-1):
    e = torch.exp(logits - logits.amax(dim=dim, keepdim=True))
    return e / e.sum(dim=dim, keepdim=True)
"""),
    Correct("logsumexp", """
def softmax(logits, dim=-1):
    return torch.exp(logits - torch.logsumexp(logits, dim=dim, keepdim=True))
"""),
    Correct("float64 inside, cast back", """
def softmax(logits, dim=-1):
    x = logits.double()
    e = (x - x.max(dim=dim, keepdim=True).values).exp()
    return (e / e.sum(dim=dim, keepdim=True)).to(logits.dtype)
"""),
    Correct("moves dim last and loops over rows", """
def softmax(logits, dim=-1):
    x = logits.movedim(dim, -1)
    flat = x.reshape(-1, x.shape[-1])
    rows = []
    for row in flat:
        e = torch.exp(row - row.max())
        rows.append(e / e.sum())
    return torch.stack(rows).reshape(x.shape).movedim(-1, dim)
"""),
]

# Written for the case matrix and the contract's clauses (issue 12): dims, layouts, regimes, dtypes.
MUTANTS += [
    Mutant("normalises the last dimension whatever dim says", """
def softmax(logits, dim=-1):
    e = torch.exp(logits - logits.amax(-1, keepdim=True))
    return e / e.sum(-1, keepdim=True)
""", caught_by="softmax/matches_reference"),
    Mutant("keepdim=False, then unsqueeze(-1): right only when dim is the last", """
def softmax(logits, dim=-1):
    e = torch.exp(logits - logits.amax(dim, keepdim=True))
    total = e.sum(dim)
    return e / (total.unsqueeze(-1) if logits.dim() > 1 else total)
""", caught_by="softmax/matches_reference"),
    Mutant("shifts and exponentiates the input in place (sub_, exp_)", """
def softmax(logits, dim=-1):
    e = logits.sub_(logits.amax(dim, keepdim=True)).exp_()
    return e / e.sum(dim, keepdim=True)
""", caught_by="softmax/contract"),
    Mutant("clamps the logits to +-80 so that exp cannot overflow", """
def softmax(logits, dim=-1):
    e = torch.exp(logits.clamp(-80, 80))
    return e / e.sum(dim, keepdim=True)
""", caught_by="softmax/extreme_logits"),
    Mutant("exp2 instead of exp", """
def softmax(logits, dim=-1):
    e = torch.exp2(logits - logits.amax(dim, keepdim=True))
    return e / e.sum(dim, keepdim=True)
""", caught_by="softmax/matches_reference"),
]

CORRECT += [
    Correct("movedim to the end, max().values, movedim back", """
def softmax(logits, dim=-1):
    x = logits.movedim(dim, -1)
    e = torch.exp(x - x.max(dim=-1).values.unsqueeze(-1))
    return (e / e.sum(-1, keepdim=True)).movedim(-1, dim)
"""),
    Correct("reciprocal of the sum times the exponentials", """
def softmax(logits, dim=-1):
    e = (logits - logits.amax(dim=dim, keepdim=True)).exp()
    return e * e.sum(dim=dim, keepdim=True).reciprocal()
"""),
    Correct("exp of x minus a log-sum-exp written out", """
def softmax(logits, dim=-1):
    top = logits.amax(dim, keepdim=True)
    return torch.exp(logits - top - torch.log(torch.exp(logits - top).sum(dim, keepdim=True)))
"""),
]
CORRECT += [
    Correct("max without keepdim, unsqueezed back at dim", """
def softmax(logits, dim=-1):
    top = logits.max(dim).values.unsqueeze(dim)
    e = torch.exp(logits - top)
    return e / e.sum(dim).unsqueeze(dim)
"""),
]
