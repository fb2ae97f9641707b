"""A training plot that updates live in Jupyter and is a plain static figure everywhere else.

In a notebook the figure is displayed once and redrawn in place after every epoch (an IPython
display handle, so other outputs of the cell stay). When the notebook is executed without a
browser (the book build, nbconvert) the last redraw is what the saved notebook shows. Outside
IPython nothing is displayed until :meth:`TrainingPlot.show` or :meth:`TrainingPlot.save`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

LABELS = {"train_loss": "train loss", "train_acc": "train acc", "test_acc": "test acc",
          "validation_acc": "validation acc"}


def _in_ipython_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


class TrainingPlot:
    """Per-epoch curves of training metrics (loss, accuracies) against the epoch number.

    Example::

        plot = TrainingPlot(num_epochs=10)
        for epoch in range(1, 11):
            ...
            plot.update(epoch, {"train_loss": loss, "train_acc": acc, "test_acc": test_acc})

    Args:
        num_epochs: the x-axis runs from 1 to this.
        metrics: the names plotted, in legend order (others passed to ``update`` are ignored).
        ylim: the y-axis range; losses above it are clipped out of view.
        live: redraw in the notebook after each update (default: when running in a Jupyter kernel).
    """

    def __init__(self, num_epochs: int, metrics: Sequence[str] = ("train_loss", "train_acc", "test_acc"),
                 ylim: tuple[float, float] = (0.0, 1.0), live: bool | None = None) -> None:
        self.num_epochs = num_epochs
        self.metrics = tuple(metrics)
        self.ylim = ylim
        self.history: dict[str, list[tuple[int, float]]] = {name: [] for name in self.metrics}
        self.live = _in_ipython_kernel() if live is None else live
        from matplotlib.figure import Figure  # here, not at import: a graded run never plots (about a second saved)

        self.figure = Figure(figsize=(4.5, 3.0), dpi=100)
        self._handle = None

    def update(self, epoch: int, values: dict[str, float]) -> None:
        """Record the metrics of ``epoch`` (1-based) and redraw."""
        for name in self.metrics:
            if name in values:
                self.history[name].append((epoch, float(values[name])))
        self._draw()
        if self.live:
            self._display()

    def _draw(self) -> None:
        self.figure.clear()
        axes = self.figure.add_subplot()
        styles = ["-", "m--", "g-.", "r:"]
        for style, name in zip(styles, self.metrics):
            points = self.history[name]
            if points:
                axes.plot([e for e, _ in points], [v for _, v in points], style, label=LABELS.get(name, name))
        axes.set_xlabel("epoch")
        axes.set_xlim(1, max(self.num_epochs, 2))
        axes.set_ylim(*self.ylim)
        axes.grid(True, alpha=0.3)
        if any(self.history.values()):
            axes.legend(loc="center right")
        self.figure.tight_layout()

    def png(self) -> bytes:
        """The current figure as PNG bytes."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png")
        return buffer.getvalue()

    def _display(self) -> None:
        from IPython.display import Image, display

        image = Image(data=self.png())
        if self._handle is None:
            self._handle = display(image, display_id=True)
        else:
            self._handle.update(image)

    def save(self, path: str | Path) -> Path:
        """Write the figure (PNG, SVG or PDF by the suffix) and return the path."""
        self._draw()
        self.figure.savefig(path)
        return Path(path)

    def show(self) -> None:
        """Display the figure once (in IPython) or open it with pyplot (elsewhere)."""
        self._draw()
        if _in_ipython_kernel():
            self._display()
            return
        import matplotlib.pyplot as plt

        window = plt.figure(figsize=self.figure.get_size_inches())  # a pyplot-managed figure ...
        self.figure.set_canvas(window.canvas)  # ... whose window shows this one
        window.canvas.figure = self.figure
        plt.show()

    def on_epoch_end(self, epoch: int, values: dict[str, float]) -> None:
        """Alias of :meth:`update`, matching the ``on_epoch_end`` callback of ``train``."""
        self.update(epoch, values)
