import pytest

from studentkit.bookkeeping import RunningSums


def test_sums_ratios_and_reset() -> None:
    sums = RunningSums()
    sums.add(loss=2.5, correct=3, examples=4)
    sums.add(loss=1.5, correct=1, examples=4)
    assert sums["loss"] == 4.0 and sums.ratio("correct", "examples") == 0.5
    assert sums.as_dict() == {"loss": 4.0, "correct": 4.0, "examples": 8.0}
    sums.reset()
    with pytest.raises(KeyError, match="no values added under 'loss'"):
        sums["loss"]


def test_ratio_of_an_empty_denominator_says_so() -> None:
    sums = RunningSums()
    sums.add(loss=1.0, examples=0)
    with pytest.raises(ZeroDivisionError, match="examples"):
        sums.ratio("loss", "examples")
