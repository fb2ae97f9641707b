"""Reference two-class logits: softmax([z, 0]) is the sigmoid, and the two-class loss is BCE."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor

from autograder.reference import binary_cross_entropy, cross_entropy_from_logits, two_class_logits

TOL = {
    torch.float32: {"atol": 1e-5, "rtol": 1e-5},
    torch.float64: {"atol": 1e-12, "rtol": 1e-10},
}


def make_logits(n: int, dtype: torch.dtype, scale: float = 4.0, seed: int = 0) -> Tensor:
    """Reproducible ``(n,)`` binary logits in ``dtype``."""
    gen = torch.Generator().manual_seed(seed)
    return (scale * torch.randn(n, generator=gen, dtype=torch.float64)).to(dtype)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("n", [1, 7, 64])
def test_layout_is_z_then_zero(n: int, dtype: torch.dtype) -> None:
    z = make_logits(n, dtype)
    before = z.clone()
    out = two_class_logits(z)
    assert out.shape == (n, 2) and out.dtype == dtype and out.device == z.device
    assert torch.equal(out[:, 0], z) and torch.equal(out[:, 1], torch.zeros(n, dtype=dtype))
    assert torch.equal(z, before)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_softmax_of_two_class_logits_is_sigmoid_then_complement(dtype: torch.dtype) -> None:
    z = torch.cat([make_logits(20, dtype), torch.tensor([0.0, 1000.0, -1000.0], dtype=dtype)])
    probs = torch.softmax(two_class_logits(z), dim=-1)
    expected = torch.stack([torch.sigmoid(z), 1 - torch.sigmoid(z)], dim=-1)
    torch.testing.assert_close(probs, expected, **TOL[dtype])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_two_class_cross_entropy_with_label_one_minus_y_is_bce(dtype: torch.dtype) -> None:
    z = torch.cat([make_logits(30, dtype), torch.tensor([100.0, -100.0, 0.0], dtype=dtype)])
    y = torch.randint(0, 2, z.shape, generator=torch.Generator().manual_seed(1))
    two_class = cross_entropy_from_logits(two_class_logits(z), 1 - y)
    torch.testing.assert_close(two_class, binary_cross_entropy(z, y.to(dtype)), **TOL[dtype])
    torch.testing.assert_close(two_class, F.binary_cross_entropy_with_logits(z, y.to(dtype), reduction="none"),
                               **TOL[dtype])


def test_soft_targets_y_then_one_minus_y_give_bce_of_soft_labels() -> None:
    z = make_logits(25, torch.float64)
    y = torch.rand(25, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    targets = torch.stack([y, 1 - y], dim=-1)
    two_class = F.cross_entropy(two_class_logits(z), targets, reduction="none")
    torch.testing.assert_close(two_class, binary_cross_entropy(z, y), **TOL[torch.float64])


def test_gradient_reaches_z_through_column_zero_only() -> None:
    z = make_logits(6, torch.float64).requires_grad_(True)
    upstream = torch.randn(6, 2, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    two_class_logits(z).backward(upstream)
    torch.testing.assert_close(z.grad, upstream[:, 0])


def test_any_shape_and_integer_input() -> None:
    assert two_class_logits(torch.zeros(3, 4)).shape == (3, 4, 2)
    assert two_class_logits(torch.tensor(2.0)).shape == (2,)
    out = two_class_logits(torch.tensor([1, -2]))
    assert out.dtype == torch.get_default_dtype()
    assert torch.equal(out, torch.tensor([[1.0, 0.0], [-2.0, 0.0]]))
