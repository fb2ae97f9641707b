"""Wrong and right implementations of the ``training`` assignment's eight pieces.

A mutant is the d2l-style answer (``BASE``) with one piece replaced by a wrong one; a correct
variant replaces most pieces by ones written differently. Every variant also goes through the
end-to-end property, which retrains on the real Fashion-MNIST (10 epochs, seconds each), so the
lists are kept short.
"""

from support.corpus import Correct, Mutant

ASSIGNMENT = "training"

BASE = {
    "softmax": """
def softmax(X):
    X_exp = torch.exp(X - X.max(dim=1, keepdim=True).values)
    return X_exp / X_exp.sum(dim=1, keepdim=True)
""",
    "cross_entropy": """
def cross_entropy(y_hat, y):
    return -torch.log(y_hat[range(len(y_hat)), y])
""",
    "accuracy": """
def accuracy(y_hat, y):
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())
""",
    "Accumulator": """
class Accumulator:
    def __init__(self, n):
        self.data = [0.0] * n
    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]
    def reset(self):
        self.data = [0.0] * len(self.data)
    def __getitem__(self, idx):
        return self.data[idx]
""",
    "evaluate_accuracy": """
def evaluate_accuracy(net, data_iter, device=None):
    was_training = isinstance(net, torch.nn.Module) and net.training
    if isinstance(net, torch.nn.Module):
        net.eval()
    metric = Accumulator(2)
    with torch.no_grad():
        for X, y in data_iter:
            metric.add(accuracy(net(X), y), y.numel())
    if isinstance(net, torch.nn.Module):
        net.train(was_training)
    return metric[0] / metric[1]
""",
    "sgd": """
def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()
""",
    "train_epoch": """
def train_epoch(net, train_iter, loss, updater, device=None):
    if isinstance(net, torch.nn.Module):
        net.train()
    metric = Accumulator(3)
    for X, y in train_iter:
        y_hat = net(X)
        l = loss(y_hat, y)
        if isinstance(updater, torch.optim.Optimizer):
            updater.zero_grad()
            l.mean().backward()
            updater.step()
        else:
            l.sum().backward()
            updater(X.shape[0])
        metric.add(float(l.sum()), accuracy(y_hat, y), y.numel())
    return metric[0] / metric[2], metric[1] / metric[2]
""",
    "train": """
def train(net, train_iter, test_iter, loss, num_epochs, updater, device=None, on_epoch_end=None):
    history = {"train_loss": [], "train_acc": [], "test_acc": []}
    for epoch in range(num_epochs):
        train_loss, train_acc = train_epoch(net, train_iter, loss, updater)
        test_acc = evaluate_accuracy(net, test_iter)
        metrics = {"train_loss": train_loss, "train_acc": train_acc, "test_acc": test_acc}
        for key, value in metrics.items():
            history[key].append(value)
        if on_epoch_end is not None:
            on_epoch_end(epoch + 1, metrics)
    return history
""",
}


def _with(**replaced: str) -> str:
    """The base answer with some pieces replaced (by name)."""
    return "".join({**BASE, **replaced}.values())


def _edit(piece: str, old: str, new: str) -> str:
    """``BASE[piece]`` with ``old`` replaced by ``new`` (which must occur)."""
    assert old in BASE[piece], f"{old!r} is not in the base {piece}"
    return BASE[piece].replace(old, new)


