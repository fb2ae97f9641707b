"""Reports of a grading run: CSV contents, determinism, summary numbers, text and PNG."""

from __future__ import annotations

import csv
import io
import os
import random
import struct
from pathlib import Path

import pytest

from autograder.grading import reports
from autograder.grading.reports import write_grades_csv, write_questions_csv, write_reports
from autograder.grading.scores import CellInfo, format_score
from autograder.grading.summary import format_summary, print_summary, score_bins, summarize
from autograder.grading.task import CellScore, GradingResult
from support.terminal import ANSI, FakeTerminal, neutral_terminal

CELLS = [
    CellInfo("softmax", "test_agrees", 2),
    CellInfo("softmax", "test_stable", 2),
    CellInfo("softmax", "test_contract", 1),
    CellInfo("extra", "test_grad", 2.5),
]
ODD_REASON = 'kernel died: "x", then exit'


def scored(**points: float) -> list[CellScore]:
    """Cell scores by grade id; the notebook and max score come from CELLS."""
    by_id = {cell.cell: cell for cell in CELLS}
    return [CellScore(by_id[name].notebook, name, score, by_id[name].max_score) for name, score in points.items()]


def fabricated() -> list[GradingResult]:
    """Six submissions, not in student order: totals alice 5.5, bob 0, dan 2, zoë 7.5, Émile 3, 李 2.3."""
    return [
        GradingResult("zoë", "softmax", "graded",
                      cells=scored(test_agrees=2, test_stable=2, test_contract=1, test_grad=2.5)),
        GradingResult("bob", "softmax", "failed", reason=ODD_REASON),
        GradingResult("李", "softmax", "graded",
                      cells=scored(test_agrees=2, test_stable=0, test_contract=0.1 + 0.2, test_grad=0)),
        GradingResult("alice", "softmax", "graded", reason=INTERRUPTED,
                      cells=scored(test_agrees=2, test_stable=0, test_contract=1, test_grad=2.5)),
        GradingResult("Émile", "softmax", "graded", cells=scored(test_stable=2, test_agrees=1)),
        GradingResult("dan", "softmax", "failed", reason="timed out after 900 s", cells=scored(test_agrees=2)),
    ]


INTERRUPTED = "softmax.ipynb: cell 4 (softmax-solution) ran past the limit of 60 s a cell and was interrupted"
"""A graded submission's reason: the cell nbgrader interrupted (the rest of the notebook ran)."""


def read_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.reader(file))


def test_format_score_has_no_float_noise() -> None:
    assert [format_score(x) for x in (7.0, 7.5, 0.1 + 0.2, -0.0, 1234567.0, 2 / 3)] == [
        "7", "7.5", "0.3", "0", "1234567", "0.666667"]


def test_grades_csv_rows(tmp_path) -> None:
    path = tmp_path / "grades.csv"
    write_grades_csv(path, fabricated(), CELLS)
    assert read_rows(path) == [
        ["student", "assignment", "score", "max_score", "status", "reason", "submitted_at", "late"],
        ["alice", "softmax", "5.5", "7.5", "graded", INTERRUPTED, "", ""],
        ["bob", "softmax", "0", "7.5", "failed", ODD_REASON, "", ""],
        ["dan", "softmax", "2", "7.5", "failed", "timed out after 900 s", "", ""],
        ["zoë", "softmax", "7.5", "7.5", "graded", "", "", ""],
        ["Émile", "softmax", "3", "7.5", "graded", "", "", ""],
        ["李", "softmax", "2.3", "7.5", "graded", "", "", ""],
    ]


def test_questions_csv_rows(tmp_path) -> None:
    path = tmp_path / "questions.csv"
    write_questions_csv(path, fabricated(), CELLS)
    assert read_rows(path) == [
        ["student", "softmax:test_agrees", "softmax:test_stable", "softmax:test_contract", "extra:test_grad", "total"],
        ["alice", "2", "0", "1", "2.5", "5.5"],
        ["bob", "0", "0", "0", "0", "0"],
        ["dan", "2", "0", "0", "0", "2"],
        ["zoë", "2", "2", "1", "2.5", "7.5"],
        ["Émile", "1", "2", "0", "0", "3"],
        ["李", "2", "0", "0.3", "0", "2.3"],
    ]


