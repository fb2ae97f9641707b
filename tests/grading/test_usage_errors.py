"""A mistyped course folder or assignment is answered with one line saying what to run, before torch
or nbgrader is imported, and leaves nothing behind (no empty gradebook)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = ("import sys\nfrom autograder.__main__ import main\nrc = main(sys.argv[1:])\n"
         "print('rc', rc, 'heavy', sorted(m for m in ('torch', 'nbgrader', 'nbformat') if m in sys.modules))")


def run(*args: str) -> tuple[str, str]:
    """The command's stdout (exit status and the heavy modules it imported) and stderr."""
    result = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120)
    return result.stdout.strip(), result.stderr.strip()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A course folder whose gradebook (a real nbgrader schema, made by nbgrader's API) holds ``softmax``."""
    from nbgrader.api import Gradebook

    root = tmp_path_factory.mktemp("template") / "course"
    root.mkdir()
    (root / "nbgrader_config.py").write_text("c = get_config()\n")
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        gradebook.add_assignment("softmax")
    return root


def course(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "course"))


@pytest.mark.parametrize("command", ["grade", "import"])
def test_not_a_course_is_a_one_line_usage_error_that_writes_nothing(tmp_path: Path, command: str) -> None:
    missing = tmp_path / "no-course"
    extra = [str(tmp_path / "upload.zip")] if command == "import" else []
    out, err = run(command, "softmax", *extra, "--course-dir", str(missing))
    assert out == "rc 2 heavy []", (out, err)
    assert err.count("\n") == 0 and "not an nbgrader course" in err and "--course-dir" in err
    assert not missing.exists()


@pytest.mark.parametrize("command", ["grade", "import"])
def test_an_assignment_missing_from_the_gradebook_names_the_fix(template: Path, tmp_path: Path,
                                                              command: str) -> None:
    root = course(template, tmp_path)
    before = (root / "gradebook.db").read_bytes()
    upload = tmp_path / "upload"
    upload.mkdir()
    extra = [str(upload)] if command == "import" else []
    out, err = run(command, "likelihood", *extra, "--course-dir", str(root))
    assert out == "rc 2 heavy []", (out, err)
    assert "'likelihood' is not in the gradebook" in err and "nbgrader generate_assignment likelihood --force" in err
    assert (root / "gradebook.db").read_bytes() == before
    assert not (root / "submitted").exists()


def test_no_gradebook_is_never_created_by_a_failed_command(template: Path, tmp_path: Path) -> None:
    root = course(template, tmp_path)
    (root / "gradebook.db").unlink()
    out, err = run("grade", "softmax", "--course-dir", str(root))
    assert out == "rc 2 heavy []" and "no gradebook in" in err, (out, err)
    assert not (root / "gradebook.db").exists()


def test_a_damaged_gradebook_is_named(template: Path, tmp_path: Path) -> None:
    root = course(template, tmp_path)
    (root / "gradebook.db").write_bytes(b"not a database" * 100)
    out, err = run("grade", "softmax", "--course-dir", str(root))
    assert out == "rc 2 heavy []" and "is not a readable nbgrader gradebook" in err, (out, err)


def test_a_missing_upload_is_a_usage_error(template: Path, tmp_path: Path) -> None:
    root = course(template, tmp_path)
    out, err = run("import", "softmax", str(tmp_path / "nothing.zip"), "--course-dir", str(root))
    assert out == "rc 2 heavy []" and "no such file or folder" in err, (out, err)
    assert sorted(p.name for p in root.iterdir()) == ["gradebook.db", "nbgrader_config.py"]
    with sqlite3.connect(root / "gradebook.db") as connection:
        assert connection.execute("SELECT count(*) FROM assignment").fetchone() == (1,)


def test_a_mistyped_student_is_a_usage_error_naming_who_submitted(template: Path, tmp_path: Path) -> None:
    root = course(template, tmp_path)
    for student in ("ada", "alan"):
        (root / "submitted" / student / "softmax").mkdir(parents=True)
    out, err = run("grade", "softmax", "--student", "ada", "--student", "alna", "--course-dir", str(root))
    assert out == "rc 2 heavy []", (out, err)
    assert "--student 'alna'" in err and "submissions from: ada, alan" in err and "'ada'" not in err


def test_the_grading_coordinator_never_imports_torch() -> None:
    """torch runs in the sandboxes only; the coordinator (gradebook, reports, the preflight's cache key)
    would pay a second or two for it on every ``grade``."""
    probe = ("import sys\nfrom autograder.grading import batch, preflight\nfrom autograder.grading.task import GradingTask\n"
             "preflight.environment_key(GradingTask('a', 'softmax', {}, b'', b'', '/nowhere'))\n"
             "from studentkit.data.cache import cache_dir\ncache_dir()\nprint('torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr[-2000:]
