"""The instructor's semester, as the README walks it, in one course folder made from nothing.

``init`` with a roster and a due date; ``import`` of a Canvas download holding a late upload, a
re-upload, an infinite loop, a page that tries to run script in formgrader, and a file that is not
a notebook; ``grade`` with the preflight's derived limits; the feedback; a score and a comment set
by hand through formgrader's own API on a real Jupyter server (and a submission opened in its page
in Chromium); ``grade`` again, which keeps them; the grades back to Canvas and Moodle. The whole
walk runs once (module fixture); each test checks one step.
"""

from __future__ import annotations

import csv
import filecmp
import re
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pytest

from autograder.grading.scores import format_score
from autograder.grading.usage import check_course
from autograder.release import REPO_ROOT, nbgrader_env
from support.formgrader import Formgrader, formgrader
from support.zips import make_zip

ASSIGNMENT = "softmax"
ROSTER = ("id,first_name,last_name,email\nada,Ada,Lovelace,ada@example.org\nalan,Alan,Turing,\n"
          "grace,Grace,Hopper,\nbob,Bob,Bobson,\nlin,Lin,Lee,\nmallory,Mallory,Malice,\n")
CORRECT = "def softmax(logits, dim=-1):\n    return torch.exp(logits - torch.logsumexp(logits, dim, keepdim=True))\n"
WRONG_AXIS = "def softmax(logits, dim=-1):\n    return torch.exp(logits) / torch.exp(logits).sum(0)\n"
LOOP = "while True:\n    pass\n"
PWNED = "document.body.setAttribute('data-pwned', '{}')"
HOSTILE_MARKDOWN = f'My notes <img src=x onerror="{PWNED.format("markdown")}"> <script>{PWNED.format("script")}</script>'
HOSTILE_OUTPUT = ("from IPython.display import HTML, display\n"
                  f"display(HTML('<img src=x onerror=\"{PWNED.format('output')}\">'))\n")
COMMENT = "The loop never ends: half marks for the softmax below it."
DUE, MARCH_14, MARCH_15, MARCH_16 = "2027-03-15T23:59", (2027, 3, 14, 9, 0, 0), (2027, 3, 15, 10, 0, 0), (2027, 3, 16, 9, 0, 0)


def autograder(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True, text=True,
                          env=nbgrader_env(), timeout=1800)


def answered(exercise: Path, code: str, hostile: bool = False) -> bytes:
    """The released notebook with its answer cell filled in (and a student's own hostile cells)."""
    notebook = nbformat.read(exercise, as_version=4)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "softmax-solution":
            cell.source = code
    if hostile:
        notebook.cells += [nbformat.v4.new_markdown_cell(HOSTILE_MARKDOWN), nbformat.v4.new_code_cell(HOSTILE_OUTPUT)]
    return nbformat.writes(notebook).encode()


def report(course: Path, name: str) -> dict[str, dict[str, str]]:
    with (course / "reports" / ASSIGNMENT / name).open(newline="") as stream:
        return {row["student"]: row for row in csv.DictReader(stream)}


def export(course: Path, fmt: str, *extra: str) -> tuple[list[dict[str, str]], subprocess.CompletedProcess[str]]:
    run = autograder("export", ASSIGNMENT, "--format", fmt, "--course-dir", str(course), *extra)
    assert run.returncode == 0, run.stderr
    with (course / "exports" / f"{ASSIGNMENT}-{fmt}.csv").open(newline="") as stream:
        return list(csv.DictReader(stream)), run


@dataclass
class Semester:
    """Each step's outcome, in order."""

    course: Path
    steps: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)
    grade_seconds: float = 0.0
    by_hand: dict[str, object] = field(default_factory=dict)
    page: dict[str, str] = field(default_factory=dict)
    feedback_math: dict[str, object] = field(default_factory=dict)
    comments_after: list[str] = field(default_factory=list)


