"""``python -m autograder init``: an instructor's course folder from nothing, safe to make twice."""

from __future__ import annotations

import filecmp
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.course_setup import parse_due, read_roster
from autograder.grading.scores import format_score
from autograder.grading.usage import check_course
from autograder.release import REPO_ROOT, nbgrader_env

ROSTER = "id,first_name,last_name,email\nada,Ada,Lovelace,ada@example.org\nalan,Alan,Turing,\n"


def init(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "autograder", "init", *args], capture_output=True, text=True,
                          env=nbgrader_env(), timeout=600)


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """A course made for the softmax assignment, with a due date and a roster."""
    base = tmp_path_factory.mktemp("init")
    (base / "roster.csv").write_text(ROSTER)
    root = base / "ml-2027"
    return root, init(str(root), "--assignment", "softmax", "--due", "softmax=2027-03-15T23:59",
                      "--roster", str(base / "roster.csv"))


def _rows(root: Path, query: str) -> list[tuple]:
    with sqlite3.connect(root / "gradebook.db") as connection:
        return connection.execute(query).fetchall()


@pytest.mark.slow
def test_init_makes_a_course_the_grader_accepts(course: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    root, run = course
    assert run.returncode == 0, run.stderr
    check_course(root, "softmax")
    assert filecmp.cmp(root / "nbgrader_config.py", REPO_ROOT / "nbgrader_config.py", shallow=False)
    generated = root / "exercises" / "softmax" / "softmax.ipynb"
    assert generated.read_bytes() == (REPO_ROOT / "exercises" / "softmax" / "softmax.ipynb").read_bytes()
    assert _rows(root, "SELECT name, duedate FROM assignment") == [("softmax", "2027-03-15 23:59:00.000000")]
    assert sorted(_rows(root, "SELECT id, first_name, last_name, email FROM student")) == [
        ("ada", "Ada", "Lovelace", "ada@example.org"), ("alan", "Alan", "Turing", None)]
    assert "registered 2 students" in run.stdout and "softmax is due 2027-03-15 23:59" in run.stdout


@pytest.mark.slow
def test_student_work_and_grades_stay_out_of_git(course: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    root, _ = course
    for private in ("submitted/ada/softmax/softmax.ipynb", "autograded/ada/softmax/softmax.ipynb",
                    "feedback/ada/softmax/softmax.html", "reports/softmax/grades.csv", "exports/canvas.csv"):
        (root / private).parent.mkdir(parents=True, exist_ok=True)
        (root / private).write_text("private")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=all"],
                            capture_output=True, text=True, check=True).stdout
    tracked = sorted(line[3:] for line in status.splitlines())
    assert all(path.split("/")[0] in (".gitignore", "nbgrader_config.py", "solutions", "exercises")
               for path in tracked), tracked


@pytest.mark.slow
def test_running_init_again_keeps_your_changes_and_regenerates_nothing(
        course: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    root, _ = course
    config = root / "nbgrader_config.py"
    config.write_text(config.read_text() + "\nc.Execute.timeout = 60\n")
    exercise = root / "exercises" / "softmax" / "softmax.ipynb"
    stamp, gradebook = exercise.stat().st_mtime_ns, (root / "gradebook.db").read_bytes()
    again = init(str(root), "--assignment", "softmax")
    assert again.returncode == 0, again.stderr
    assert "kept your nbgrader_config.py" in again.stdout and "generated" not in again.stdout
    assert config.read_text().endswith("c.Execute.timeout = 60\n")
    assert exercise.stat().st_mtime_ns == stamp and (root / "gradebook.db").read_bytes() == gradebook


def test_a_bad_roster_row_or_due_date_is_named(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("id,email\nada,a@x\n../bob,b@x\n")
    with pytest.raises(ValueError, match=r"line 3: '\.\./bob' is not a usable student id"):
        read_roster(roster)
    roster.write_text("name,email\nada,a@x\n")
    with pytest.raises(ValueError, match="needs an 'id' column"):
        read_roster(roster)
    with pytest.raises(ValueError, match="expected NAME=YYYY-MM-DDTHH:MM"):
        parse_due(["softmax=next friday"])
    assert parse_due(["softmax=2027-03-15T23:59"])["softmax"].hour == 23


def test_an_unknown_assignment_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    run = init(str(tmp_path / "course"), "--assignment", "sofmax")
    assert run.returncode == 2 and "unknown assignment(s) sofmax" in run.stderr
    assert not (tmp_path / "course").exists()


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2027, 3, 14, 12, 0, 0)), data)
    return path


