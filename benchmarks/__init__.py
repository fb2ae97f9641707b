"""The course's performance claims, measured side by side: ``python -m benchmarks`` (``make bench``).

One module per benchmark, each exposing ``run(config) -> Section``:

* :mod:`.training`: the seed's torchvision + ``DataLoader`` pipeline against the course's
  preloaded-tensor pipeline, same from-scratch model (time and test accuracy);
* :mod:`.linear`: the book's best linear model (``book/bookcode/linear_fit.py``);
* :mod:`.grading`: the batch grader (``--jobs 2``) against a plain ``nbgrader autograde`` loop;
* :mod:`.grading_parts`: where the time of one graded submission goes;
* :mod:`.book`: a cold ``jupyter-book build`` and a rebuild with no change;
* :mod:`.memory`: peak resident memory of a training run and of grading one submission.

The runner (:mod:`.__main__`) writes every section to ``BENCHMARKS.md`` with the machine
description (:mod:`.machine`); :mod:`.report` renders tables and targets.
"""