def hand_grade(client: Formgrader, student: str, fraction: float, comment: str) -> dict[str, object]:
    """What an instructor does in formgrader for ``student``: every grade of the notebook set to
    ``fraction`` of its points and a comment on the answer, through formgrader's own API."""
    submissions = client.api("GET", f"submitted_notebooks/{ASSIGNMENT}/{ASSIGNMENT}")
    submission = next(item for item in submissions if item["student"] == student)
    grades = client.api("GET", f"grades?submission_id={submission['id']}")
    for grade in grades:
        client.api("PUT", f"grade/{grade['id']}", {"manual_score": fraction * grade["max_score"]})
    comments = client.api("GET", f"comments?submission_id={submission['id']}")
    for item in comments:
        client.api("PUT", f"comment/{item['id']}", {"manual_comment": comment})
    return {"submission": submission["id"], "grades": len(grades), "comments": len(comments)}


def open_in_formgrader(browser: Any, client: Formgrader, student: str) -> dict[str, str]:
    """Open ``student``'s submission in formgrader's grading page, as the instructor would."""
    submissions = client.api("GET", f"submitted_notebooks/{ASSIGNMENT}/{ASSIGNMENT}")
    submission = next(item for item in submissions if item["student"] == student)
    page = browser.new_page()
    try:
        page.goto(client.page(f"submissions/{submission['id']}/"), wait_until="load")
        page.wait_for_timeout(1000)  # an onerror handler fires once its image has failed
        return {"pwned": page.evaluate("document.body.getAttribute('data-pwned') || ''"),
                "text": page.inner_text("body")}
    finally:
        page.close()


