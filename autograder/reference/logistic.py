"""Reference link between logistic regression and two-class softmax regression.

Logistic regression scores an example with one logit ``z`` and predicts
``P(y = 1) = sigmoid(z)``. Softmax regression with two classes whose logits are
``[z, 0]`` predicts exactly the same thing, because
``softmax([z, 0]) = [e^z / (e^z + 1), 1 / (e^z + 1)] = [sigmoid(z), 1 - sigmoid(z)]``.

Label convention used throughout the course: **class 0 of the two-class model
is the positive label** ``y = 1`` and class 1 is ``y = 0``. So a binary label
``y`` becomes the class index ``1 - y``, and a soft label ``y`` in ``[0, 1]``
becomes the two-class target ``[y, 1 - y]``. With that convention
``cross_entropy_from_logits(two_class_logits(z), 1 - y)`` equals
``binary_cross_entropy(z, y)``.
"""

from __future__ import annotations

import torch
from torch import Tensor

from autograder.reference.activations import output_dtype

__all__ = ["two_class_logits"]


def two_class_logits(z: Tensor) -> Tensor:
    """The two-class softmax logits ``[z, 0]`` equivalent to the binary logit ``z``.

    Args:
        z: tensor of binary logits of any shape, usually ``(n,)``.

    Returns:
        Tensor of shape ``(*z.shape, 2)`` on ``z``'s device, in ``z``'s dtype for
        floating-point ``z`` (the default float dtype otherwise): entry ``[..., 0]``
        is ``z`` (the positive class, ``y = 1``) and entry ``[..., 1]`` is 0, so
        that its softmax along the last dimension is ``[sigmoid(z), 1 - sigmoid(z)]``.
        Differentiable: the gradient reaching ``z`` is that of column 0.
    """
    x = z.to(output_dtype(z))
    return torch.stack([x, torch.zeros_like(x)], dim=-1)
