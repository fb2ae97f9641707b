"""Progress display (rich): a bar on a terminal, plain lines elsewhere, and an ETA that a hanging
submission cannot fool; labels from students are shown literally, never styled."""

from __future__ import annotations

import io
import threading

import pytest

from autograder.grading.eta import Tracker, format_duration
from autograder.grading.progress import Progress
from support.terminal import ANSI, FakeTerminal, frames, neutral_terminal

LIMIT = 180.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    neutral_terminal(monkeypatch)


def honest_then_hanging(progress: Progress | Tracker, clock: FakeClock, honest: int = 19) -> None:
    """``honest`` submissions of 5 s each, one after the other; then ``hang softmax`` starts."""
    for index in range(honest):
        progress.start(f"s{index} softmax")
        clock.now += 5
        if isinstance(progress, Progress):
            progress.update(f"s{index} softmax", "8/8 graded")
        else:
            progress.finish(f"s{index} softmax")
    progress.start("hang softmax")


def test_format_duration() -> None:
    assert [format_duration(s) for s in (0, 12.9, 72, 3725)] == ["0:00", "0:12", "1:12", "1:02:05"]


def test_plain_stream_gets_one_line_per_submission() -> None:
    stream, clock = io.StringIO(), FakeClock()
    progress = Progress(20, stream=stream, clock=clock)
    for label in ("alice softmax", "bob softmax", "carol softmax"):
        clock.now += 12
        progress.update(label, "8/8 graded")
    progress.close()
    # mean 12 s per submission: 19 left after the first -> 228 s, 17 left after the third -> 204 s
    assert stream.getvalue() == (
        "[ 1/20] alice softmax: 8/8 graded (elapsed 0:12, eta 3:48)\n"
        "[ 2/20] bob softmax: 8/8 graded (elapsed 0:24, eta 3:36)\n"
        "[ 3/20] carol softmax: 8/8 graded (elapsed 0:36, eta 3:24)\n")


def test_plain_line_names_what_is_still_running() -> None:
    stream, clock = io.StringIO(), FakeClock()
    progress = Progress(3, stream=stream, clock=clock)
    progress.start("alice softmax")
    clock.now += 4
    progress.start("bob softmax")
    clock.now += 6
    progress.start("carol softmax")
    progress.update("bob softmax", "8/8 graded")
    assert stream.getvalue() == ("[1/3] bob softmax: 8/8 graded "
                                 "(elapsed 0:10, eta 0:20, 2 running, longest 0:10 alice softmax)\n")


def test_eta_is_the_rate_while_nothing_has_outrun_the_typical_time() -> None:
    clock = FakeClock()
    tracker = Tracker(4, LIMIT, clock)
    tracker.start("a")
    assert tracker.snapshot().eta is None, "nothing finished: no estimate"
    clock.now += 30
    tracker.finish("a")
    assert tracker.snapshot().eta == pytest.approx(90)  # 30 s each, 3 left
    tracker.start("b")
    clock.now += 10
    tracker.finish("b")
    assert tracker.snapshot().eta == pytest.approx(40)  # 20 s each, 2 left


def test_a_hanging_submission_holds_the_eta_up_to_its_limit() -> None:
    clock = FakeClock()
    tracker = Tracker(20, LIMIT, clock)
    honest_then_hanging(tracker, clock)  # median 5 s; the rate alone says 95 s / 19 * 1 = 5 s
    clock.now += 10  # exactly twice the median: not yet outrun
    assert tracker.snapshot().eta == pytest.approx(105 / 19)
    clock.now += 1  # 11 s: outrun, it may run to the 180 s limit
    snapshot = tracker.snapshot()
    assert snapshot.eta == pytest.approx(LIMIT - 11)
    assert (snapshot.done, snapshot.running, snapshot.longest) == (19, 1, ("hang softmax", pytest.approx(11)))
    clock.now += 100
    assert tracker.snapshot().eta == pytest.approx(LIMIT - 111), "the bound shrinks as it runs"
    clock.now += 200  # past its limit (being stopped): the rate again, never negative
    assert tracker.snapshot().eta == pytest.approx(406 / 19)


