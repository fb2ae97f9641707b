"""A generated class of ``training`` submissions: right ones written differently, wrong ones, slow ones.

Every submission is the model answers (the solution notebook's answer cells, markers removed)
with some answer cells replaced. :data:`MIX` repeats every ten students: six right (three
styles), three wrong and one slow (a correct ``train_epoch`` that sleeps on every batch, so its
end-to-end retraining takes tens of seconds longer but stays inside the 120 s budget).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from .scratch_course import ScratchCourse

# Right, style B: amax and gather, in-place sub_, accuracy without a temporary comparison tensor.
STYLE_B = {
    "softmax-solution": '''def softmax(X):
    shifted = X - X.amax(dim=1, keepdim=True)
    exponentials = shifted.exp()
    return exponentials / exponentials.sum(dim=1, keepdim=True)
''',
    "cross-entropy-solution": '''def cross_entropy(y_hat, y):
    picked = y_hat.gather(1, y.reshape(-1, 1)).reshape(-1)
    return -picked.log()
''',
    "sgd-solution": '''def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param.sub_(lr * param.grad / batch_size)
            param.grad.zero_()
''',
    "accuracy-solution": '''def accuracy(y_hat, y):
    if y_hat.dim() > 1 and y_hat.shape[1] > 1:
        predictions = y_hat.argmax(dim=1)
    else:
        predictions = y_hat.reshape(y.shape)
    return float((predictions.to(y.dtype) == y).sum())
''',
}

# Right, style C: explicit arange indexing, loops in Accumulator, counters in evaluate_accuracy.
STYLE_C = {
    "softmax-solution": '''def softmax(X):
    E = torch.exp(X - X.max(1, keepdim=True)[0])
    return E / E.sum(1, keepdim=True)
''',
    "cross-entropy-solution": '''def cross_entropy(y_hat, y):
    return -torch.log(y_hat[torch.arange(y_hat.shape[0]), y])
''',
    "accumulator-solution": '''class Accumulator:
    def __init__(self, n):
        self.data = [0.0 for _ in range(n)]

    def add(self, *values):
        for i, value in enumerate(values):
            self.data[i] += float(value)

    def reset(self):
        for i in range(len(self.data)):
            self.data[i] = 0.0

    def __getitem__(self, i):
        return self.data[i]
''',
    "evaluate-accuracy-solution": '''def evaluate_accuracy(net, data_iter):
    is_module = isinstance(net, torch.nn.Module)
    mode = net.training if is_module else None
    if is_module:
        net.eval()
    correct, total = 0.0, 0
    with torch.no_grad():
        for X, y in data_iter:
            correct += accuracy(net(X), y)
            total += y.numel()
    if is_module:
        net.train(mode)
    return correct / total
''',
}

WRONG_SIGN = {"sgd-solution": '''def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param += lr * param.grad / batch_size
            param.grad.zero_()

print("test accuracy: 0.99")
'''}

WRONG_SOFTMAX_DIM = {"softmax-solution": '''def softmax(X):
    X_exp = torch.exp(X - X.max())
    return X_exp / X_exp.sum(dim=0, keepdim=True)
'''}

WRONG_ACCURACY_FRACTION = {"accuracy-solution": '''def accuracy(y_hat, y):
    return float((y_hat.argmax(dim=1) == y).float().mean())
'''}

SLEEP_PER_BATCH_S = 0.02


def slow_train_epoch(sleep_s: float) -> str:
    """A correct ``train_epoch`` answer that sleeps ``sleep_s`` seconds on every batch."""
    return f'''import time

def train_epoch(net, train_iter, loss, updater):
    if isinstance(net, torch.nn.Module):
        net.train()
    metric = Accumulator(3)
    for X, y in train_iter:
        time.sleep({sleep_s})
        y_hat = net(X)
        l = loss(y_hat, y)
        if isinstance(updater, torch.optim.Optimizer):
            updater.zero_grad()
            l.mean().backward()
            updater.step()
        else:
            l.sum().backward()
            updater(X.shape[0])
        metric.add(float(l.detach().sum()), accuracy(y_hat.detach(), y), y.numel())
    return metric[0] / metric[2], metric[1] / metric[2]
'''


SLOW = {"train-epoch-solution": slow_train_epoch(SLEEP_PER_BATCH_S)}

VARIANTS: dict[str, dict[str, str]] = {
    "right-a": {}, "right-b": STYLE_B, "right-c": STYLE_C, "wrong-sign": WRONG_SIGN,
    "wrong-softmax-dim": WRONG_SOFTMAX_DIM, "wrong-accuracy": WRONG_ACCURACY_FRACTION, "slow": SLOW,
}
"""Replacements of answer cells (grade_id -> code) on top of the model answers, by kind."""

MIX = ("right-a", "wrong-sign", "right-b", "right-c", "wrong-softmax-dim", "right-a", "slow", "right-b",
       "wrong-accuracy", "right-c")
"""The kinds of students 1, 2, 3, ... (repeating): any two consecutive ones hold a right and a wrong one."""


def describe_mix() -> str:
    """The mix in words: ``"every 10 students: 6 right (right-a, ...), 3 wrong (...), 1 slow"``."""
    groups: dict[str, list[str]] = {}
    for kind in MIX:
        groups.setdefault(kind.split("-")[0], []).append(kind)
    parts = [f"{len(kinds)} {group} ({', '.join(sorted(set(kinds)))})" for group, kinds in groups.items()]
    return f"repeating every {len(MIX)} students: " + ", ".join(parts) + \
        f"; the slow one sleeps {SLEEP_PER_BATCH_S} s per batch in train_epoch"


def model_answers(solution: Path) -> dict[str, str]:
    """grade_id -> the answer in the solution notebook ``solution``, markers removed, for every answer cell."""
    answers = {}
    for cell in nbformat.read(solution, as_version=4).cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            answers[cell.metadata["nbgrader"]["grade_id"]] = re.sub(r"(?m)^ *### (BEGIN|END) SOLUTION\n?", "",
                                                                    cell.source)
    return answers


def submit_class(course: ScratchCourse, count: int) -> dict[str, str]:
    """Submit ``count`` generated students to ``course``; returns student id -> kind."""
    answers = model_answers(course.solution_path)
    students = {}
    for index in range(count):
        kind = MIX[index % len(MIX)]
        student = f"s{index + 1:03d}-{kind}"
        course.submit(student, {**answers, **VARIANTS[kind]})
        students[student] = kind
    return students
