"""Progress display: a self-overwriting line on a terminal, plain lines elsewhere, ETA from the clock."""

from __future__ import annotations

import io

import pytest

from autograder.grading.progress import Progress, format_duration


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


def test_format_duration() -> None:
    assert [format_duration(s) for s in (0, 12.9, 72, 3725)] == ["0:00", "0:12", "1:12", "1:02:05"]


def test_plain_stream_gets_one_line_per_submission() -> None:
    stream, clock = io.StringIO(), FakeClock()
    progress = Progress(20, stream=stream, clock=clock)
    for label in ("alice softmax", "bob softmax", "carol softmax"):
        clock.now += 12
        progress.update(label, "8/8 graded")
    progress.close()
    lines = stream.getvalue().splitlines()
    # mean 12 s per submission: 19 left after the first -> 228 s, 17 left after the third -> 204 s
    assert lines == [
        "[ 1/20] alice softmax: 8/8 graded (elapsed 0:12, eta 3:48)",
        "[ 2/20] bob softmax: 8/8 graded (elapsed 0:24, eta 3:36)",
        "[ 3/20] carol softmax: 8/8 graded (elapsed 0:36, eta 3:24)",
    ]
    assert "\r" not in stream.getvalue() and stream.getvalue().endswith("\n")


def test_eta_follows_the_mean_time_per_submission() -> None:
    clock = FakeClock()
    progress = Progress(4, stream=io.StringIO(), clock=clock)
    assert progress.eta() is None
    clock.now += 30
    progress.update("a", "graded")
    assert progress.eta() == pytest.approx(90)  # 30 s each, 3 left
    clock.now += 10
    progress.update("b", "graded")
    assert progress.eta() == pytest.approx(40)  # 20 s each, 2 left


def test_control_characters_never_reach_a_log() -> None:
    stream = io.StringIO()
    progress = Progress(2, stream=stream, clock=FakeClock())
    progress.update("eve\nsoftmax", "failed: \x1b[31mboom\rbang")
    assert stream.getvalue().count("\n") == 1
    assert "\r" not in stream.getvalue() and "\x1b" not in stream.getvalue()


def test_terminal_line_overwrites_itself() -> None:
    stream, clock = FakeTerminal(), FakeClock()
    progress = Progress(4, stream=stream, clock=clock)
    clock.now += 10
    progress.update("alice softmax", "8/8 graded")
    output = stream.getvalue()
    assert "\n" not in output
    last = output.split("\r")[-1]
    assert "1/4" in last and "25%" in last and "elapsed 0:10" in last and "eta 0:30" in last
    assert last.rstrip().endswith("alice softmax: 8/8 graded")
    clock.now += 10
    progress.update("bo", "0/8 failed")
    last = stream.getvalue().split("\r")[-1]
    assert "2/4" in last and "50%" in last and "eta 0:20" in last and "bo: 0/8 failed" in last
    progress.close()
    progress.close()
    assert stream.getvalue().count("\n") == 1 and stream.getvalue().endswith("\n")


def test_shorter_terminal_line_blanks_the_longer_one() -> None:
    stream = FakeTerminal()
    progress = Progress(3, stream=stream, clock=FakeClock())
    progress.update("a-rather-long-student-name softmax", "8/8 graded")
    progress.update("b", "ok")
    segments = stream.getvalue().split("\r")
    assert len(segments[-1]) >= len(segments[-2].rstrip())


def test_terminal_line_fits_the_width(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    stream = FakeTerminal()
    progress = Progress(3, stream=stream, clock=FakeClock())
    progress.update("x" * 100, "graded")
    assert all(len(segment.rstrip()) <= 59 for segment in stream.getvalue().split("\r"))


def test_is_terminal_overrides_isatty() -> None:
    stream = FakeTerminal()
    with Progress(1, stream=stream, is_terminal=False, clock=FakeClock()) as progress:
        progress.update("alice softmax", "8/8 graded")
    assert stream.getvalue() == "[1/1] alice softmax: 8/8 graded (elapsed 0:00, eta 0:00)\n"
