"""The README's benchmark figures are derived from BENCHMARKS.md and must say what it says."""

from __future__ import annotations

import pytest
from benchmarks.markdown_file import render
from benchmarks.readme_block import END, START, block, with_block
from benchmarks.report import Section, Table, Target

from autograder.release import REPO_ROOT


def test_readme_figures_match_benchmarks_md() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    expected = with_block(readme, block((REPO_ROOT / "BENCHMARKS.md").read_text()))
    assert readme == expected, "README.md's benchmark figures are stale: run `make bench` (or `python -m benchmarks`)"


def _file(met: bool) -> str:
    machine = Table("Machine", ["what", "value"])
    for what, value in [("CPU", "Test CPU"), ("cores (os.cpu_count)", "3"), ("torch", "9.9"), ("swap", "none")]:
        machine.add(what, value)
    section = Section("book", "Book")
    section.targets.append(Target("cold build under 300 s", met, "301.0 s", "the chapters ran slowly", True))
    return render({"book": section.finish().markdown()}, machine)


def test_block_lists_machine_targets_and_the_cause_of_each_gap() -> None:
    missed = block(_file(met=False))
    assert "CPU Test CPU, cores 3, torch 9.9." in missed and "swap" not in missed
    assert "| book | cold build under 300 s | **NOT MET** | 301.0 s |" in missed
    assert "- cold build under 300 s: the chapters ran slowly" in missed
    met = block(_file(met=True))
    assert "| **met** |" in met and "chapters ran slowly" not in met


def test_missing_tables_or_markers_are_reported() -> None:
    with pytest.raises(ValueError, match="run `make bench`"):
        block("# Benchmarks\n\nnothing measured yet\n")
    with pytest.raises(ValueError, match="markers"):
        with_block("# A README without markers\n", "figures")
    assert with_block(f"a\n{START}\nold\n{END}\nb", "new") == f"a\n{START}\nnew\n{END}\nb"
