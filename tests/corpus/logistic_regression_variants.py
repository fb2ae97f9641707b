"""Wrong and right ``sigmoid`` / ``binary_cross_entropy`` / ``two_class_logits`` implementations.

A mutant breaks one function and keeps correct versions of the others, so that the property
it names is the one that should catch it.
"""

from support.corpus import Correct, Mutant

ASSIGNMENT = "logistic_regression"

SIGMOID = """
def sigmoid(z):
    positive = z >= 0
    e = torch.exp(torch.where(positive, -z, z))
    return torch.where(positive, 1 / (1 + e), e / (1 + e))
"""

BCE = """
def binary_cross_entropy(logits, y):
    positive = logits >= 0
    relu = torch.where(positive, logits, torch.zeros_like(logits))
    return relu - logits * y + torch.log1p(torch.exp(torch.where(positive, -logits, logits)))
"""

TWO_CLASS = """
def two_class_logits(z):
    return torch.stack([z, torch.zeros_like(z)], dim=-1)
"""


def with_sigmoid(code: str) -> str:
    return code + BCE + TWO_CLASS


def with_bce(code: str) -> str:
    return SIGMOID + code + TWO_CLASS


def with_two_class(code: str) -> str:
    return SIGMOID + BCE + code


MUTANTS = [
    Mutant("seed sigmoid 1 / (1 + exp(-z)): nan gradient at z = -1000", with_sigmoid("""
def sigmoid(z):
    return 1 / (1 + torch.exp(-z))
"""), caught_by="logistic_regression/sigmoid_extreme"),
    Mutant("where over unbounded branches: nan gradient from the branch not taken", with_sigmoid("""
def sigmoid(z):
    return torch.where(z >= 0, 1 / (1 + torch.exp(-z)), torch.exp(z) / (1 + torch.exp(z)))
"""), caught_by="logistic_regression/sigmoid_extreme"),
    Mutant("exp(-abs(z)): gradient 0 instead of 1/4 at z = 0", with_sigmoid("""
def sigmoid(z):
    e = torch.exp(-torch.abs(z))
    return torch.where(z >= 0, 1 / (1 + e), e / (1 + e))
"""), caught_by="logistic_regression/sigmoid_gradient"),
    Mutant("sign error: 1 / (1 + exp(z))", with_sigmoid("""
def sigmoid(z):
    negative = z <= 0
    e = torch.exp(torch.where(negative, z, -z))
    return torch.where(negative, 1 / (1 + e), e / (1 + e))
"""), caught_by="logistic_regression/sigmoid_matches_reference"),
    Mutant("BCE as -log of a stable sigmoid: log(0) at z = -1000", with_bce("""
def binary_cross_entropy(logits, y):
    p = sigmoid(logits)
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p))
"""), caught_by="logistic_regression/bce_extreme"),
    Mutant("textbook max(z, 0) - z y + log1p(exp(-|z|)): wrong gradient at z = 0", with_bce("""
def binary_cross_entropy(logits, y):
    return logits.clamp(min=0) - logits * y + torch.log1p(torch.exp(-logits.abs()))
"""), caught_by="logistic_regression/bce_gradient"),
    Mutant("sign error on the z y term", with_bce("""
def binary_cross_entropy(logits, y):
    positive = logits >= 0
    relu = torch.where(positive, logits, torch.zeros_like(logits))
    return relu + logits * y + torch.log1p(torch.exp(torch.where(positive, -logits, logits)))
"""), caught_by="logistic_regression/bce_matches_reference"),
    Mutant("hard labels only: picks a branch with y > 0.5", with_bce("""
def binary_cross_entropy(logits, y):
    positive = logits >= 0
    softplus_minus = torch.where(positive, torch.zeros_like(logits), -logits) + torch.log1p(
        torch.exp(torch.where(positive, -logits, logits)))
    return torch.where(y > 0.5, softplus_minus, softplus_minus + logits)
"""), caught_by="logistic_regression/bce_matches_reference"),
    Mutant("returns the mean loss, not one per example", with_bce(BCE.replace(
        "def binary_cross_entropy", "def _per_example") + """
def binary_cross_entropy(logits, y):
    return _per_example(logits, y).mean()
"""), caught_by="logistic_regression/bce_matches_reference"),
    Mutant("turns y into 1 - y in place", with_bce("""
def binary_cross_entropy(logits, y):
    y = y.to(logits.dtype)
    y.mul_(-1).add_(1)
    positive = logits >= 0
    relu = torch.where(positive, logits, torch.zeros_like(logits))
    return relu - logits + logits * y + torch.log1p(torch.exp(torch.where(positive, -logits, logits)))
"""), caught_by="logistic_regression/contract"),
    Mutant("computes in float32 whatever the input", with_sigmoid(SIGMOID.replace(
        "def sigmoid(z):", "def sigmoid(z):\n    z = z.float()")), caught_by="logistic_regression/contract"),
    Mutant("classes swapped: [0, z]", with_two_class("""
def two_class_logits(z):
    return torch.stack([torch.zeros_like(z), z], dim=-1)
"""), caught_by="logistic_regression/two_class_logits"),
    Mutant("built from Python numbers: detached from the graph", with_two_class("""
def two_class_logits(z):
    return torch.tensor([[float(v), 0.0] for v in z], dtype=z.dtype)
"""), caught_by="logistic_regression/two_class_logits"),
    Mutant("[-z, 0]: softmax gives [1 - sigmoid, sigmoid]", with_two_class("""
def two_class_logits(z):
    return torch.stack([-z, torch.zeros_like(z)], dim=-1)
"""), caught_by="logistic_regression/equivalence"),
    Mutant("[z, -z]: softmax gives sigmoid(2 z)", with_two_class("""
def two_class_logits(z):
    return torch.stack([z, -z], dim=-1)
"""), caught_by="logistic_regression/equivalence"),
    Mutant("calls torch.sigmoid", with_sigmoid("""
def sigmoid(z):
    return torch.sigmoid(z)
"""), caught_by="logistic_regression/from_scratch"),
    Mutant("calls the library BCE through an alias", with_bce("""
import torch.nn.functional as functional
library_loss = functional.binary_cross_entropy_with_logits
def binary_cross_entropy(logits, y):
    return library_loss(logits, y, reduction="none")
"""), caught_by="logistic_regression/from_scratch"),
    Mutant("BCE through F.softplus", with_bce("""
import torch.nn.functional as F
def binary_cross_entropy(logits, y):
    return F.softplus(logits) - logits * y
"""), caught_by="logistic_regression/from_scratch"),
]