MUTANTS = [
    Mutant("softmax without the max shift (the seed's): overflows to nan at scores of 1000", _with(softmax="""
def softmax(X):
    X_exp = torch.exp(X)
    return X_exp / X_exp.sum(1, keepdim=True)
"""), caught_by="training/softmax"),
    Mutant("softmax computed in float32 whatever the input's dtype", _with(softmax="""
def softmax(X):
    Z = X.float()
    E = torch.exp(Z - Z.max(dim=1, keepdim=True).values)
    return E / E.sum(dim=1, keepdim=True)
"""), caught_by="training/softmax"),
    Mutant("cross_entropy clips probabilities away from 0: a finite loss for a zero at the true class",
           _with(cross_entropy="""
def cross_entropy(y_hat, y):
    return -torch.log(y_hat[range(len(y_hat)), y].clamp(min=1e-12))
"""), caught_by="training/cross_entropy"),
    Mutant("accuracy returns the fraction, not the count", _with(accuracy="""
def accuracy(y_hat, y):
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    return float((y_hat.type(y.dtype) == y).float().mean())
"""), caught_by="training/accuracy"),
    Mutant("accuracy compares scores with labels, no argmax", _with(accuracy="""
def accuracy(y_hat, y):
    return float((y_hat.type(y.dtype) == y).sum())
"""), caught_by="training/accuracy"),
    Mutant("Accumulator.reset does nothing", _with(Accumulator=_edit(
        "Accumulator", "self.data = [0.0] * len(self.data)", "pass")), caught_by="training/accumulator"),
    Mutant("evaluate_accuracy leaves the module in eval mode (d2l)", _with(evaluate_accuracy=_edit(
        "evaluate_accuracy", "net.train(was_training)", "pass")), caught_by="training/evaluate_accuracy"),
    Mutant("evaluate_accuracy averages the batch accuracies", _with(evaluate_accuracy="""
def evaluate_accuracy(net, data_iter, device=None):
    was_training = isinstance(net, torch.nn.Module) and net.training
    if isinstance(net, torch.nn.Module):
        net.eval()
    fractions = [accuracy(net(X), y) / len(y) for X, y in data_iter]
    if isinstance(net, torch.nn.Module):
        net.train(was_training)
    return sum(fractions) / len(fractions)
"""), caught_by="training/evaluate_accuracy"),
    Mutant("evaluate_accuracy without torch.no_grad(): every batch builds a graph", _with(evaluate_accuracy=_edit(
        "evaluate_accuracy", "    with torch.no_grad():\n        for X, y in data_iter:\n"
        "            metric.add(accuracy(net(X), y), y.numel())",
        "    for X, y in data_iter:\n        metric.add(accuracy(net(X).detach(), y), y.numel())")),
        caught_by="training/evaluate_accuracy"),
    Mutant("train_epoch never switches the module to train mode", _with(train_epoch=_edit(
        "train_epoch", "    if isinstance(net, torch.nn.Module):\n        net.train()\n", "")),
        caught_by="training/train_epoch"),
    Mutant("sgd never zeroes the gradients", _with(sgd=_edit("sgd", "param.grad.zero_()", "pass")),
           caught_by="training/sgd"),
    Mutant("sgd climbs the gradient (sign error)", _with(sgd=_edit("sgd", "param -= lr", "param += lr")),
           caught_by="training/end_to_end"),
    Mutant("sgd rebinds the list entries instead of updating in place", _with(sgd="""
def sgd(params, lr, batch_size):
    for i, param in enumerate(params):
        params[i] = (param - lr * param.grad / batch_size).detach().requires_grad_()
"""), caught_by="training/sgd"),
    Mutant("sgd through torch.optim.SGD", _with(sgd="""
def sgd(params, lr, batch_size):
    optimizer = torch.optim.SGD(params, lr=lr / batch_size)
    optimizer.step()
    optimizer.zero_grad(set_to_none=False)
"""), caught_by="training/from_scratch"),
    Mutant("cross_entropy returns the batch mean: the loop learns 256 times slower", _with(cross_entropy="""
def cross_entropy(y_hat, y):
    return -torch.log(y_hat[range(len(y_hat)), y]).mean()
"""), caught_by="training/end_to_end"),
    Mutant("train_epoch sums the loss with an optimizer", _with(train_epoch=_edit(
        "train_epoch", "l.mean().backward()", "l.sum().backward()")), caught_by="training/train_epoch"),
    Mutant("train counts epochs from 0 in on_epoch_end", _with(train=_edit(
        "train", "on_epoch_end(epoch + 1, metrics)", "on_epoch_end(epoch, metrics)")), caught_by="training/train"),
]

# Pieces written differently from BASE, combined into the correct variants below.
ALTERNATIVES = {
    "softmax_logsumexp": """
def softmax(X):
    return torch.exp(X - torch.logsumexp(X, dim=1, keepdim=True))
""",
    "softmax_float64": """
def softmax(X):
    Z = X.double()
    E = (Z - Z.amax(dim=-1, keepdim=True)).exp()
    return (E / E.sum(dim=-1, keepdim=True)).to(X.dtype)
""",
    "cross_entropy_gather": """
def cross_entropy(y_hat, y):
    return -torch.log(y_hat.gather(1, y.reshape(-1, 1))).reshape(-1)
""",
    "cross_entropy_one_hot": """
def cross_entropy(y_hat, y):
    picked = (y_hat * torch.nn.functional.one_hot(y, y_hat.shape[1])).sum(dim=1)
    return -picked.log()
""",
    "accuracy_item": """
def accuracy(y_hat, y):
    predicted = y_hat.argmax(dim=1) if y_hat.ndim == 2 and y_hat.shape[1] > 1 else y_hat
    return float(predicted.reshape(-1).long().eq(y).sum().item())
""",
    "Accumulator_tensor": """
class Accumulator:
    def __init__(self, n):
        self.sums = torch.zeros(n, dtype=torch.float64)
    def add(self, *values):
        self.sums += torch.tensor([float(v) for v in values], dtype=torch.float64)
    def reset(self):
        self.sums.zero_()
    def __getitem__(self, i):
        return self.sums[i].item()
""",
    "evaluate_accuracy_finally": """
def evaluate_accuracy(net, data_iter, device=None):
    is_module = isinstance(net, torch.nn.Module)
    mode = net.training if is_module else None
    correct = total = 0
    try:
        if is_module:
            net.eval()
        with torch.no_grad():
            for X, y in data_iter:
                correct += accuracy(net(X), y)
                total += len(y)
    finally:
        if is_module:
            net.train(mode)
    return correct / total
""",
    "sgd_sub_alpha": """
def sgd(params, lr, batch_size):
    with torch.no_grad():
        for p in params:
            p.sub_(p.grad, alpha=lr / batch_size)
            p.grad = None
""",
    "sgd_data": """
def sgd(params, lr, batch_size):
    for p in params:
        p.data.add_(-lr * p.grad.data / batch_size)
        p.grad.data.mul_(0)
""",
    "train_epoch_counters": """
def train_epoch(net, train_iter, loss, updater, device=None):
    if hasattr(net, "train"):
        net.train()
    loss_sum, correct, seen = 0.0, 0.0, 0
    for X, y in train_iter:
        y_hat = net(X)
        per_example = loss(y_hat, y)
        if hasattr(updater, "step"):
            updater.zero_grad()
            per_example.mean().backward()
            updater.step()
        else:
            per_example.sum().backward()
            updater(len(X))
        loss_sum += per_example.detach().double().sum().item()
        correct += accuracy(y_hat.detach(), y)
        seen += len(y)
    return loss_sum / seen, correct / seen
""",
    "train_rows": """
def train(net, train_iter, test_iter, loss, num_epochs, updater, device=None, on_epoch_end=None):
    rows = []
    for epoch in range(1, num_epochs + 1):
        train_loss, train_acc = train_epoch(net, train_iter, loss, updater, device)
        rows.append({"train_loss": train_loss, "train_acc": train_acc,
                     "test_acc": evaluate_accuracy(net, test_iter, device)})
        if on_epoch_end:
            on_epoch_end(epoch, rows[-1])
    return {key: [row[key] for row in rows] for key in ("train_loss", "train_acc", "test_acc")}
""",
}
A = ALTERNATIVES