def test_without_a_limit_the_eta_is_the_rate() -> None:
    clock = FakeClock()
    tracker = Tracker(20, None, clock)
    honest_then_hanging(tracker, clock)
    clock.now += 60
    assert tracker.snapshot().eta == pytest.approx(155 / 19)


def test_a_late_start_report_of_a_finished_submission_is_ignored() -> None:
    clock = FakeClock()
    tracker = Tracker(2, LIMIT, clock)
    tracker.finish("a")  # on Dask the start event may arrive after the result
    tracker.start("a")
    snapshot = tracker.snapshot()
    assert (snapshot.done, snapshot.running, snapshot.longest) == (1, 0, None)


def test_the_log_line_of_a_hanging_class_shows_the_honest_eta() -> None:
    stream, clock = io.StringIO(), FakeClock()
    progress = Progress(21, stream=stream, clock=clock, limit_s=LIMIT)
    honest_then_hanging(progress, clock)
    clock.now += 20
    progress.start("late softmax")
    progress.update("late softmax", "8/8 graded")  # the hanging one has run 20 s, 4x the median
    assert stream.getvalue().splitlines()[-1] == (
        "[20/21] late softmax: 8/8 graded (elapsed 1:55, eta 2:40, 1 running, longest 0:20 hang softmax)")


def test_reports_from_many_threads_give_one_ordered_line_each() -> None:
    stream = io.StringIO()
    progress = Progress(200, stream=stream, limit_s=LIMIT)
    barrier = threading.Barrier(8)

    def worker(first: int) -> None:
        barrier.wait()
        for index in range(first, 200, 8):
            progress.start(f"s{index}")
            progress.update(f"s{index}", "graded")

    threads = [threading.Thread(target=worker, args=(first,)) for first in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counters = [line.split("]")[0] for line in stream.getvalue().splitlines()]
    assert counters == [f"[{done:>3}/200" for done in range(1, 201)]
    snapshot = progress.tracker.snapshot()
    assert (snapshot.done, snapshot.running) == (200, 0)


def test_terminal_gets_a_rich_bar_that_redraws_itself() -> None:
    stream, clock = FakeTerminal(), FakeClock()
    progress = Progress(4, stream=stream, clock=clock, auto_refresh=False)
    progress.start("alice softmax")
    clock.now += 10
    progress.update("alice softmax", "8/8 graded")
    assert "\n" not in stream.getvalue() and "\x1b[" in stream.getvalue(), "one styled line, rewritten"
    last = frames(stream.getvalue())[-1]
    assert "━" in last and "1/4" in last and "25%" in last and "elapsed 0:10, eta 0:30" in last
    assert last.rstrip().endswith("last alice softmax: 8/8 graded")
    progress.start("bob softmax")
    clock.now += 10
    progress.update("bob softmax", "0/8 failed")
    last = frames(stream.getvalue())[-1]
    assert "2/4" in last and "50%" in last and "eta 0:20" in last and "last bob softmax: 0/8 failed" in last
    progress.close()
    progress.close()
    assert stream.getvalue().count("\n") == 1 and "\n" in stream.getvalue()[-10:]


def test_terminal_bar_shows_the_longest_running_submission_and_the_honest_eta() -> None:
    stream, clock = FakeTerminal(), FakeClock()
    progress = Progress(20, stream=stream, clock=clock, limit_s=LIMIT, auto_refresh=False)
    honest_then_hanging(progress, clock)
    clock.now += 30
    progress.start("other softmax")  # any report redraws
    last = frames(stream.getvalue())[-1]
    assert "19/20" in last and "eta 2:30" in last and "2 running, longest 0:30 hang softmax" in last


def test_terminal_line_fits_the_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    stream = FakeTerminal()
    progress = Progress(3, stream=stream, clock=FakeClock(), auto_refresh=False)
    progress.update("x" * 100, "graded")
    shown = frames(stream.getvalue())
    assert shown and all(len(frame.rstrip()) <= 60 for frame in shown)
    assert "1/3" in shown[-1] and "…" in shown[-1], "the label is cut, the counts stay"


def test_nothing_to_grade_draws_nothing() -> None:
    stream = FakeTerminal()
    Progress(0, stream=stream).close()
    assert stream.getvalue() == ""


def test_is_terminal_overrides_isatty() -> None:
    stream = FakeTerminal()
    with Progress(1, stream=stream, is_terminal=False, clock=FakeClock()) as progress:
        progress.update("alice softmax", "8/8 graded")
    assert stream.getvalue() == "[1/1] alice softmax: 8/8 graded (elapsed 0:00, eta 0:00)\n"


def test_force_color_never_turns_a_log_into_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    stream = io.StringIO()
    with Progress(1, stream=stream, clock=FakeClock()) as progress:
        progress.update("alice softmax", "8/8 graded")
    assert not progress.is_terminal and stream.getvalue().startswith("[1/1] alice softmax")
    assert "\x1b" not in stream.getvalue()


def test_rich_can_veto_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "0")
    stream = FakeTerminal()
    with Progress(1, stream=stream, clock=FakeClock()) as progress:
        progress.update("alice softmax", "8/8 graded")
    assert not progress.is_terminal and "\x1b" not in stream.getvalue()


