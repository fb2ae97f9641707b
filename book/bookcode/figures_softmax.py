"""Figures of the softmax chapter: the network as a diagram, and the decision regions of a
softmax-regression model on a two-dimensional toy problem.

The figure functions return a ``matplotlib.figure.Figure``; the chapter shows it with
``plt.show()``. They only draw what they are given (or what they compute from it): every
number the chapter quotes comes from the chapter's own cells.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

__all__ = ["decision_regions_figure", "fit_by_gradient_descent", "network_diagram",
           "toy_clusters"]

# One colour per class of the toy problem (pale for the regions, full for the points).
CLASS_COLOURS = ["tab:blue", "tab:orange", "tab:green"]
REGION_COLOURS = ["#c6dbef", "#fdd0a2", "#c7e9c0"]


# ---- the network as a diagram --------------------------------------------------------


def _node(ax, x: float, y: float, text: str, colour: str, radius: float = 0.36) -> None:
    ax.add_patch(Circle((x, y), radius, facecolor=colour, edgecolor="black", lw=1, zorder=3))
    ax.text(x, y, text, ha="center", va="center", fontsize=10, zorder=4)


def _arrow(ax, start: tuple[float, float], end: tuple[float, float], **style) -> None:
    options = dict(arrowstyle="-|>", mutation_scale=12, color="black", lw=1, zorder=2)
    options.update(style)
    ax.add_patch(FancyArrowPatch(start, end, **options))


def _box(ax, x: float, y: float, w: float, h: float, colour: str) -> None:
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.08",
                                facecolor=colour, edgecolor="black", lw=1.2, zorder=3))


def network_diagram(image: torch.Tensor, q: int, label_text: str = "") -> Figure:
    """Softmax regression drawn as a network, from an image to the loss.

    Args:
        image: ``(H, W)`` tensor, the input image; it is flattened into ``d = H * W`` inputs.
        q: the number of classes.
        label_text: what to write after "label y", for example the image's class.

    The inputs ``x_1 .. x_d`` are all connected to the logits ``o_0 .. o_{q-1}`` (the
    weights ``W``, ``d x q``, and the bias ``b``); the softmax turns the logits into the
    probabilities ``y_hat_0 .. y_hat_{q-1}``, which the loss compares with the label.
    """
    height, width = image.shape
    d = height * width
    fig, ax = plt.subplots(figsize=(10, 4.4))
    ax.set_xlim(-0.2, 12.4)
    ax.set_ylim(-0.9, 5.9)
    ax.set_aspect("equal")
    ax.set_axis_off()

    rows = [4.6, 3.7, 2.8, 1.9, 1.0]  # the fourth row is the vertical ellipsis
    x_in, x_logit, x_prob = 3.2, 5.9, 9.0
    inputs = [r"$x_1$", r"$x_2$", r"$x_3$", None, r"$x_d$"]
    logits = [r"$o_0$", r"$o_1$", r"$o_2$", None, r"$o_{q-1}$"]
    probs = [r"$\hat y_0$", r"$\hat y_1$", r"$\hat y_2$", None, r"$\hat y_{q-1}$"]

    # The image, and the arrow that flattens it.
    ax.imshow(image.numpy(), cmap="gray_r", extent=(0.0, 1.8, 1.9, 3.7), zorder=1)
    ax.text(0.9, 4.05, f"image\n{height} × {width}", ha="center", va="bottom", fontsize=10)
    _arrow(ax, (1.95, 2.8), (x_in - 0.45, 2.8))
    ax.text((1.95 + x_in - 0.45) / 2, 2.95, "flatten", ha="center", va="bottom", fontsize=9)

    # Every input is connected to every logit: the weights.
    for yi, label_in in zip(rows, inputs):
        for yo, label_out in zip(rows, logits):
            if label_in and label_out:
                ax.plot([x_in + 0.36, x_logit - 0.36], [yi, yo], color="0.6", lw=0.8, zorder=1)
    for x, labels, colour in [(x_in, inputs, "white"), (x_logit, logits, "#fde0c5"),
                              (x_prob, probs, "#d5e8d4")]:
        for y, label in zip(rows, labels):
            if label:
                _node(ax, x, y, label, colour)
            else:
                ax.text(x, y, r"$\vdots$", ha="center", va="center", fontsize=16)

    # The softmax couples all logits: one box that every logit enters and every
    # probability leaves.
    x_box, w_box = 7.0, 0.9
    _box(ax, x_box, rows[-1] - 0.35, w_box, rows[0] - rows[-1] + 0.7, "#e1d5e7")
    ax.text(x_box + w_box / 2, 2.8, "softmax", rotation=90, ha="center", va="center",
            fontsize=12)
    for y, label in zip(rows, logits):
        if label:
            _arrow(ax, (x_logit + 0.36, y), (x_box - 0.08, y))
            _arrow(ax, (x_box + w_box + 0.08, y), (x_prob - 0.36, y))

    # The loss compares the probabilities with the label.
    x_loss, y_loss, w_loss, h_loss = 10.35, 2.35, 1.9, 0.9
    _box(ax, x_loss, y_loss, w_loss, h_loss, "#f8cecc")
    ax.text(x_loss + w_loss / 2, y_loss + h_loss / 2,
            "loss\n" + r"$\ell(\mathbf{y}, \hat{\mathbf{y}})$", ha="center", va="center",
            fontsize=11)
    for y, label in zip(rows, probs):
        if label:
            _arrow(ax, (x_prob + 0.36, y), (x_loss - 0.08, y_loss + h_loss / 2),
                   color="0.35", lw=0.8)
    ax.text(x_loss + w_loss / 2, 0.45, f"label $y${label_text}\n" + r"(one-hot $\mathbf{y}$)",
            ha="center", va="top", fontsize=10)
    _arrow(ax, (x_loss + w_loss / 2, 0.5), (x_loss + w_loss / 2, y_loss - 0.1))

    # Column headings and the formula of the linear layer.
    for x, text in [(x_in, f"$d = {d}$\ninputs (pixels)"), (x_logit, f"$q = {q}$\nlogits"),
                    (x_prob, f"$q = {q}$\nprobabilities")]:
        ax.text(x, 5.05, text, ha="center", va="bottom", fontsize=10)
    ax.text((x_in + x_logit) / 2, -0.15,
            "weights $\\mathbf{W}$ ($d \\times q$), bias $\\mathbf{b}$\n"
            r"$\mathbf{o} = \mathbf{x}^\top \mathbf{W} + \mathbf{b}$",
            ha="center", va="top", fontsize=10)
    ax.text(x_box + w_box / 2, -0.15, r"$\hat{\mathbf{y}} = \mathrm{softmax}(\mathbf{o})$",
            ha="center", va="top", fontsize=10)
    fig.tight_layout()
    return fig


# ---- a two-dimensional toy problem ---------------------------------------------------


def toy_clusters(centres: torch.Tensor, per_class: int, spread: float,
                 seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Points drawn around ``centres``: a Gaussian cluster per class.

    Args:
        centres: ``(q, 2)`` float tensor, the centre of each class.
        per_class: points drawn per class.
        spread: standard deviation of each coordinate around its centre.
        seed: seed of the generator, so that the same call gives the same points.

    Returns:
        ``X`` ``(q * per_class, 2)`` float32 and ``y`` ``(q * per_class,)`` int64, class by
        class.
    """
    generator = torch.Generator().manual_seed(seed)
    q = len(centres)
    y = torch.arange(q).repeat_interleave(per_class)
    X = centres[y] + spread * torch.randn(len(y), 2, generator=generator)
    return X.float(), y