CORRECT = [
    Correct("d2l as written", _with()),
    Correct("logsumexp, gather, .item() counts, try/finally, sub_ with alpha", _with(
        softmax=A["softmax_logsumexp"], cross_entropy=A["cross_entropy_gather"], accuracy=A["accuracy_item"],
        evaluate_accuracy=A["evaluate_accuracy_finally"], sgd=A["sgd_sub_alpha"])),
    Correct("float64 softmax, one-hot loss, tensor sums, plain counters", _with(
        softmax=A["softmax_float64"], cross_entropy=A["cross_entropy_one_hot"], Accumulator=A["Accumulator_tensor"],
        train_epoch=A["train_epoch_counters"], train=A["train_rows"])),
    Correct("updates through .data, duck-typed updater, history from rows", _with(
        accuracy=A["accuracy_item"], sgd=A["sgd_data"], train_epoch=A["train_epoch_counters"],
        evaluate_accuracy=A["evaluate_accuracy_finally"], train=A["train_rows"])),
]

# Written for the stateful pieces' several steps (several batches, epochs, adds) and the documented
# number types (issue 12).
MUTANTS += [
    Mutant("evaluate_accuracy stops after the first batch", _with(evaluate_accuracy=_edit(
        "evaluate_accuracy", "            metric.add(accuracy(net(X), y), y.numel())\n",
        "            metric.add(accuracy(net(X), y), y.numel())\n            break\n")),
        caught_by="training/evaluate_accuracy"),
    Mutant("Accumulator.add drops its last value", _with(Accumulator=_edit(
        "Accumulator", "zip(self.data, args)", "zip(self.data, args[:-1] + (0.0,))")), caught_by="training/accumulator"),
    Mutant("train_epoch skips the update on the last, shorter batch", _with(train_epoch=_edit(
        "train_epoch", "            updater(X.shape[0])\n",
        "            if X.shape[0] == 8:\n                updater(X.shape[0])\n")), caught_by="training/train_epoch"),
    Mutant("train reports the first epoch's training loss for every epoch", _with(train=_edit(
        "train", "            history[key].append(value)\n",
        "            history[key].append(history[key][0] if key == 'train_loss' and history[key] else value)\n")),
        caught_by="training/train"),
]

CORRECT += [
    Correct("NumPy numbers where numbers are documented, inference_mode in evaluation", _with(
        accuracy="""
import numpy as np

def accuracy(y_hat, y):
    predicted = y_hat.argmax(dim=1) if y_hat.ndim > 1 and y_hat.shape[1] > 1 else y_hat.reshape(-1)
    return np.float64((predicted.to(y.dtype) == y).sum().item())
""",
        evaluate_accuracy="""
def evaluate_accuracy(net, data_iter, device=None):
    module = isinstance(net, torch.nn.Module)
    was_training = module and net.training
    if module:
        net.eval()
    right, seen = np.int64(0), np.int64(0)
    with torch.inference_mode():
        for X, y in data_iter:
            right += np.int64(accuracy(net(X), y))
            seen += np.int64(len(y))
    if module:
        net.train(was_training)
    return np.float64(right / seen)
""")),
]
