"""Figures of the data chapter: labelled examples of every class and the class balance.

The two figure functions return a ``matplotlib.figure.Figure``; the chapter shows it with
``plt.show()``. They only draw what they are given: every number comes from the caller.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

__all__ = ["class_balance_figure", "example_grid", "first_of_each_class", "mosaic"]


def first_of_each_class(labels: torch.Tensor, num_classes: int, per_class: int) -> torch.Tensor:
    """Indices of the first ``per_class`` examples of every class.

    Args:
        labels: ``(N,)`` integer tensor of class indices in ``[0, num_classes)``.
        num_classes: number of classes ``q``.
        per_class: examples wanted per class.

    Returns:
        ``(per_class, num_classes)`` int64 tensor; column ``j`` holds indices of class ``j``.
    """
    columns = []
    for j in range(num_classes):
        found = torch.nonzero(labels == j).flatten()[:per_class]
        if len(found) < per_class:
            raise ValueError(f"class {j} has only {len(found)} examples, wanted {per_class}")
        columns.append(found)
    return torch.stack(columns, dim=1)


def mosaic(images: torch.Tensor, rows: int, cols: int, gap: int = 2) -> torch.Tensor:
    """Tile ``rows * cols`` images into one picture, with ``gap`` blank pixels between them.

    Args:
        images: ``(rows * cols, H, W)`` tensor (any real dtype), filled row by row.

    Returns:
        ``(rows * H + (rows - 1) * gap, cols * W + (cols - 1) * gap)`` float32 tensor; the
        gaps are 0 (blank).
    """
    n, h, w = images.shape
    if n != rows * cols:
        raise ValueError(f"{n} images do not fill a {rows} x {cols} mosaic")
    canvas = torch.zeros(rows * h + (rows - 1) * gap, cols * w + (cols - 1) * gap)
    for k in range(n):
        top, left = (k // cols) * (h + gap), (k % cols) * (w + gap)
        canvas[top:top + h, left:left + w] = images[k].to(torch.float32)
    return canvas


def example_grid(
    images: torch.Tensor,
    labels: torch.Tensor,
    class_names: Sequence[str],
    per_side: int = 2,
    panels_per_row: int = 5,
) -> Figure:
    """One panel per class, each a ``per_side x per_side`` mosaic of its first examples.

    Args:
        images: ``(N, 28, 28)`` uint8 (or float) images.
        labels: ``(N,)`` integer labels; panel titles are ``"label: class_names[label]"``.
        class_names: the name of each class.
        per_side: the mosaic of each class is ``per_side`` images wide and high.
        panels_per_row: classes per row of the figure.
    """
    q = len(class_names)
    index = first_of_each_class(labels, q, per_side * per_side)
    rows = -(-q // panels_per_row)
    fig, axes = plt.subplots(rows, panels_per_row, figsize=(2.0 * panels_per_row, 2.25 * rows))
    for j, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if j < q:
            ax.imshow(mosaic(images[index[:, j]], per_side, per_side).numpy(), cmap="gray_r")
            ax.set_title(f"{j}: {class_names[j]}", fontsize=11)
    fig.tight_layout()
    return fig


def class_balance_figure(
    counts: dict[str, torch.Tensor], class_names: Sequence[str]
) -> Figure:
    """Side-by-side bars of the number of examples per class, one colour per split.

    Args:
        counts: split name -> ``(q,)`` integer tensor of counts (e.g. from ``torch.bincount``).
        class_names: the ``q`` class names (x-axis labels).
    """
    q = len(class_names)
    width = 0.8 / len(counts)
    fig, ax = plt.subplots(figsize=(9, 3.2))
    for k, (split, values) in enumerate(counts.items()):
        positions = [j + (k - (len(counts) - 1) / 2) * width for j in range(q)]
        ax.bar(positions, values.tolist(), width=width, label=split)
    ax.set_xticks(range(q))
    ax.set_xticklabels(class_names, rotation=30, ha="right")
    ax.set_ylabel("examples")
    ax.legend()
    fig.tight_layout()
    return fig
