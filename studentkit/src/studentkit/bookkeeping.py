"""Named running sums for training loops: the seed's ``Accumulator`` idea, with names.

The seed keeps ``Accumulator(3)`` and remembers that slot 0 is the summed loss, slot 1 the number
correct and slot 2 the number of examples. :class:`RunningSums` names the slots instead::

    sums = RunningSums()
    for X, y in batches:
        ...
        sums.add(loss=float(losses.sum()), correct=float((y_hat.argmax(1) == y).sum()), examples=len(y))
    sums.ratio("loss", "examples"), sums.ratio("correct", "examples")

(The graded exercise on training asks you to write the positional ``Accumulator`` yourself.)
"""

from __future__ import annotations


class RunningSums:
    """Sums of named floats, added batch by batch."""

    def __init__(self) -> None:
        self._sums: dict[str, float] = {}

    def add(self, **values: float) -> None:
        """Add each value to the sum of its name (a new name starts at zero)."""
        for name, value in values.items():
            self._sums[name] = self._sums.get(name, 0.0) + float(value)

    def __getitem__(self, name: str) -> float:
        """The sum of ``name`` so far; KeyError naming the known sums if nothing was added under it."""
        if name not in self._sums:
            raise KeyError(f"no values added under {name!r}; known: {sorted(self._sums)}")
        return self._sums[name]

    def ratio(self, numerator: str, denominator: str) -> float:
        """``sum[numerator] / sum[denominator]``, e.g. mean loss per example; ZeroDivisionError if empty."""
        total = self[denominator]
        if total == 0:
            raise ZeroDivisionError(f"the sum of {denominator!r} is zero")
        return self[numerator] / total

    def reset(self) -> None:
        """Forget every sum."""
        self._sums.clear()

    def as_dict(self) -> dict[str, float]:
        return dict(self._sums)
