"""Generate the student notebooks in ``exercises/`` from ``solutions/`` with nbgrader.

``python -m autograder release [ASSIGNMENT ...]`` runs plain ``nbgrader generate_assignment`` in a
scratch copy of the course (so no gradebook appears in the repository) and replaces each
``exercises/<assignment>/`` with the result. :func:`generate_exercises` is also what the drift
test calls, writing into a temporary folder and comparing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def assignments(solutions_dir: Path = REPO_ROOT / "solutions") -> list[str]:
    """Names of the assignments: the folders of ``solutions/`` that hold notebooks, in course order
    (the order of their chapters ``book/<name>.md`` in ``_toc.yml``; others last, by name)."""
    names = [p.name for p in solutions_dir.iterdir() if p.is_dir() and any(p.glob("*.ipynb"))]
    toc = (REPO_ROOT / "_toc.yml").read_text() if (REPO_ROOT / "_toc.yml").is_file() else ""
    chapters = re.findall(r"file:\s*book/(\w+)", toc)
    return sorted(names, key=lambda name: (chapters.index(name) if name in chapters else len(chapters), name))


def nbgrader_env() -> dict[str, str]:
    """The environment for nbgrader subprocesses: this interpreter's scripts first on PATH
    (nbgrader runs ``alembic`` by name)."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def generate_assignment(course: Path, name: str) -> Path:
    """Plain ``nbgrader generate_assignment NAME --force`` in the course folder ``course``; the folder
    of the generated student notebooks. RuntimeError with nbgrader's last error line on failure."""
    command = [sys.executable, "-m", "nbgrader", "generate_assignment", name, "--force"]
    result = subprocess.run(command, cwd=course, env=nbgrader_env(), capture_output=True, text=True)
    generated = course / "exercises" / name
    if result.returncode != 0 or not generated.is_dir():
        errors = [line for line in result.stderr.splitlines() if "ERROR" in line or "Error" in line]
        raise RuntimeError(f"nbgrader could not generate {name!r} in {course}: {(errors or ['no output'])[-1]}")
    return generated


def generate_exercises(names: list[str], output_dir: Path, repo_root: Path = REPO_ROOT) -> None:
    """Write ``output_dir/<name>/*.ipynb`` for each assignment, exactly as nbgrader generates them.

    Raises:
        RuntimeError: nbgrader failed; the message names the assignment and nbgrader's last error line.
    """
    with tempfile.TemporaryDirectory(prefix="release-") as scratch:
        course = Path(scratch)
        shutil.copy(repo_root / "nbgrader_config.py", course / "nbgrader_config.py")
        for name in names:
            shutil.copytree(repo_root / "solutions" / name, course / "solutions" / name)
            generated = generate_assignment(course, name)
            target = output_dir / name
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(generated, target)


def release(names: list[str] | None = None) -> list[str]:
    """Regenerate ``exercises/`` in the repository; returns the assignments written."""
    names = names or assignments()
    generate_exercises(names, REPO_ROOT / "exercises")
    return names