HOSTILE = ("[bold red]x[/] softmax", "e\x1b[2Jve\x1b[31m\r\n softmax")


def test_hostile_labels_in_a_log_are_literal_and_inert() -> None:
    stream = io.StringIO()
    progress = Progress(2, stream=stream, clock=FakeClock())
    for label in HOSTILE:
        progress.start(label)
    progress.update(HOSTILE[0], "failed: [link=http://x]boom[/link]")
    progress.update(HOSTILE[1], "failed: \x1b]0;title\x07")
    output = stream.getvalue()
    assert "\x1b" not in output and "\r" not in output and "\x07" not in output
    lines = output.splitlines()
    assert len(lines) == 2 and lines[0].startswith("[1/2] [bold red]x[/] softmax: failed: [link=http://x]boom[/link]")
    assert "longest 0:00 e\\x1b[2Jve\\x1b[31m\\x0d\\x0a softmax" in lines[0]
    assert lines[1].startswith("[2/2] e\\x1b[2Jve\\x1b[31m\\x0d\\x0a softmax: failed: \\x1b]0;title\\x07")


def run_on_terminal(labels: tuple[str, str], outcome: str) -> str:
    """Everything a terminal receives for two submissions named ``labels``."""
    stream, clock = FakeTerminal(), FakeClock()
    progress = Progress(3, stream=stream, clock=clock, limit_s=LIMIT, auto_refresh=False)
    for label in labels:
        progress.start(label)
    clock.now += 3
    progress.update(labels[0], outcome)
    progress.close()
    return stream.getvalue()


def test_hostile_labels_on_a_terminal_are_neither_styled_nor_injected() -> None:
    hostile = run_on_terminal(HOSTILE, "failed: [blink]boom[/blink]")
    shown = ANSI.sub("", hostile)
    assert "[bold red]x[/] softmax: failed: [blink]boom[/blink]" in shown
    assert "e\\x1b[2Jve\\x1b[31m\\x0d\\x0a softmax" in shown
    assert "\x1b[2J" not in hostile and "\x1b[31m\r" not in hostile
    # Byte for byte what the same visible text gives: no markup was read, no sequence was passed on.
    benign = run_on_terminal(("(bold red)x(/) softmax", "e\\x1b[2Jve\\x1b[31m\\x0d\\x0a softmax"),
                             "failed: (blink)boom(/blink)")
    literal = hostile.replace("[bold red]x[/]", "(bold red)x(/)").replace("[blink]boom[/blink]", "(blink)boom(/blink)")
    assert literal == benign
