"""Reference training utilities on a tiny, linearly separable synthetic data set."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from autograder.reference import (
    Accumulator,
    accuracy,
    cross_entropy,
    cross_entropy_from_logits,
    evaluate_accuracy,
    sgd,
    softmax,
    train,
    train_epoch,
)

Batches = list[tuple[Tensor, Tensor]]
CENTERS = torch.tensor([[0.0, 4.0], [4.0, -2.0], [-4.0, -2.0]])


def make_data(dtype: torch.dtype = torch.float32, batch_size: int = 32) -> tuple[Batches, Batches]:
    """300 points around three well-separated centres: 240 train, 60 test, as (X, y) batches."""
    gen = torch.Generator().manual_seed(0)
    y = torch.randint(0, 3, (300,), generator=gen)
    X = (CENTERS[y] + 0.5 * torch.randn(300, 2, generator=gen)).to(dtype)
    X_train, y_train = X[:240], y[:240]
    train_iter = [
        (X_train[i : i + batch_size], y_train[i : i + batch_size])
        for i in range(0, 240, batch_size)
    ]
    return train_iter, [(X[240:], y[240:])]


def scratch_params(dtype: torch.dtype = torch.float32) -> tuple[Tensor, Tensor]:
    """d2l-style parameters: W ~ N(0, 0.01^2) of shape (2, 3) and b = 0 of shape (3,)."""
    gen = torch.Generator().manual_seed(1)
    W = (0.01 * torch.randn(2, 3, generator=gen)).to(dtype).requires_grad_()
    return W, torch.zeros(3, dtype=dtype, requires_grad=True)


def linear_module() -> nn.Module:
    """A seeded ``nn.Linear(2, 3)`` (logits)."""
    torch.manual_seed(2)
    return nn.Linear(2, 3)


class ModeRecorder(nn.Module):
    """Linear model with a dropout child that records its mode and grad mode on every call."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 3)
        self.dropout = nn.Dropout(0.0)
        self.seen: list[tuple[bool, bool]] = []

    def forward(self, X: Tensor) -> Tensor:
        self.seen.append((self.training, torch.is_grad_enabled()))
        return self.dropout(self.linear(X))


# --- accuracy and Accumulator -------------------------------------------------------------


@pytest.mark.parametrize(
    "y_hat, y, expected",
    [
        (
            torch.tensor([[0.1, 0.3, 0.6], [0.5, 0.2, 0.3], [0.2, 0.7, 0.1]]),
            torch.tensor([2, 1, 1]),
            2.0,
        ),
        (torch.tensor([[0.9, 0.1]]), torch.tensor([1]), 0.0),
        (torch.tensor([2, 0, 1, 1]), torch.tensor([2, 0, 1, 0]), 3.0),
        (torch.tensor([[2.0], [0.0]]), torch.tensor([2, 1]), 1.0),
    ],
    ids=["probabilities", "single-wrong", "labels", "column-of-labels"],
)
def test_accuracy_counts_correct_predictions(y_hat: Tensor, y: Tensor, expected: float) -> None:
    out = accuracy(y_hat, y)
    assert isinstance(out, float) and out == expected


def test_accumulator_arithmetic() -> None:
    metric = Accumulator(3)
    assert len(metric) == 3 and [metric[i] for i in range(3)] == [0.0, 0.0, 0.0]
    metric.add(1.5, 2, torch.tensor(3.0))
    metric.add(0.5, 1, 4)
    assert [metric[i] for i in range(3)] == [2.0, 3.0, 7.0]
    assert all(isinstance(metric[i], float) for i in range(3))
    metric.reset()
    assert [metric[i] for i in range(3)] == [0.0, 0.0, 0.0]
    with pytest.raises(ValueError):
        metric.add(1.0, 2.0)


# --- sgd -----------------------------------------------------------------------------------


def test_sgd_updates_in_place_and_zeroes_gradients() -> None:
    W = torch.tensor([[1.0, 2.0]], requires_grad=True)
    b = torch.tensor([0.5], requires_grad=True)
    unused = torch.tensor([7.0], requires_grad=True)
    W.grad, b.grad = torch.tensor([[4.0, -8.0]]), torch.tensor([2.0])
    W_before = W
    sgd([W, b, unused], lr=0.5, batch_size=4)
    assert W is W_before and W.is_leaf and W.requires_grad and W.grad_fn is None
    torch.testing.assert_close(W.detach(), torch.tensor([[0.5, 3.0]]))
    torch.testing.assert_close(b.detach(), torch.tensor([0.25]))
    assert torch.equal(W.grad, torch.zeros(1, 2)) and torch.equal(b.grad, torch.zeros(1))
    assert unused.item() == 7.0 and unused.grad is None


# --- evaluate_accuracy ---------------------------------------------------------------------


def test_evaluate_accuracy_is_the_fraction_correct() -> None:
    train_iter, test_iter = make_data()
    net = linear_module()
    X = torch.cat([X for X, _ in train_iter])
    y = torch.cat([y for _, y in train_iter])
    with torch.no_grad():
        expected = (net(X).argmax(1) == y).double().mean().item()
    assert evaluate_accuracy(net, train_iter) == pytest.approx(expected)
    assert evaluate_accuracy(lambda X: net(X), train_iter, device="cpu") == pytest.approx(expected)
    assert evaluate_accuracy(net, train_iter, torch.device("cpu")) == pytest.approx(expected)


@pytest.mark.parametrize("parent_mode", [True, False])
def test_evaluate_accuracy_uses_eval_no_grad_and_restores_modes(parent_mode: bool) -> None:
    net = ModeRecorder()
    net.train(parent_mode)
    net.dropout.train(not parent_mode)  # a mixed configuration must come back unchanged
    evaluate_accuracy(net, make_data()[1])
    assert net.seen == [(False, False)]
    assert net.training is parent_mode and net.linear.training is parent_mode
    assert net.dropout.training is (not parent_mode)