def fit_by_gradient_descent(X: torch.Tensor, y: torch.Tensor, q: int, steps: int,
                            lr: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Softmax regression ``o = x W + b`` fitted by full-batch gradient descent.

    The loss is the mean cross-entropy of the whole data set; autograd gives its gradient
    with respect to ``W`` and ``b``, and each step moves them by ``-lr`` times it. The
    parameters start at zero, so the result does not depend on any random draw.

    Returns:
        ``W`` ``(d, q)`` and ``b`` ``(q,)``, detached.
    """
    W = torch.zeros(X.shape[1], q, requires_grad=True)
    b = torch.zeros(q, requires_grad=True)
    for _ in range(steps):
        mean_loss = F.cross_entropy(X @ W + b, y)
        grad_W, grad_b = torch.autograd.grad(mean_loss, [W, b])
        with torch.no_grad():
            W -= lr * grad_W
            b -= lr * grad_b
    return W.detach(), b.detach()


def decision_regions_figure(X: torch.Tensor, y: torch.Tensor, W: torch.Tensor,
                            b: torch.Tensor, resolution: int = 300) -> Figure:
    """Two panels over the plane of a two-feature problem with (at most) three classes.

    Left: each point of the plane coloured by the class of its largest logit, the points
    of the data set on top, the boundaries between regions as solid lines and the whole
    lines ``o_j = o_k`` dashed. Right: the confidence ``max_j softmax(o)_j``.
    """
    q = W.shape[1]
    low, high = X.min(0).values - 1.0, X.max(0).values + 1.0
    u = torch.linspace(low[0].item(), high[0].item(), resolution)
    v = torch.linspace(low[1].item(), high[1].item(), resolution)
    grid_u, grid_v = torch.meshgrid(u, v, indexing="xy")
    points = torch.stack([grid_u.flatten(), grid_v.flatten()], dim=1)
    logits = (points @ W + b).reshape(resolution, resolution, q)
    region = logits.argmax(-1)
    confidence = torch.softmax(logits, dim=-1).amax(-1)
    top2 = logits.topk(2, dim=-1).indices

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6))
    extent = (u[0].item(), u[-1].item(), v[0].item(), v[-1].item())
    axes[0].imshow(region.numpy(), origin="lower", extent=extent, aspect="auto",
                   cmap=ListedColormap(REGION_COLOURS[:q]), vmin=-0.5, vmax=q - 0.5)
    image = axes[1].imshow(confidence.numpy(), origin="lower", extent=extent, aspect="auto",
                           cmap="Greys_r", vmin=1 / q, vmax=1.0)
    fig.colorbar(image, ax=axes[1])

    for j in range(q):
        for k in range(j + 1, q):
            gap = (logits[..., j] - logits[..., k]).numpy()
            # the whole line o_j = o_k, and the part of it where j and k are the top two
            axes[0].contour(grid_u.numpy(), grid_v.numpy(), gap, levels=[0.0],
                            colors="0.3", linestyles="dashed", linewidths=0.8)
            on_top = ((top2[..., 0] == j) & (top2[..., 1] == k)) | (
                (top2[..., 0] == k) & (top2[..., 1] == j))
            boundary = np.ma.masked_where(~on_top.numpy(), gap)
            axes[0].contour(grid_u.numpy(), grid_v.numpy(), boundary, levels=[0.0],
                            colors="black", linewidths=2)
    for j in range(q):
        mine = y == j
        for ax in axes:
            ax.scatter(X[mine, 0], X[mine, 1], s=14, color=CLASS_COLOURS[j],
                       edgecolor="white", linewidth=0.5, label=f"class {j}")
    axes[0].set_title("class of the largest logit")
    axes[1].set_title(r"confidence of the softmax, $\max_j \hat y_j$")
    axes[0].legend(loc="upper right", fontsize=9, framealpha=0.9)
    for ax in axes:
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
    fig.tight_layout()
    return fig
