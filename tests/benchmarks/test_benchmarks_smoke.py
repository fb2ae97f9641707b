"""Every benchmark of ``python -m benchmarks`` run on a tiny configuration: the code works.

No timing is asserted (the machine is shared); what is asserted is what the benchmarks must get
right whatever the speed: the same data in both training pipelines, models that learn, graders
that score right and wrong submissions apart and agree, a book that builds, memory that is seen,
and a BENCHMARKS.md that keeps the sections it did not rerun.
"""

from __future__ import annotations

import math
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # the benchmarks package lives at the repository root
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks import __main__ as runner  # noqa: E402
from benchmarks import book, grading, grading_parts, linear, markdown_file, memory, training  # noqa: E402
from benchmarks.config import tiny  # noqa: E402
from benchmarks.pipelines import torchvision_root  # noqa: E402
from benchmarks.process_tree import measure_command  # noqa: E402
from benchmarks.report import Section, Table, Target  # noqa: E402
from studentkit.data import load_fashion_mnist  # noqa: E402

CHANCE = 0.1


@pytest.fixture(autouse=True)
def benchmark_threads() -> Iterator[None]:
    """Train with the runner's thread count (one: the machine is shared), then restore torch's."""
    before = torch.get_num_threads()
    torch.set_num_threads(tiny().threads)
    yield
    torch.set_num_threads(before)


def test_torchvision_reads_the_same_data_as_the_course(tmp_path: Path) -> None:
    from torchvision import datasets

    root = torchvision_root(tmp_path)
    seed_train = datasets.FashionMNIST(root=str(root), train=True, download=False)
    seed_test = datasets.FashionMNIST(root=str(root), train=False, download=False)
    course = load_fashion_mnist()
    assert torch.equal(seed_train.data, course.train_images) and torch.equal(seed_train.targets, course.train_labels)
    assert torch.equal(seed_test.data, course.test_images) and torch.equal(seed_test.targets, course.test_labels)


def test_training_benchmark_runs_both_pipelines() -> None:
    section = training.run(tiny())
    runs = section.data["runs"]
    assert sorted(runs) == ["course", "loop", "seed-0"]
    for run in runs["course"] + runs["seed-0"]:
        assert 0 < run.setup_s <= run.total_s
    for run in runs["course"] + runs["loop"] + runs["seed-0"]:
        assert 3 * CHANCE < run.accuracy <= 1, "one epoch on 2048 examples should beat chance clearly"
    (loop,) = runs["loop"]
    assert loop.accuracy == runs["course"][0].accuracy, "the same batches of the same seed: the same model"
    assert section.targets[0].met is None, "a tiny run judges no target"
    assert "seed: torchvision + DataLoader(num_workers=0)" in section.markdown()


def test_linear_benchmark_learns() -> None:
    section = linear.run(tiny())
    (run,) = section.data["runs"]
    recipe, grid, _ = linear.recipe_and_grid(linear.bookcode("linear_search"))
    assert run["trials"] == math.prod(len(values) for values in grid.values())
    assert run["config"].optimizer == recipe.optimizer and run["config"].epochs == tiny().linear_epochs
    assert 3 * CHANCE < run["accuracy"] <= 1 and 3 * CHANCE < run["val_accuracy"] <= 1
    assert run["train_s"] > 0 and "test accuracy" in section.markdown()


@pytest.mark.slow
def test_grading_benchmark_scores_right_and_wrong_alike_in_both_graders() -> None:
    section = grading.run(tiny(plain_submissions=1))
    data = section.data
    assert data["batch"]["returncode"] == 0 and data["plain"]["failures"] == []
    assert 0 < data["batch"]["last_result_s"] < data["batch"]["wall_s"], "both results were reported, then reports"
    assert set(data["students"].values()) == {"right-a", "wrong-sign"}
    first = min(data["students"])
    assert set(data["batch_scores"]) == set(data["students"]) and set(data["plain_scores"]) == {first}
    for scores in (data["batch_scores"], data["plain_scores"]):
        for student, (score, maximum) in scores.items():
            right = data["students"][student].startswith("right")
            assert (score == maximum) == right, f"{student}: {score}/{maximum}"
    assert data["batch_scores"][first] == data["plain_scores"][first]
    assert "(batch: 2 submissions, plain loop: 1)" in section.markdown()


@pytest.mark.slow
def test_grading_parts_benchmark_splits_one_submission() -> None:
    section = grading_parts.run(tiny())
    data = section.data
    for key in ("python", "torch", "nbgrader", "bwrap", "sandbox", "kernel", "boxed", "boxed_torch",
                "retrain_default", "retrain_one_thread", "judge"):
        assert data[key] > 0, key
    for grader in ("batch", "plain"):
        whole = data["whole"][grader]
        assert 0 < whole["end_to_end"] < whole["cells"] < whole["total"], grader
    cpu = data["whole"]["batch"]["cpu_by_process"]
    for process in ("autograder.inside.check_run", "ipykernel_launcher", "autograder.judge",
                    "autograder.inside.notebook_run", "autograder grade", "autograder.grading.feedback_lane"):
        assert cpu.get(process, 0) > 0, (process, cpu)
    assert cpu["autograder.inside.check_run"] > cpu["autograder.inside.notebook_run"], "the check run retrains"
    assert "CPU of that submission in the batch grader, by process" in section.markdown()