def _override(root: Path, assignment: str, scores: dict[str, float]) -> None:
    """What formgrader does for a manual grade: a manual score on every graded cell of the submission."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for student, fraction in scores.items():
            submission = gradebook.find_submission(assignment, student)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    grade.manual_score = fraction * grade.max_score
            gradebook.db.commit()


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # nbgrader's add_submission, as formgrader runs it
def test_grades_go_back_to_canvas_and_moodle_through_the_ids_of_the_import(
        course: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path) -> None:
    root, _ = course
    notebook = (root / "exercises" / "softmax" / "softmax.ipynb").read_bytes()
    canvas = _zip(tmp_path / "canvas.zip", {"ada_1201_9001_softmax.ipynb": notebook,
                                            "alan_LATE_1202_9002_softmax.ipynb": notebook})
    moodle = _zip(tmp_path / "moodle.zip", {"Grace Hopper_4711_assignsubmission_file_/softmax.ipynb": notebook})
    for download in (canvas, moodle):
        imported = subprocess.run([sys.executable, "-m", "autograder", "import", "softmax", str(download),
                                   "--course-dir", str(root), "--overwrite"], capture_output=True, text=True,
                                  env=nbgrader_env())
        assert imported.returncode == 0, imported.stderr
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        gradebook.update_or_create_student("grace-hopper", first_name="Grace", last_name="Hopper")
        for student in ("ada", "alan", "grace-hopper"):
            gradebook.add_submission("softmax", student)
    _override(root, "softmax", {"ada": 1.0, "alan": 0.5, "grace-hopper": 0.25})

    def export(fmt: str, *extra: str) -> tuple[list[dict[str, str]], str]:
        run = subprocess.run([sys.executable, "-m", "autograder", "export", "softmax", "--format", fmt,
                              "--course-dir", str(root), *extra], capture_output=True, text=True, env=nbgrader_env())
        assert run.returncode == 0, run.stderr
        import csv

        with (root / "exports" / f"softmax-{fmt}.csv").open(newline="") as stream:
            return list(csv.DictReader(stream)), run.stderr

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        total = gradebook.find_assignment("softmax").max_score
    rows, left_out = export("canvas", "--lms-assignment-id", "77")
    assert list(rows[0]) == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "softmax (77)"]
    assert {(r["ID"], r["softmax (77)"]) for r in rows} == {("1201", format_score(total)),
                                                           ("1202", format_score(total / 2))}
    assert "not exported: grace-hopper" in left_out
    rows, _ = export("moodle")
    assert list(rows[0]) == ["Identifier", "Full name", "Email address", "Grade", "Maximum Grade"]
    assert [(r["Identifier"], r["Full name"], r["Grade"], r["Maximum Grade"]) for r in rows] == [
        ("Participant 4711", "Grace Hopper", format_score(total / 4), format_score(total))]
    rows, _ = export("csv")
    by_student = {r["student"]: r for r in rows}
    assert by_student["alan"]["late"] == "yes" and by_student["ada"]["late"] == "no"
    assert by_student["ada"]["submitted_at"].startswith("2027-03-14T12:00")
    assert by_student["alan"]["name"] == "Alan Turing" and by_student["alan"]["email"] == ""


@pytest.mark.slow
def test_a_late_submission_is_charged_by_the_courses_late_policy(
        course: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    """nbgrader's LateSubmissionPlugin decides, as under ``nbgrader autograde``: no penalty by default,
    the whole score with ``penalty_method = "zero"``; the LMS export subtracts it."""
    from nbgrader.api import Gradebook

    from autograder.grading.course import Course
    from autograder.grading.merge import record_scores
    from autograder.grading.task import CellScore, GradingResult

    root, _ = course
    folder = root / "submitted" / "lu" / "softmax"
    folder.mkdir(parents=True)
    (folder / "timestamp.txt").write_text("2027-03-16 10:00:00.000000 UTC")  # due 2027-03-15 23:59
    course_folder, config = Course(root), root / "nbgrader_config.py"
    full = GradingResult("lu", "softmax", "graded", cells=[
        CellScore(cell.notebook, cell.cell, cell.max_score, cell.max_score) for cell in course_folder.graded_cells("softmax")])

    def penalty() -> tuple[float, float]:
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
            submission = gradebook.find_submission("softmax", "lu")
            return float(submission.late_submission_penalty), float(submission.score)

    original = config.read_text()
    try:
        record_scores(course_folder, full)
        assert penalty()[0] == 0.0 and penalty()[1] == full.max_score
        config.write_text(original + '\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
        record_scores(course_folder, full)
        assert penalty() == (full.max_score, full.max_score)
        from autograder.grading.export import grade_rows

        assert next(row for row in grade_rows(root, "softmax") if row.student == "lu").score == 0.0
    finally:
        config.write_text(original)