def test_reports_are_deterministic(tmp_path) -> None:
    shuffled = fabricated()
    random.Random(3).shuffle(shuffled)
    first = write_reports(tmp_path / "first", fabricated(), CELLS)
    second = write_reports(tmp_path / "second", shuffled, CELLS)
    for name in ("grades.csv", "questions.csv", "summary.txt"):
        assert first[name].read_bytes() == second[name].read_bytes(), name


def test_write_reports_writes_four_files_and_no_temporaries(tmp_path) -> None:
    folder = tmp_path / "new" / "reports"
    paths = write_reports(folder, fabricated(), CELLS)
    assert set(paths) == {"grades.csv", "questions.csv", "summary.txt", "summary.png"}
    assert sorted(os.listdir(folder)) == sorted(paths)
    assert all(path.parent == folder and path.stat().st_size > 0 for path in paths.values())


def test_interrupted_write_keeps_the_old_file(tmp_path, monkeypatch) -> None:
    path = tmp_path / "grades.csv"
    write_grades_csv(path, fabricated(), CELLS)
    before = path.read_bytes()

    def interrupted(src: object, dst: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(reports.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_grades_csv(path, fabricated()[:2], CELLS)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["grades.csv"]


def test_summary_numbers() -> None:
    summary = summarize(fabricated(), CELLS)
    totals = [5.5, 0, 2, 7.5, 3, 2.3]
    assert (summary.count, summary.graded, summary.failed) == (6, 4, 2)
    assert summary.mean == pytest.approx(sum(totals) / 6)
    assert summary.median == pytest.approx((2.3 + 3) / 2)
    assert (summary.min, summary.max, summary.max_score) == (0, 7.5, 7.5)
    # max_score 7.5 is not an integer: 10 bins of width 0.75; 2 -> [1.5, 2.25), 2.3 -> [2.25, 3.0), ...
    assert [b.count for b in summary.bins] == [1, 0, 1, 1, 1, 0, 0, 1, 0, 1]
    assert summary.bins[3].low == pytest.approx(2.25) and summary.bins[-1].high == 7.5
    assert [(rate.name, rate.max_score) for rate in summary.cells] == [
        ("softmax:test_agrees", 2), ("softmax:test_stable", 2), ("softmax:test_contract", 1), ("extra:test_grad", 2.5)]
    assert [rate.pass_rate for rate in summary.cells] == pytest.approx([4 / 6, 2 / 6, 2 / 6, 2 / 6])
    assert summary.failures == [("bob", ODD_REASON), ("dan", "timed out after 900 s")]


def test_integer_bins_for_small_integer_maxima() -> None:
    bins = score_bins([0, 7.5, 8, 8, 3], max_score=8)
    assert [(b.low, b.high) for b in bins] == [(k, k + 1) for k in range(9)]
    assert [b.count for b in bins] == [1, 0, 0, 1, 0, 0, 0, 1, 2]
    assert len(score_bins([10], max_score=29)) == 10


def test_summary_of_no_submissions(tmp_path) -> None:
    summary = summarize([], CELLS)
    assert (summary.count, summary.mean, summary.median, summary.min) == (0, None, None, None)
    assert all(rate.pass_rate is None for rate in summary.cells)
    paths = write_reports(tmp_path, [], CELLS)
    assert read_rows(paths["grades.csv"]) == [["student", "assignment", "score", "max_score", "status", "reason",
                                              "submitted_at", "late"]]
    assert "0 submissions" in paths["summary.txt"].read_text()


def test_format_summary_lists_failures_and_pass_rates() -> None:
    text = format_summary(summarize(fabricated(), CELLS))
    lines = text.splitlines()
    assert f"  bob: {ODD_REASON}" in lines and "  dan: timed out after 900 s" in lines
    agrees = next(line for line in lines if "softmax:test_agrees" in line)
    assert agrees.split() == ["softmax:test_agrees", "2", "66.7", "%"]
    grad = next(line for line in lines if "extra:test_grad" in line)
    assert grad.split() == ["extra:test_grad", "2.5", "33.3", "%"]
    assert "6 submissions (4 graded, 2 failed)" in text
    assert "\r" not in text and "\x1b" not in text


def test_summary_text_is_aligned_columns_never_wrapped(monkeypatch: pytest.MonkeyPatch) -> None:
    neutral_terminal(monkeypatch, columns=30)
    long_reason = "the kernel died" + " and said why" * 20
    results = [*fabricated(), GradingResult("eve", "softmax", "failed", reason=long_reason)]
    lines = format_summary(summarize(results, CELLS)).splitlines()
    assert f"  eve: {long_reason}" in lines, "one failure, one line, whatever the terminal's width"
    assert lines[:4] == ["Assignment softmax: 7 submissions (4 graded, 3 failed)",
                         "  mean         2.9    median       2.3",
                         "  min            0    max          7.5",
                         "  out of       7.5"]
    assert "  test                   points  pass rate" in lines
    assert "  0.75-1.5      0" in lines and "    0-0.75      2  " + "#" * 40 in lines
    assert all(line == line.rstrip() for line in lines)


def test_summary_is_a_rich_table_on_a_terminal_and_plain_text_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    neutral_terminal(monkeypatch)
    summary = summarize(fabricated(), CELLS)
    terminal = FakeTerminal()
    print_summary(summary, terminal)
    shown = ANSI.sub("", terminal.getvalue())
    assert "\x1b[1m" in terminal.getvalue() and "─" * 20 in shown, "styled, with a rule under each header"
    assert "6 submissions (4 graded, 2 failed)" in shown and "  bob: " + ODD_REASON in shown
    assert next(line for line in shown.splitlines() if "softmax:test_agrees" in line).split() == [
        "softmax:test_agrees", "2", "66.7", "%"]
    monkeypatch.setenv("FORCE_COLOR", "1")  # a log stays a log
    log = io.StringIO()
    print_summary(summary, log)
    assert log.getvalue() == format_summary(summary) + "\n" and "\x1b" not in log.getvalue()


def hostile_summary(student: str, reason: str) -> tuple[str, str]:
    """The plain text and what a terminal receives, for one failed student."""
    summary = summarize([GradingResult(student, "softmax", "failed", reason=reason)], CELLS)
    terminal = FakeTerminal()
    print_summary(summary, terminal)
    return format_summary(summary), terminal.getvalue()


def test_summary_shows_hostile_names_and_reasons_literally(monkeypatch: pytest.MonkeyPatch) -> None:
    neutral_terminal(monkeypatch)
    text, terminal = hostile_summary("[bold red]x[/]", "[blink]no[/blink] \x1b[2J\rgone")
    assert "  [bold red]x[/]: [blink]no[/blink] \\x1b[2J\\x0dgone" in text.splitlines()
    assert "\x1b" not in text and "\x1b[2J" not in terminal and "\r" not in terminal
    _, benign = hostile_summary("(bold red)x(/)", "(blink)no(/blink) \\x1b[2J\\x0dgone")
    literal = terminal.replace("[bold red]x[/]", "(bold red)x(/)").replace("[blink]no[/blink]", "(blink)no(/blink)")
    assert literal == benign, "no markup read, no escape sequence passed on"


def test_single_notebook_tests_are_named_by_grade_id() -> None:
    cells = [cell for cell in CELLS if cell.notebook == "softmax"]
    assert [rate.name for rate in summarize(fabricated(), cells).cells] == [
        "test_agrees", "test_stable", "test_contract"]


def test_summary_png_is_1000_by_500(tmp_path) -> None:
    path = write_reports(tmp_path, fabricated(), CELLS)["summary.png"]
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (1000, 500)
