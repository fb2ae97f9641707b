"""What a benchmark run measures: the real configuration, the quick one, and tiny ones for tests.

Every knob lives in :class:`BenchConfig`; a benchmark reads only the fields it needs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class BenchConfig:
    """Settings shared by all benchmarks.

    Attributes:
        name: ``"real"``, ``"quick"`` or ``"tiny"`` (targets are judged only for ``"real"``).
        device: where the training benchmark trains (``"cpu"`` or ``"cuda"``).
        threads: ``torch.set_num_threads`` of every benchmark process (0: torch's default).
        epochs, batch_size, lr: the training recipe of both pipelines (d2l's: 10, 256, 0.1).
        course_repeats: runs of the course pipeline (cheap); the median is reported.
        seed_repeats: runs of each seed pipeline (expensive); the median is reported.
        seed_workers: ``num_workers`` settings of the seed's ``DataLoader`` to measure.
        train_subset: if positive, train and test on only that many examples (tests only).
        linear_repeats: runs of the best linear model.
        linear_epochs: if positive, train the linear model for that many epochs instead of its own.
        submissions: generated submissions of the ``training`` assignment.
        plain_submissions: how many of them (the first ones) the plain nbgrader loop grades, to
            measure its throughput (0: all); the mix repeats every 10 students.
        jobs: ``--jobs`` of the batch grader.
        part_repeats: runs of each cheap piece of one submission (interpreter start, ...).
        retrain_epochs: epochs of the end-to-end retraining timed in a kernel (the check's: 10).
        book_root: the folder whose book sources (``_config.yml``, ``_toc.yml``, ``book/``) are built.
        rebuild_repeats: rebuilds with no change after the cold build.
    """

    name: str = "real"
    device: str = "cpu"
    threads: int = 1
    epochs: int = 10
    batch_size: int = 256
    lr: float = 0.1
    course_repeats: int = 5
    seed_repeats: int = 3
    seed_workers: tuple[int, ...] = (4, 0)
    train_subset: int = 0
    linear_repeats: int = 3
    linear_epochs: int = 0
    submissions: int = 100
    plain_submissions: int = 20
    jobs: int = 2
    part_repeats: int = 5
    retrain_epochs: int = 10
    book_root: Path = REPO_ROOT
    rebuild_repeats: int = 3

    @property
    def judged(self) -> bool:
        """Whether targets are judged (only the real configuration measures what they claim)."""
        return self.name == "real"


REAL = BenchConfig()

QUICK = replace(
    REAL, name="quick", epochs=1, course_repeats=3, seed_repeats=1, linear_repeats=1,
    submissions=4, plain_submissions=0, part_repeats=3, rebuild_repeats=1,
)


def tiny(**overrides: object) -> BenchConfig:
    """A configuration small enough for the smoke tests (one epoch on a subset, two submissions)."""
    base = replace(
        REAL, name="tiny", epochs=1, course_repeats=1, seed_repeats=1, seed_workers=(0,),
        train_subset=2048, linear_repeats=1, linear_epochs=1, submissions=2, plain_submissions=0, part_repeats=1,
        retrain_epochs=1, rebuild_repeats=1,
    )
    return replace(base, **overrides)
