"""What the softmax-regression course's exercise notebooks import.

Modules (import what you need; none of them contains a solution):

* :mod:`studentkit.data`: Fashion-MNIST, found, verified and cached; fast shuffled mini-batches.
* :mod:`studentkit.plotting`: :class:`~studentkit.plotting.TrainingPlot`, live in Jupyter.
* :mod:`studentkit.bookkeeping`: :class:`~studentkit.bookkeeping.RunningSums` for training loops.
* :mod:`studentkit.testing`: :func:`~studentkit.testing.quietly` for test cells.
* :mod:`studentkit.public`: :func:`check`, the graded properties of an exercise on public cases
  (``studentkit.check("softmax")``).
* :mod:`studentkit.scenarios`: how the checks exercise a function (a memory layout, an sgd step, a
  training epoch, ...), the same code for the public checks and the hidden ones.
"""

__version__ = "0.1.0"


def check(assignment: str, function: str | None = None) -> None:
    """Run the public checks of ``assignment`` on the functions the calling notebook defined
    (see :func:`studentkit.public.check`); raises an ``AssertionError`` naming the first failure."""
    import sys

    from studentkit.public import check as run_public_checks

    run_public_checks(assignment, function, namespace=sys._getframe(1).f_globals)