def math_on_page(browser: Any, course: Path, student: str) -> dict[str, object]:
    """How the math of ``student``'s feedback page shows in Chromium, offline: the MathML elements
    (and the formulas of the exercise's text), how the browser lays the first out, and any TeX
    source left for a script that will never run."""
    exercise = nbformat.read(course / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    markdown = "\n\n".join(cell.source for cell in exercise.cells if cell.cell_type == "markdown")
    formulas = re.findall(r"\$\$.+?\$\$|\$[^$]+\$", markdown, re.S)
    page = browser.new_page()
    try:
        page.goto((course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").as_uri(), wait_until="load")
        return {"count": page.evaluate("document.querySelectorAll('math').length"),
                "formulas": len(formulas),
                "display": page.evaluate("getComputedStyle(document.querySelector('math')).display"),
                "tex_left": [tex for tex in formulas if tex in page.inner_text("body")]}
    finally:
        page.close()


def walk(base: Path, browser: Any) -> Semester:
    (base / "roster.csv").write_text(ROSTER)
    semester = Semester(base / "ml-2027")
    course, steps = semester.course, semester.steps
    steps["init"] = autograder("init", str(course), "--assignment", ASSIGNMENT, "--due", f"{ASSIGNMENT}={DUE}",
                               "--roster", str(base / "roster.csv"))
    exercise = course / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    download = make_zip(base / "canvas.zip", [
        ("ada_1201_9001_softmax.ipynb", answered(exercise, WRONG_AXIS), MARCH_14),
        ("ada_1201_9011_softmax-1.ipynb", answered(exercise, CORRECT), MARCH_15),
        ("alan_LATE_1202_9002_softmax.ipynb", answered(exercise, CORRECT), MARCH_16),
        ("grace_1203_9003_softmax.ipynb", answered(exercise, LOOP + CORRECT), MARCH_15),
        ("bob_1204_9004_softmax.docx", b"PK\x03\x04 a word document", MARCH_15),
        ("mallory_1205_9005_softmax.ipynb", answered(exercise, CORRECT, hostile=True), MARCH_15),
    ])
    steps["import"] = autograder("import", ASSIGNMENT, str(download), "--course-dir", str(course))
    started = time.monotonic()
    steps["grade"] = autograder("grade", ASSIGNMENT, "--jobs", "2", "--course-dir", str(course))
    semester.grade_seconds = time.monotonic() - started
    semester.feedback_math = math_on_page(browser, course, "ada")
    with formgrader(course) as client:
        semester.by_hand = hand_grade(client, "grace", 0.5, COMMENT)
        semester.page = open_in_formgrader(browser, client, "mallory")
    steps["regrade"] = autograder("grade", ASSIGNMENT, "--jobs", "2", "--course-dir", str(course))
    semester.comments_after = comments(course, "grace")
    return semester


def comments(course: Path, student: str) -> list[str]:
    """The comments set by hand on ``student``'s submission, from the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return [comment.manual_comment for notebook in gradebook.find_submission(ASSIGNMENT, student).notebooks
                for comment in notebook.comments if comment.manual_comment]


@pytest.fixture(scope="module")
def semester(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Semester:
    """The walk, once for the module (``browser``: the session's Chromium; Playwright's sync API
    allows one at a time)."""
    return walk(tmp_path_factory.mktemp("semester"), browser)


def _rows(course: Path, query: str) -> list[tuple]:
    with sqlite3.connect(course / "gradebook.db") as connection:
        return connection.execute(query).fetchall()


@pytest.mark.slow
def test_init_makes_a_course_the_grader_accepts(semester: Semester) -> None:
    course, init = semester.course, semester.steps["init"]
    assert init.returncode == 0, init.stderr
    check_course(course, ASSIGNMENT)
    assert filecmp.cmp(course / "nbgrader_config.py", REPO_ROOT / "nbgrader_config.py", shallow=False)
    generated = course / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert generated.read_bytes() == (REPO_ROOT / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_bytes()
    assert _rows(course, "SELECT name, duedate FROM assignment") == [(ASSIGNMENT, "2027-03-15 23:59:00.000000")]
    assert ("ada", "Ada", "Lovelace", "ada@example.org") in _rows(course, "SELECT id, first_name, last_name, email FROM student")
    assert "registered 6 students" in init.stdout and "softmax is due 2027-03-15 23:59" in init.stdout


@pytest.mark.slow
def test_import_keeps_the_newest_upload_and_names_what_it_rejects(semester: Semester) -> None:
    imported = semester.steps["import"]
    assert imported.returncode == 1, "a rejected file makes the import's exit status 1"
    assert "ada_1201_9001_softmax.ipynb" in imported.stdout and "not a notebook" in imported.stdout + imported.stderr
    submitted = semester.course / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == ["ada", "alan", "grace", "mallory"]
    assert "torch.logsumexp" in (submitted / "ada" / ASSIGNMENT / "softmax.ipynb").read_text(), "the re-upload wins"


@pytest.mark.slow
def test_grading_runs_the_preflight_and_an_infinite_loop_costs_one_cell_limit(semester: Semester) -> None:
    run = semester.steps["grade"]
    assert run.returncode == 0, run.stderr[-3000:]
    limits = re.search(r"preflight: the solution gets full marks in (\d+) s(?: \(cached\))?; limits: (\d+) s a cell, "
                       r"(\d+) s a submission", run.stdout)
    assert limits, run.stdout[:2000]
    solution, cell, _ = (int(value) for value in limits.groups())
    grades = report(semester.course, "grades.csv")
    assert "Warning" not in run.stderr, "nbgrader's noise stays off the instructor's terminal"
    grace = grades["grace"]
    assert grace["status"] == "graded" and grace["reason"].startswith("softmax.ipynb: cell "), grace
    assert f"(softmax-solution) ran past the limit of {cell} s a cell" in grace["reason"], grace
    # Two lanes: the loop holds one for a cell's limit while the three others share the second.
    assert semester.grade_seconds < cell + 3 * max(solution, 10) + 60, (semester.grade_seconds, limits.groups())


@pytest.mark.slow
def test_the_reports_name_every_student_of_the_roster(semester: Semester) -> None:
    grades = report(semester.course, "grades.csv")
    full = grades["ada"]["max_score"]
    assert {student: row["status"] for student, row in grades.items()} == {
        "ada": "graded", "alan": "graded", "grace": "graded", "mallory": "graded", "bob": "rejected", "lin": "missing"}
    assert grades["ada"]["score"] == grades["alan"]["score"] == grades["mallory"]["score"] == full
    assert (grades["alan"]["late"], grades["ada"]["late"]) == ("yes", "no")
    assert grades["ada"]["submitted_at"].startswith("2027-03-15T10:00")
    assert "not a notebook" in grades["bob"]["reason"]


@pytest.mark.slow
def test_feedback_says_in_words_why_grading_stopped(semester: Semester) -> None:
    feedback = semester.course / "feedback"
    assert sorted(p.name for p in feedback.iterdir()) == ["ada", "alan", "grace", "mallory"]
    page = (feedback / "grace" / ASSIGNMENT / "softmax.html").read_text()
    assert "A cell ran past its time limit" in page and "softmax-solution" in page
    assert page.index("A cell ran past its time limit") < page.index("Exercise: a numerically stable softmax"), \
        "the note comes before the exercise's first cell"
    assert "KeyError" not in page, "the hidden cells after the interrupted one still carry the judge's verdicts"
    math = semester.feedback_math
    assert math["count"] == math["formulas"] > 0, "each formula of the exercise is MathML"
    assert "math" in str(math["display"]), "Chromium lays it out as math"
    assert math["tex_left"] == [], "no TeX source is left for a script that never runs"


@pytest.mark.slow
def test_formgrader_grades_by_hand_and_shows_student_markup_inert(semester: Semester) -> None:
    assert semester.by_hand["grades"] > 0 and semester.by_hand["comments"] > 0, semester.by_hand
    assert semester.page["pwned"] == "", "a student's markup ran in the instructor's formgrader session"
    assert "My notes" in semester.page["text"] and "softmax" in semester.page["text"]


@pytest.mark.slow
def test_a_second_run_keeps_what_was_set_by_hand(semester: Semester) -> None:
    run = semester.steps["regrade"]
    assert "4 submission(s) already graded: skipped" in run.stdout, run.stdout[-2000:]
    grades = report(semester.course, "grades.csv")
    assert float(grades["grace"]["score"]) == float(grades["ada"]["max_score"]) / 2
    log = (semester.course / "reports" / ASSIGNMENT / "grading-log.txt").read_text()
    assert "score set by hand in formgrader" in log
    assert semester.comments_after and set(semester.comments_after) == {COMMENT}, semester.comments_after


@pytest.mark.slow
def test_grades_go_back_to_canvas(semester: Semester) -> None:
    course = semester.course
    full = float(report(course, "grades.csv")["ada"]["max_score"])
    rows, run = export(course, "canvas", "--lms-assignment-id", "77")
    assert list(rows[0]) == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "softmax (77)"]
    assert {row["ID"]: row["softmax (77)"] for row in rows} == {
        "1201": format_score(full), "1202": format_score(full), "1203": format_score(full / 2),
        "1205": format_score(full)}
    assert "lin" in run.stderr, "a roster student without a submission is named as not exported"
    rows, _ = export(course, "csv")
    by_student = {row["student"]: row for row in rows}
    assert (by_student["alan"]["late"], by_student["ada"]["late"]) == ("yes", "no")
    assert by_student["alan"]["name"] == "Alan Turing" and by_student["alan"]["email"] == ""


@pytest.mark.slow
def test_student_work_and_grades_stay_out_of_git(semester: Semester) -> None:
    course = semester.course
    assert (course / "exports" / f"{ASSIGNMENT}-canvas.csv").is_file() and (course / "feedback").is_dir()
    subprocess.run(["git", "init", "-q", str(course)], check=True)
    status = subprocess.run(["git", "-C", str(course), "status", "--porcelain", "--untracked-files=all"],
                            capture_output=True, text=True, check=True).stdout
    tracked = sorted(line[3:] for line in status.splitlines())
    assert all(path.split("/")[0] in (".gitignore", "nbgrader_config.py", "solutions", "exercises")
               for path in tracked), tracked


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # nbgrader's add_submission, as formgrader runs it
def test_grades_go_back_to_moodle_through_the_ids_of_its_import(semester: Semester, tmp_path: Path) -> None:
    """A Moodle download for the same course (a section that hands in on Moodle): its participant
    id goes back; the Canvas students have none, and none is guessed."""
    from nbgrader.api import Gradebook

    course = semester.course
    notebook = (course / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_bytes()
    moodle = make_zip(tmp_path / "moodle.zip", [("Grace Murray_4711_assignsubmission_file_/softmax.ipynb", notebook)])
    assert autograder("import", ASSIGNMENT, str(moodle), "--course-dir", str(course)).returncode == 0
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        gradebook.update_or_create_student("grace-murray", first_name="Grace", last_name="Murray")
        submission = gradebook.add_submission(ASSIGNMENT, "grace-murray")
        for notebook_grades in submission.notebooks:
            for grade in notebook_grades.grades:
                grade.manual_score = grade.max_score / 4
        gradebook.db.commit()
        total = gradebook.find_assignment(ASSIGNMENT).max_score
    rows, run = export(course, "moodle")
    assert list(rows[0]) == ["Identifier", "Full name", "Email address", "Grade", "Maximum Grade"]
    assert [(r["Identifier"], r["Full name"], r["Grade"], r["Maximum Grade"]) for r in rows] == [
        ("Participant 4711", "Grace Murray", format_score(total / 4), format_score(total))]
    assert "ada" in run.stderr, "Canvas uploads have no Moodle participant id"


@pytest.mark.slow
def test_a_late_submission_is_charged_by_the_courses_late_policy(semester: Semester) -> None:
    """nbgrader's LateSubmissionPlugin decides, as under ``nbgrader autograde``: alan's upload is
    late, but the default policy charges nothing; with ``penalty_method = "zero"`` the whole score,
    which the LMS export subtracts."""
    from nbgrader.api import Gradebook

    from autograder.grading.course import Course
    from autograder.grading.export import grade_rows
    from autograder.grading.merge import record_scores
    from autograder.grading.task import CellScore, GradingResult

    course, config = semester.course, semester.course / "nbgrader_config.py"
    full = GradingResult("alan", ASSIGNMENT, "graded", cells=[
        CellScore(cell.notebook, cell.cell, cell.max_score, cell.max_score) for cell in Course(course).graded_cells(ASSIGNMENT)])

    def penalty() -> tuple[float, float]:
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
            submission = gradebook.find_submission(ASSIGNMENT, "alan")
            return float(submission.late_submission_penalty), float(submission.score)

    assert penalty() == (0.0, full.max_score), "graded late, charged nothing by default"
    original = config.read_text()
    try:
        config.write_text(original + '\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
        record_scores(Course(course), full)
        assert penalty() == (full.max_score, full.max_score)
        assert next(row for row in grade_rows(course, ASSIGNMENT) if row.student == "alan").score == 0.0
    finally:
        config.write_text(original)


@pytest.mark.slow
def test_running_init_again_keeps_your_changes_and_regenerates_nothing(semester: Semester) -> None:
    course = semester.course
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text() + "\nc.Execute.timeout = 60\n")
    exercise = course / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    stamp, gradebook = exercise.stat().st_mtime_ns, (course / "gradebook.db").read_bytes()
    again = autograder("init", str(course), "--assignment", ASSIGNMENT)
    assert again.returncode == 0, again.stderr
    assert "kept your nbgrader_config.py" in again.stdout and "generated" not in again.stdout
    assert config.read_text().endswith("c.Execute.timeout = 60\n")
    assert exercise.stat().st_mtime_ns == stamp and (course / "gradebook.db").read_bytes() == gradebook