@pytest.mark.slow
def test_book_benchmark_builds_a_tiny_book(tmp_path: Path) -> None:
    (tmp_path / "book").mkdir()
    (tmp_path / "_config.yml").write_text('title: "Tiny"\nexecute:\n  execute_notebooks: cache\n')
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\n")
    (tmp_path / "book" / "intro.md").write_text(
        "---\njupytext:\n  text_representation:\n    format_name: myst\nkernelspec:\n  name: python3\n"
        "  display_name: Python 3\n---\n\n# Tiny\n\n```{code-cell} ipython3\nprint(6 * 7)\n```\n")
    section = book.run(tiny(book_root=tmp_path))
    assert section.data["cold_status"] == 0 and section.data["pages"] >= 1
    assert [status for _, status, _ in section.data["rebuilds"]] == [0]
    assert list(section.data["executed"]) == ["intro.md"] and section.data["reexecuted"] == []


@pytest.mark.slow
def test_memory_benchmark_sees_the_kernel() -> None:
    section = memory.run(tiny())
    runs = section.data["runs"]
    assert all(peak.returncode == 0 for peak in runs.values()), {k: p.output[-500:] for k, p in runs.items()}
    grading_runs = [peak for label, peak in runs.items() if label.startswith("grading")]
    assert len(grading_runs) == 2
    for peak in grading_runs:
        assert peak.hwm_by_name.get("ipykernel_launcher", 0) > 100 * 2**20, "the kernel imports torch"
        assert peak.tree_rss >= peak.tree_pss >= peak.hwm_by_name["ipykernel_launcher"] * 0.5


def test_memory_of_a_process_tree_counts_children(tmp_path: Path) -> None:
    hold = "import time; block = bytearray({size}); block[::4096] = b'x' * len(block[::4096]); time.sleep(1.5)"
    child = f"import subprocess, sys; p = subprocess.Popen([sys.executable, '-c', {hold.format(size=150 * 2**20)!r}]); "
    script = child + hold.format(size=100 * 2**20) + "; p.wait()"
    peak = measure_command([sys.executable, "-c", script], interval=0.05)
    assert peak.returncode == 0 and peak.processes == 2 and peak.cpu_s > 0
    assert peak.tree_rss > 240 * 2**20 and peak.tree_pss > 240 * 2**20, "both processes' memory is summed"
    assert 140 * 2**20 < peak.largest_hwm[0] < 240 * 2**20


def _section(key: str, reached: bool, judged: bool = True) -> Section:
    section = Section(key, f"Section {key}")
    section.tables.append(Table("numbers", ["a", "b"], [["1", "2"]]))
    section.targets.append(Target(f"{key} is fast", reached, f"{key} took 1 s", "because", judged))
    return section.finish()


def test_markdown_file_keeps_sections_that_did_not_run(tmp_path: Path) -> None:
    path, machine = tmp_path / "BENCHMARKS.md", Table("Machine", ["what", "value"], [["CPU", "test"]])
    markdown_file.write(path, [_section("book", True), _section("linear", False), _section("grading", True, False)],
                        machine)
    markdown_file.write(path, [_section("book", False)], machine)
    sections = markdown_file.read_sections(path)
    assert list(sections) == ["linear", "grading", "book"], "kept, and in the canonical order"
    assert "book is fast: **NOT MET**" in sections["book"], "the rerun section replaced the old one"
    verdicts = [row[:3] for row in markdown_file.summary(sections).rows]
    assert verdicts == [["linear", "linear is fast", "**NOT MET**"],
                        ["grading", "grading is fast", "not judged (not the real configuration; would be met)"],
                        ["book", "book is fast", "**NOT MET**"]]
    assert "Gap and cause: because" in sections["book"] and "because" not in sections["grading"]


def test_a_failing_benchmark_is_reported_and_the_others_run(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(config: object) -> Section:
        raise RuntimeError("boom")

    broken, fine = types.ModuleType("benchmarks.broken"), types.ModuleType("benchmarks.fine")
    broken.run, fine.run = boom, lambda config: _section("fine", True, judged=False)
    monkeypatch.setattr(runner, "BENCHMARKS", {"x": (broken, fine)})
    sections, ok = runner.run_all(["x"], tiny())
    assert not ok and [s.key for s in sections] == ["broken", "fine"]
    assert "RuntimeError: boom" in sections[0].markdown()


def test_runner_rejects_impossible_options(tmp_path: Path) -> None:
    assert runner.main(["--submissions", "0", "--output", str(tmp_path / "out.md")]) == 2
    assert runner.main(["--plain-submissions", "-1", "--output", str(tmp_path / "out.md")]) == 2
    assert not (tmp_path / "out.md").exists()
