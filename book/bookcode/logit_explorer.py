"""One example of a few classes, drawn whole: its logits, its probabilities, its loss and gradient.

`draw_example(figure, logits, label)` draws three panels side by side for a logit vector `o`
(shape (q,), float) and the true class `y`:

1. the logits $o_j$, the true class's bar highlighted;
2. the probabilities $\\hat{y}_j = \\mathrm{softmax}(\\mathbf{o})_j$, with the loss
   $\\ell = -\\log \\hat{y}_y$ in the title;
3. the gradient of the loss with respect to the logits, $\\hat{\\mathbf{y}} - \\mathrm{onehot}(y)$,
   computed by autograd (not by the formula, so the picture checks the formula).

The chapter on cross-entropy uses it under a static slider (the true class's logit moves) and
in an `ipywidgets` version for JupyterLab (every logit moves).
"""

from __future__ import annotations

import torch
from matplotlib.figure import Figure

TRUE_COLOUR, OTHER_COLOUR = "tab:green", "tab:gray"


def loss_and_gradient(logits: torch.Tensor, label: int) -> tuple[torch.Tensor, float, torch.Tensor]:
    """Probabilities (q,), loss (a float) and d loss / d logits (q,) of one example, float32."""
    o = logits.detach().to(torch.float32).clone().requires_grad_(True)
    log_p = torch.log_softmax(o, dim=0)
    loss = -log_p[label]
    loss.backward()
    return log_p.exp().detach(), loss.item(), o.grad.detach()


def _bars(ax, values: torch.Tensor, label: int, title: str, limits: tuple[float, float]) -> None:
    colours = [TRUE_COLOUR if j == label else OTHER_COLOUR for j in range(values.numel())]
    ax.bar(range(values.numel()), values.tolist(), color=colours)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_ylim(*limits)
    ax.set_xticks(range(values.numel()))
    ax.set_xlabel("class $j$")
    ax.set_title(title, fontsize=11)


def draw_example(figure: Figure, logits: torch.Tensor, label: int,
                 logit_range: tuple[float, float] = (-5.0, 5.0)) -> None:
    """Draw the three panels of the example (logits (q,), true class `label`) on an empty figure."""
    probabilities, loss, gradient = loss_and_gradient(logits, label)
    axes = figure.subplots(1, 3)
    _bars(axes[0], logits, label, r"logits $o_j$", logit_range)
    _bars(axes[1], probabilities, label,
          rf"$\hat y_j$;  loss $-\log \hat y_{{{label}}}$ = {loss:.3f}", (0.0, 1.05))
    _bars(axes[2], gradient, label, r"gradient $\hat y_j - y_j$", (-1.05, 1.05))
    figure.tight_layout()
