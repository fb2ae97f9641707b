"""A released exercise runs for a student who has only ``studentkit`` (no ``autograder``).

The student's environment is a fresh virtual environment that sees the third-party packages
(torch, Jupyter, ...) and a wheel-installed ``studentkit``, but not this repository's sources; once
with the course's torch, once with a CPU-only torch build installed in the venv itself. There the
``softmax`` exercise runs with its public checks, and the ``training`` exercise's public checks run
too: its pieces go through the scenarios the student package ships (``studentkit.scenarios``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest

from autograder.release import REPO_ROOT

ASSIGNMENT = "softmax"


CPU_ONLY_TORCH = "torch==2.13.0+cpu"
"""A CPU-only build, as the README's note installs it (from pip's configured sources: the PyTorch CPU
index, or a wheel the machine keeps, as here)."""


def _student_python(root: Path, torch_requirement: str | None = None) -> Path:
    """A venv whose site-packages has studentkit installed from its wheel and links to third-party
    packages; with ``torch_requirement``, that torch installed in the venv itself (it comes first)."""
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # Third-party packages only: a path entry in a .pth does not process the editable installs' own .pth files.
    (site / "third_party.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wanted = [str(REPO_ROOT / "studentkit")] + ([torch_requirement] if torch_requirement else [])
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(site), *wanted], check=True, capture_output=True)
    return python


def _answers(assignment: str) -> dict[str, str]:
    """The solution's answer cells by grade id, their code with the solution markers removed."""
    solution = nbformat.read(REPO_ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: re.sub(r" *### (BEGIN|END) SOLUTION\n", "", c.source)
            for c in solution.cells if c.metadata.get("nbgrader", {}).get("solution")}


def _completed_exercise(folder: Path) -> Path:
    """The released notebook with the solution's code (markers removed) typed into its answer cell."""
    exercise = nbformat.read(REPO_ROOT / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    answers = _answers(ASSIGNMENT)
    for cell in exercise.cells:
        cell.source = answers.get(cell.metadata.get("nbgrader", {}).get("grade_id"), cell.source)
    path = folder / f"{ASSIGNMENT}.ipynb"
    nbformat.write(exercise, path)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("torch_requirement", [None, CPU_ONLY_TORCH], ids=["course-torch", "cpu-only-torch"])
def test_exercise_runs_with_only_studentkit(tmp_path: Path, torch_requirement: str | None) -> None:
    python = _student_python(tmp_path, torch_requirement)
    work = tmp_path / "work"
    work.mkdir()
    notebook = _completed_exercise(work)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    probe = subprocess.run([str(python), "-c", "import studentkit, importlib.util as u; "
                            "print(studentkit.__file__, u.find_spec('autograder'))"],
                           cwd=work, env=env, capture_output=True, text=True, check=True)
    assert probe.stdout.split()[-1] == "None", "autograder must not be importable in the student's environment"
    assert str(REPO_ROOT) not in probe.stdout, "studentkit must come from its installed wheel"
    subprocess.run([str(python), "-m", "nbconvert", "--to", "notebook", "--execute", "--output", "ran.ipynb",
                    str(notebook)], cwd=work, env=env, check=True, capture_output=True)
    ran = nbformat.read(work / "ran.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in ran.cells if c.cell_type == "code" for o in c.outputs)
    assert "The basic tests pass." in printed and "All public checks pass." in printed
    training = "import torch\nfrom typing import Callable, Iterable\n" + "\n".join(_answers("training").values())
    checked = subprocess.run([str(python), "-c", training + "\nimport studentkit\nstudentkit.check('training')"],
                             cwd=work, env=env, capture_output=True, text=True)
    assert checked.returncode == 0 and "All public checks pass." in checked.stdout, checked.stderr[-2000:]
    assert "sgd: updates the parameters in place" in checked.stdout
    assert "(graded only: the training loop" in checked.stdout
    build = subprocess.run([str(python), "-c", "import torch; print(torch.__version__, torch.version.cuda)"],
                           cwd=work, env=env, capture_output=True, text=True, check=True).stdout.split()
    if torch_requirement:
        assert build == ["2.13.0+cpu", "None"], f"the notebook should have run on the CPU-only build, not {build}"


def test_the_lab_extra_resolves_in_the_course_environment() -> None:
    """``pip install "./studentkit[lab]"`` asks for JupyterLab, nbgrader and a kernel, all satisfied by
    the course's pinned environment (a dry run with no index: a misspelt or unpinned name fails)."""
    import json

    run = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "--no-build-isolation",
                          "--quiet", "--report", "-", f"{REPO_ROOT / 'studentkit'}[lab]"],
                         capture_output=True, text=True, check=True)
    report = json.loads(run.stdout)
    to_install = {item["metadata"]["name"] for item in report["install"]}
    assert to_install == {"studentkit"}, to_install
    requested = report["install"][0]["metadata"].get("requires_dist", [])
    lab = {req.split(";")[0].split(">")[0].split("<")[0].split("=")[0].strip() for req in requested if "extra == \"lab\"" in req}
    assert lab == {"jupyterlab", "nbgrader", "ipykernel"}, requested
