"""The training plot: a static figure outside Jupyter, one figure redrawn in place inside a kernel."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from studentkit.plotting import TrainingPlot

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_importing_the_plot_costs_no_matplotlib_until_a_plot_is_made() -> None:
    """A graded run imports TrainingPlot in its setup cell but never plots: it must not pay for matplotlib."""
    probe = ("import sys\nfrom studentkit.plotting import TrainingPlot\nbefore = 'matplotlib' in sys.modules\n"
             "TrainingPlot(num_epochs=2, live=False)\nprint(before, 'matplotlib.figure' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["False", "True"], result.stderr[-2000:]


def test_static_plot_records_history_and_renders(tmp_path: Path) -> None:
    plot = TrainingPlot(num_epochs=3)
    assert plot.live is False
    for epoch in (1, 2, 3):
        plot.update(epoch, {"train_loss": 1 / epoch, "train_acc": 0.5 + epoch / 10, "test_acc": 0.6, "other": 9})
    assert [e for e, _ in plot.history["train_loss"]] == [1, 2, 3]
    assert "other" not in plot.history
    assert plot.png().startswith(PNG_SIGNATURE)
    axes = plot.figure.axes[0]
    assert [line.get_label() for line in axes.get_lines()] == ["train loss", "train acc", "test acc"]
    saved = plot.save(tmp_path / "curves.png")
    assert saved.read_bytes().startswith(PNG_SIGNATURE)


@pytest.mark.slow
def test_live_plot_updates_one_figure_in_a_kernel() -> None:
    nb = new_notebook(cells=[new_code_cell(
        "from studentkit.plotting import TrainingPlot\n"
        "plot = TrainingPlot(num_epochs=4)\n"
        "print('live:', plot.live)\n"
        "for epoch in range(1, 5):\n"
        "    plot.update(epoch, {'train_loss': 1 / epoch, 'train_acc': 0.2 * epoch, 'test_acc': 0.15 * epoch})\n"
    )])
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    outputs = nb.cells[0].outputs
    images = [o for o in outputs if o.output_type == "display_data" and "image/png" in o.data]
    assert "live: True" in "".join(o.get("text", "") for o in outputs)
    assert len(images) == 1, "each epoch must redraw the same figure, not add a new one"
    assert not [o for o in outputs if o.get("name") == "stderr"]
