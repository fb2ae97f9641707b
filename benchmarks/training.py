"""Benchmark 1: the seed's training pipeline against the course's, side by side.

Runs alternate (course, seed with each ``num_workers``, course, ...) so that a change of load on
the shared machine touches every pipeline alike; round ``r`` shuffles the training data with
seed ``r`` in every pipeline (the last epoch's test accuracy depends on the order, so it is
reported over several orders). Target: the course pipeline at least 25x
faster than the seed's fastest setting, at a test accuracy of 0.83 or better.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from .config import BenchConfig
from .pipelines import PipelineRun, run_course, run_loop_only, run_seed, torchvision_root
from .report import Section, Table, Target, seconds
from .timing import command_median, median, spread

TARGET_SPEEDUP, TARGET_ACCURACY = 25.0, 0.83


LABELS = {"course": "course: load_data_fashion_mnist (preloaded tensors)",
          "loop": "floor: the training loop alone (batches made beforehand, not timed)"}


def _rounds(config: BenchConfig, root: Path) -> dict[str, list[PipelineRun]]:
    """Every run, by pipeline name, interleaved round by round (round ``r`` shuffles with seed ``r``)."""
    runs: dict[str, list[PipelineRun]] = {"course": [], "loop": []} | {f"seed-{w}": [] for w in config.seed_workers}
    for round_ in range(max(config.course_repeats, config.seed_repeats)):
        if round_ < config.course_repeats:
            runs["course"].append(run_course(config, seed=round_))
            runs["loop"].append(run_loop_only(config, seed=round_))
        for workers in config.seed_workers:
            if round_ < config.seed_repeats:
                runs[f"seed-{workers}"].append(run_seed(config, root, workers, seed=round_))
    return runs


def torchvision_import_seconds(repeats: int) -> float:
    """Median extra seconds ``import torchvision`` costs a fresh process over ``import torch``."""
    python = [sys.executable, "-c"]
    with_vision, _ = command_median([*python, "import torch, torchvision"], repeats)
    torch_only, _ = command_median([*python, "import torch"], repeats)
    return max(0.0, with_vision - torch_only)


def _table(config: BenchConfig, runs: dict[str, list[PipelineRun]]) -> Table:
    course = median([run.total_s for run in runs["course"]])
    title = (f"{config.epochs} epoch(s), batch {config.batch_size}, lr {config.lr}, device {config.device}: "
             "wall time from reading the data to the final test accuracy")
    table = Table(title, ["pipeline", "runs", "median total", "range", "of which setup (median)",
                          "test accuracy: median (range)", "time / course time"])
    for name, items in runs.items():
        totals, accuracies = [run.total_s for run in items], [run.accuracy for run in items]
        label = LABELS.get(name) or f"seed: torchvision + DataLoader(num_workers={name.split('-')[1]})"
        accuracy = f"{median(accuracies):.4f}" + (f" ({min(accuracies):.4f}-{max(accuracies):.4f})"
                                                  if len(accuracies) > 1 else "")
        table.add(label, len(items), seconds(median(totals)), spread(totals),
                  seconds(median([run.setup_s for run in items])), accuracy, f"{median(totals) / course:.1f}x")
    return table


def _target(config: BenchConfig, runs: dict[str, list[PipelineRun]]) -> Target:
    course = median([run.total_s for run in runs["course"]])
    accuracy = median([run.accuracy for run in runs["course"]])
    seeds = {name: median([run.total_s for run in items]) for name, items in runs.items() if name.startswith("seed")}
    fastest = min(seeds, key=seeds.get)
    speedup = seeds[fastest] / course
    measured = (f"{speedup:.1f}x against the seed's fastest setting (num_workers={fastest.split('-')[1]}: "
                f"{seeds[fastest]:.1f} s against {course:.2f} s), course median test accuracy {accuracy:.4f}")
    causes = []
    if accuracy < TARGET_ACCURACY:
        spread_ = [run.accuracy for run in runs["course"]]
        causes.append(f"median test accuracy {accuracy:.4f} < {TARGET_ACCURACY} after {config.epochs} epoch(s) "
                      f"(from {min(spread_):.4f} to {max(spread_):.4f} over {len(spread_)} shuffle seeds)")
    if speedup < TARGET_SPEEDUP:
        loop = median([run.total_s for run in runs["loop"]])
        causes.append(f"the training loop alone (the from-scratch model's per-batch arithmetic and Python, "
                      f"with no loader at all) takes {loop:.2f} s of the course pipeline's {course:.2f} s; "
                      f"the seed pays that loop too, so no loader could make the course more than "
                      f"{seeds[fastest] / loop:.1f}x faster than the seed here")
    reached = speedup >= TARGET_SPEEDUP and accuracy >= TARGET_ACCURACY
    return Target(f"at least {TARGET_SPEEDUP:g}x faster than the seed at test accuracy {TARGET_ACCURACY} or "
                  "better", reached, measured, "; ".join(causes), config.judged)


def run(config: BenchConfig) -> Section:
    """Measure both pipelines (see the module docstring)."""
    import torchvision  # noqa: F401  - imported once here, outside every timed run

    key = "training" if config.device == "cpu" else f"training-{config.device}"
    section = Section(key, f"Training: the seed's pipeline against the course's ({config.device})")
    with tempfile.TemporaryDirectory(prefix="bench-torchvision-") as folder:
        runs = _rounds(config, torchvision_root(Path(folder)))
    section.setup = (f"Configuration `{config.name}`: the same from-scratch model (autograder.reference, the "
                     f"same starting weights), {config.course_repeats} course run(s) and {config.seed_repeats} "
                     f"run(s) of each seed setting, interleaved, run r shuffling with seed r; medians. Setup = "
                     f"reading the data and building the loaders."
                     + (f" Subset: {config.train_subset} examples." if config.train_subset else ""))
    section.tables.append(_table(config, runs))
    vision = torchvision_import_seconds(max(1, min(config.seed_repeats, 3)))
    section.notes.append(f"Not counted above: `import torchvision`, which the seed needs, costs a fresh "
                         f"process {vision:.2f} s more than `import torch` (median).")
    section.targets.append(_target(config, runs))
    section.data = {"runs": runs, "torchvision_import_s": vision}
    if config.device != "cpu":
        section.notes.append("The seed moves every batch to the device; the course's loader puts the "
                             "whole data set there once.")
    return section.finish()