CORRECT = [
    Correct("where-selected branches, like the reference", SIGMOID + BCE + TWO_CLASS),
    Correct("logaddexp: softplus(z) = logaddexp(0, z)", """
def sigmoid(z):
    return torch.exp(-torch.logaddexp(torch.zeros_like(z), -z))

def binary_cross_entropy(logits, y):
    return torch.logaddexp(torch.zeros_like(logits), logits) - logits * y

def two_class_logits(z):
    return torch.cat([z.unsqueeze(-1), z.new_zeros(*z.shape, 1)], dim=-1)
"""),
    Correct("tanh form of the sigmoid, log-sigmoid form of the loss", """
def sigmoid(z):
    return 0.5 * (1 + torch.tanh(z / 2))

def log_sigmoid(z):
    positive = z >= 0
    return -torch.log1p(torch.exp(torch.where(positive, -z, z))) + torch.where(positive, 0 * z, z)

def binary_cross_entropy(logits, y):
    return -(y * log_sigmoid(logits) + (1 - y) * log_sigmoid(-logits))

def two_class_logits(z):
    out = z.new_zeros(z.shape[0], 2)
    out[:, 0] = z
    return out
"""),
    Correct("float64 inside, cast back; (1 - y) z + softplus(-z)", """
def _softplus(x):
    positive = x > 0
    return torch.where(positive, x, torch.zeros_like(x)) + torch.log1p(torch.exp(torch.where(positive, -x, x)))

def sigmoid(z):
    x = z.double()
    return torch.exp(-_softplus(-x)).to(z.dtype)

def binary_cross_entropy(logits, y):
    x = logits.double()
    return ((1 - y.double()) * x + _softplus(-x)).to(logits.dtype)

def two_class_logits(z):
    return torch.stack((z, z * 0), dim=1)
"""),
]

# Written for the contract's regimes, dtypes and shapes (issue 12).
MUTANTS += [
    Mutant("BCE with log1p(exp(z)): overflows to inf at z = 1000", with_bce("""
def binary_cross_entropy(logits, y):
    return torch.log1p(torch.exp(logits)) - logits * y
"""), caught_by="logistic_regression/bce_extreme"),
    Mutant("two_class_logits returns (2, n), not (n, 2)", with_two_class("""
def two_class_logits(z):
    return torch.stack([z, torch.zeros_like(z)], dim=0)
"""), caught_by="logistic_regression/two_class_logits"),
    Mutant("sigmoid returns float64 whatever the input", with_sigmoid(SIGMOID.replace(
        "    positive = z >= 0\n", "    z = z.double()\n    positive = z >= 0\n")),
        caught_by="logistic_regression/sigmoid_matches_reference"),
]

CORRECT += [
    Correct("cat of columns, softplus from logaddexp, sigmoid as exp(-softplus(-z))", """
def sigmoid(z):
    return torch.exp(-torch.logaddexp(torch.zeros_like(z), -z))

def binary_cross_entropy(logits, y):
    return torch.logaddexp(torch.zeros_like(logits), logits) - logits * y

def two_class_logits(z):
    return torch.cat([z[:, None], z.new_zeros(len(z), 1)], dim=1)
"""),
]
CORRECT += [
    Correct("sigmoid as exp(z - softplus(z)), log-sigmoid by logaddexp on both sides of the loss", """
def sigmoid(z):
    return torch.exp(z - torch.logaddexp(torch.zeros_like(z), z))

def binary_cross_entropy(logits, y):
    zero = torch.zeros_like(logits)
    return y * torch.logaddexp(zero, -logits) + (1 - y) * torch.logaddexp(zero, logits)

def two_class_logits(z):
    out = torch.zeros(*z.shape, 2, dtype=z.dtype)
    return out + torch.stack([z, torch.zeros_like(z)], dim=-1)
"""),
]
