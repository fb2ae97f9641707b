"""What the softmax-regression course's exercise notebooks import.

Modules (import what you need; none of them contains a solution):

* :mod:`studentkit.data`: Fashion-MNIST, found, verified and cached; fast shuffled mini-batches.
* :mod:`studentkit.plotting`: :class:`~studentkit.plotting.TrainingPlot`, live in Jupyter.
* :mod:`studentkit.bookkeeping`: :class:`~studentkit.bookkeeping.RunningSums` for training loops.
* :mod:`studentkit.testing`: :func:`~studentkit.testing.quietly` for test cells.
"""

__version__ = "0.1.0"