def test_evaluate_accuracy_restores_mode_when_net_raises() -> None:
    class Broken(nn.Module):
        def forward(self, X: Tensor) -> Tensor:
            raise RuntimeError("boom")

    net = Broken()
    with pytest.raises(RuntimeError, match="boom"):
        evaluate_accuracy(net, make_data()[1])
    assert net.training


def test_evaluate_accuracy_without_examples_raises() -> None:
    with pytest.raises(ValueError):
        evaluate_accuracy(linear_module(), [])


# --- train_epoch ---------------------------------------------------------------------------


def test_train_epoch_with_sgd_matches_hand_written_loop() -> None:
    train_iter, _ = make_data(torch.float64)
    W, b = scratch_params(torch.float64)
    W_ref, b_ref = W.detach().clone().requires_grad_(), b.detach().clone().requires_grad_()
    sizes: list[int] = []

    def updater(batch_size: int) -> None:
        sizes.append(batch_size)
        sgd([W, b], lr=0.1, batch_size=batch_size)

    net = lambda X: softmax(X @ W + b)  # noqa: E731
    avg_loss, train_acc = train_epoch(net, train_iter, cross_entropy, updater)

    loss_sum = correct = 0.0
    for X, y in train_iter:
        logits = X @ W_ref + b_ref
        l = F.cross_entropy(logits, y, reduction="sum")
        loss_sum += l.item()
        correct += (logits.argmax(1) == y).sum().item()
        grads = torch.autograd.grad(l, [W_ref, b_ref])
        with torch.no_grad():
            for param, grad in zip([W_ref, b_ref], grads):
                param -= 0.1 * grad / len(y)
    assert sizes == [32] * 7 + [16]
    torch.testing.assert_close(W.detach(), W_ref.detach())
    torch.testing.assert_close(b.detach(), b_ref.detach())
    assert avg_loss == pytest.approx(loss_sum / 240) and train_acc == pytest.approx(correct / 240)


def test_train_epoch_with_optimizer_matches_hand_written_loop() -> None:
    train_iter, _ = make_data()
    net, ref = linear_module(), linear_module()
    net.eval()  # train_epoch must switch it to train mode
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    avg_loss, train_acc = train_epoch(net, train_iter, cross_entropy_from_logits, optimizer)
    assert net.training

    loss_sum = correct = 0.0
    for X, y in train_iter:
        logits = ref(X)
        l = F.cross_entropy(logits, y)
        loss_sum += l.item() * len(y)
        correct += (logits.argmax(1) == y).sum().item()
        grads = torch.autograd.grad(l, list(ref.parameters()))
        with torch.no_grad():
            for param, grad in zip(ref.parameters(), grads):
                param -= 0.1 * grad
    for ours, theirs in zip(net.parameters(), ref.parameters()):
        torch.testing.assert_close(ours, theirs)
    assert avg_loss == pytest.approx(loss_sum / 240, rel=1e-6)
    assert train_acc == pytest.approx(correct / 240)


def test_train_epoch_puts_module_in_train_mode_with_grad() -> None:
    net = ModeRecorder().eval()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    train_epoch(net, make_data()[1], cross_entropy_from_logits, optimizer)
    assert net.seen == [(True, True)]


def test_train_epoch_rejects_reduced_loss() -> None:
    net = linear_module()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="per-example"):
        train_epoch(net, make_data()[1], nn.CrossEntropyLoss(), optimizer)


# --- train ---------------------------------------------------------------------------------


def test_train_from_scratch_with_sgd_reaches_high_accuracy() -> None:
    train_iter, test_iter = make_data()
    W, b = scratch_params()
    net = lambda X: softmax(X @ W + b)  # noqa: E731
    calls: list[tuple[int, dict[str, float]]] = []
    history = train(
        net,
        train_iter,
        test_iter,
        cross_entropy,
        num_epochs=5,
        updater=lambda batch_size: sgd([W, b], lr=0.1, batch_size=batch_size),
        on_epoch_end=lambda epoch, metrics: calls.append((epoch, dict(metrics))),
    )
    assert set(history) == {"train_loss", "train_acc", "test_acc"}
    assert all(len(values) == 5 for values in history.values())
    assert history["train_acc"][-1] > 0.95 and history["test_acc"][-1] > 0.95
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert [epoch for epoch, _ in calls] == [1, 2, 3, 4, 5]
    for i, (_, metrics) in enumerate(calls):
        assert metrics == {key: values[i] for key, values in history.items()}


def test_train_with_optimizer_and_device_reaches_high_accuracy() -> None:
    train_iter, test_iter = make_data()
    net = linear_module()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.5)
    history = train(
        net, train_iter, test_iter, cross_entropy_from_logits, 3, optimizer, device="cpu"
    )
    assert history["test_acc"][-1] > 0.95
    assert history["test_acc"][-1] == evaluate_accuracy(net, test_iter)


def test_train_zero_epochs_and_one_shot_iterators() -> None:
    train_iter, test_iter = make_data()
    net = linear_module()
    calls: list[int] = []
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    history = train(
        net,
        train_iter,
        test_iter,
        cross_entropy_from_logits,
        num_epochs=0,
        updater=optimizer,
        on_epoch_end=lambda epoch, _: calls.append(epoch),
    )
    assert history == {"train_loss": [], "train_acc": [], "test_acc": []} and calls == []
    with pytest.raises(TypeError):
        train(net, iter(train_iter), test_iter, cross_entropy_from_logits, 2, optimizer)
    with pytest.raises(ValueError):
        train(net, train_iter, test_iter, cross_entropy_from_logits, -1, optimizer)
