"""The feedback lane: each student's pages are made right after their result is recorded, while
the rest of the class is graded, so a run ends when its last submission ends.

The lane is one long-lived process, ``python -m autograder.grading.feedback_lane ASSIGNMENT``, run
in the course folder with the coordinator's trust. It reads only what the coordinator recorded,
and makes it inert and strips the hidden tests before nbgrader sees it (:mod:`.feedback`). It
imports nbgrader once, then reads one student id a line and answers each with one JSON line,
``{"student": ..., "error": null or "..."}``, in the order asked. So the oldest unanswered student
is the one being rendered: if the lane dies, or says nothing for ``stall_s``, that student is named
and a new lane makes the rest.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO, TextIO

from autograder.release import nbgrader_env

from .course import Course
from .importer.names import is_safe_id
from .inert import printable

STALL_S = 120.0  # the longest one student's pages may take before their lane is replaced
MAX_STARTS = 4  # lanes started in one run before the rest of the class is left without pages


def serve(course: Course, assignment: str, scratch: Path, requests: TextIO, replies: TextIO) -> None:
    """Answer each student id read from ``requests`` with one JSON line on ``replies``; the stripped
    copies of the notebooks are made under ``scratch``."""
    from .feedback import render_feedback

    for line in requests:
        student, error = line.strip(), None
        try:
            render_feedback(course, assignment, student, scratch)
        except RuntimeError as failure:
            error = str(failure)
        except Exception as failure:  # noqa: BLE001 - a notebook nothing can read costs only its pages
            error = f"{type(failure).__name__}: {failure}"
        replies.write(json.dumps({"student": student, "error": error and error[:500]}) + "\n")
        replies.flush()


def _read_replies(stream: IO[str], replies: queue.Queue[str | None]) -> None:
    """Move the lane's reply lines into ``replies``; None once the lane has closed its output."""
    for line in stream:
        replies.put(line)
    replies.put(None)


class FeedbackLane:
    """The coordinator's end: :meth:`submit` each student once their result is recorded,
    :meth:`finish` once the class is graded, :meth:`close` in any case."""

    def __init__(self, course: Course, assignment: str, stall_s: float = STALL_S) -> None:
        self.course, self.assignment, self.stall_s = course, assignment, stall_s
        self.pending: list[str] = []  # asked and not yet answered, oldest first
        self.done: set[str] = set()
        self.problems: dict[str, str] = {}  # student -> why they have no (new) pages
        self.starts, self.closing, self.broken = 0, False, ""  # broken: why no lane runs any more
        self.scratch = Path(tempfile.mkdtemp(prefix="feedback-"))
        self._start()

    def _start(self) -> None:
        self.starts += 1
        self._errors = tempfile.TemporaryFile()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "autograder.grading.feedback_lane", self.assignment, str(self.scratch)],
            cwd=self.course.root, env=nbgrader_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self._errors, text=True)
        self._replies: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=_read_replies, args=(self._process.stdout, self._replies), daemon=True).start()
        for student in self.pending:
            self._send(student)
        if self.closing:
            with contextlib.suppress(OSError):
                self._process.stdin.close()

    def _send(self, student: str) -> None:
        try:
            self._process.stdin.write(student + "\n")
            self._process.stdin.flush()
        except OSError:
            pass  # the lane has died: the end of its answers says so, and its successor is asked again

    def submit(self, student: str) -> None:
        """Ask for ``student``'s pages (now recorded); answers already in are taken on the way."""
        if self.broken or not is_safe_id(student):
            self.problems[student] = self.broken or "not a usable student id"
        elif student not in self.pending and student not in self.done:
            self.pending.append(student)
            self._send(student)
        while self._take(None):
            pass

    def finish(self, students: list[str]) -> dict[str, str]:
        """Ask for ``students`` not asked yet, wait for every answer; who got no pages, and why."""
        for student in students:
            self.submit(student)
        self.closing = True
        with contextlib.suppress(OSError):
            self._process.stdin.close()
        while self.pending:
            self._take(self.stall_s)
        self._stop(grace_s=30)
        self.close()
        return self.problems

    def _take(self, wait_s: float | None) -> bool:
        """Take one answer (waiting up to ``wait_s``; None: only one already there); False if none."""
        try:
            line = self._replies.get(timeout=wait_s) if wait_s else self._replies.get_nowait()
        except queue.Empty:
            if wait_s:
                self._replace(f"making them took longer than {self.stall_s:g} s")
            return False
        if line is None:
            if self.pending or not self.closing:  # it ended before its last answer, or between students
                self._replace(f"the feedback process ended while making them ({self._last_words()})")
            return False
        student = self.pending.pop(0)
        try:
            error = json.loads(line).get("error")
        except (ValueError, AttributeError):
            error = f"the feedback process answered {printable(line)[:100]!r}"
        if error:
            self.problems[student] = str(error)
        else:
            self.done.add(student)
        return True

    def _replace(self, why: str) -> None:
        """Name the student being made (if any), stop this lane and start another for the rest."""
        if self.pending:
            self.problems[self.pending.pop(0)] = why
        self._stop()
        if self.starts >= MAX_STARTS:
            self.broken = f"the feedback process failed {self.starts} times ({self._last_words()})"
            self.problems.update({student: self.broken for student in self.pending})
            self.pending.clear()
        elif self.pending or not self.closing:
            self._start()

    def _last_words(self) -> str:
        """The last line the lane wrote to its stderr."""
        self._errors.seek(0)
        lines = [line for line in self._errors.read()[-4000:].decode(errors="replace").splitlines() if line.strip()]
        return printable(lines[-1])[:300] if lines else "no message"

    def _stop(self, grace_s: float = 0) -> None:
        """Stop the lane: it has ``grace_s`` to end by itself, then it is killed."""
        try:
            self._process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def close(self) -> None:
        """Stop the lane and remove its scratch folder."""
        self._stop()
        shutil.rmtree(self.scratch, ignore_errors=True)


def main() -> None:
    """``python -m autograder.grading.feedback_lane ASSIGNMENT``, in the course folder."""
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # anything else printed goes to stderr, never into the answers
    serve(Course(Path.cwd()), sys.argv[1], Path(sys.argv[2]), sys.stdin, replies)


if __name__ == "__main__":
    main()
