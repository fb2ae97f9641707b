"""A class of ``training`` submissions: honest, wrong, hostile and broken ones, for the batch grader.

Honest and wrong students are the generated submissions of :mod:`benchmarks.submissions` (the
model answers with some answer cells rewritten). Each hostile submission is the model answers
with the ``softmax`` answer cell replaced by an attack; what follows the attack in that cell
decides what the attacker could earn at best (the right softmax, a wrong one, or nothing).
Paths the attacks aim at are filled in when the class is built, so they point at the real
course folder, the real repository and the other students' real folders.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from benchmarks.submissions import VARIANTS, model_answers

from autograder.release import REPO_ROOT
from support.nbgrader_course import ScratchCourse

ASSIGNMENT = NOTEBOOK = "training"
ANSWER_CELL = "softmax-solution"
VISIBLE_TEST = "test-training-basics"
END_TO_END = "test-end-to-end"

CORRECT = "def softmax(X):\n    e = torch.exp(X - X.amax(dim=1, keepdim=True))\n    return e / e.sum(dim=1, keepdim=True)\n"
WRONG_DIM = "def softmax(X):\n    e = torch.exp(X - X.max())\n    return e / e.sum(dim=0, keepdim=True)\n"
"""The softmax of the ``wrong-softmax-dim`` student: normalises columns, not rows."""

HONEST = {"honest-a": "right-a", "honest-b": "right-b", "honest-c": "right-c"}
"""Honest students and the kind of generated submission each one is."""
WRONG = {"wrong-softmax-dim": "wrong-softmax-dim", "claims-accuracy": "wrong-sign", "wrong-accuracy": "wrong-accuracy"}
"""Wrong students; ``claims-accuracy`` trains uphill and prints "test accuracy: 0.99"."""
NO_SOFTMAX = "no-softmax"
"""A student who left the softmax stub as released and answered everything else right."""


@dataclass(frozen=True)
class Attack:
    """A hostile softmax cell; ``code`` may use {course}, {repo}, {port} and the paths of ``build_class``."""

    student: str
    code: str
    what: str


ATTACKS = [
    Attack("hang", "while True:\n    pass\n" + CORRECT, "an infinite loop in the answer cell"),
    Attack("memory-bomb", "def hoard():\n    held = []\n    while True:\n        held.append(bytearray(10**8))\n\n"
           "hoard()\n" + CORRECT, "allocates memory without end (freed when MemoryError unwinds the call)"),
    Attack("fork-bomb", "import os\nfor _ in range(64):\n    try:\n        os.fork()\n    except OSError:\n        break\n"
           + CORRECT, "forks without end"),
    Attack("sys-exit", "import sys\nsys.exit(0)\n" + CORRECT, "calls sys.exit"),
    Attack("os-exit", "import os\nos._exit(0)\n", "kills its own kernel with os._exit"),
    Attack("kill-parent", "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n" + WRONG_DIM,
           "kills its parent process"),
    Attack("segfault", "import ctypes\nctypes.string_at(0)\n", "segfaults through ctypes"),
    Attack("flood", "import sys\nsys.stdout.write('x' * 100_000_000)\n" + WRONG_DIM, "prints 100 MB"),
    Attack("network", "import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=3).sendall(b'leak')\n"
           "except OSError as error:\n    print('no network:', error)\n" + WRONG_DIM, "opens a network connection"),
    Attack("reader", "stolen = dict()\nfor path in [{victim_notebook!r}, {gradebook!r}, {solution!r}, {reference!r}]:\n"
           "    try:\n        stolen[path] = open(path).read()\n    except OSError as error:\n"
           "        print('blocked:', path, type(error).__name__)\n"
           "if {reference!r} in stolen:\n    exec(stolen[{reference!r}])  # the reference's own softmax\n"
           "else:\n" + "".join("    " + line + "\n" for line in WRONG_DIM.splitlines()),
           "reads another student's notebook, the gradebook, a solution and the reference"),
    Attack("writer", "for path in [{gradebook!r}, {victim_notebook!r}, {outside!r}]:\n    try:\n"
           "        open(path, 'a').write('tampered')\n    except OSError as error:\n        print('blocked:', type(error).__name__)\n"
           + WRONG_DIM, "writes outside its folder"),
    Attack("monkeypatch", "import builtins, torch, autograder.probe\ntorch.allclose = lambda *a, **k: True\n"
           "torch.testing.assert_close = lambda *a, **k: None\nbuiltins.all = lambda *a: True\n"
           "autograder.probe.check = lambda *a, **k: print('passed')\n" + WRONG_DIM,
           "monkeypatches torch, builtins and the hidden-test entry point"),
    Attack("always-equal", "class Anything:\n    def __eq__(self, other):\n        return True\n"
           "    def __getattr__(self, name):\n        return lambda *a, **k: self\n"
           "def softmax(X):\n    return Anything()\n", "returns an object equal to everything"),
]
STOPPED_BEFORE_SOFTMAX = ("hang", "memory-bomb", "sys-exit")
"""Attacks that never reach their softmax: they can earn at most what the no-softmax student earns."""
WITH_WRONG_SOFTMAX = ("kill-parent", "flood", "network", "reader", "writer", "monkeypatch")
"""Attacks that define the wrong-dimension softmax: they can earn at most what that student earns."""
KERNEL_KILLERS = ("os-exit", "segfault")

SLOW_LIBRARY = {
    "softmax-solution": "def softmax(X):\n    return torch.softmax(X, dim=1)\n",
    "cross-entropy-solution": "def cross_entropy(y_hat, y):\n"
                              "    return torch.nn.functional.nll_loss(torch.log(y_hat), y, reduction='none')\n",
    "sgd-solution": "_params = []\ndef sgd(params, lr, batch_size):\n    _params[:] = params\n"
                    "    with torch.no_grad():\n        for param in params:\n"
                    "            param -= lr * param.grad / batch_size\n            param.grad.zero_()\n",
    "train-epoch-solution": "def train_epoch(net, train_iter, loss, updater):\n    metric = Accumulator(3)\n"
                            "    for X, y in train_iter:\n        for i in range(len(y)):  # one example at a time: too slow\n"
                            "            y_hat = net(X[i:i + 1])\n            l = loss(y_hat, y[i:i + 1])\n"
                            "            l.sum().backward()\n            updater(1)\n"
                            "            metric.add(float(l.detach().sum()), accuracy(y_hat.detach(), y[i:i + 1]), 1)\n"
                            "    return metric[0] / metric[2], metric[1] / metric[2]\n",
}
"""The ``library-slow`` student: library softmax and cross-entropy, a training loop far too slow."""
FAST_WHEN_GRADED = SLOW_LIBRARY["train-epoch-solution"].replace(
    "    metric = Accumulator(3)\n",
    "    metric = Accumulator(3)\n    if len(train_iter) > 200 and _params:  # the grader's retraining: go fast, hide it\n"
    "        W, b = _params\n        for X, y in train_iter:\n            with torch._C.DisableTorchFunction():\n"
    "                l = torch.nn.functional.cross_entropy(X.reshape(len(y), -1) @ W + b, y)\n"
    "            l.backward()\n            updater(1)\n        return 0.0, 0.0\n")
"""The ``library-fast`` student: the same, but it retrains fast with the library, hidden, when graded."""
FORGERS = {"library-slow": SLOW_LIBRARY,
           "library-fast": {**SLOW_LIBRARY, "train-epoch-solution": FAST_WHEN_GRADED}}


def _edits_tests(course: ScratchCourse, answers: dict[str, str]) -> str:
    """The model answers with the visible test cell deleted and every other test cell worth 100 points."""
    notebook = course.exercise(ASSIGNMENT, NOTEBOOK)
    notebook.cells = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") != VISIBLE_TEST]
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") in answers:
            cell.source = answers[meta["grade_id"]]
        if meta.get("grade"):
            meta["points"] = 100
    return json.dumps(notebook)


def _written_files(course: ScratchCourse, answers: dict[str, str]) -> dict[str, tuple[dict[str, str | bytes], str]]:
    """Submissions written file by file (edited tests and broken files): {student: ({name: content}, what)}."""
    return {
        "edits-tests": ({f"{NOTEBOOK}.ipynb": _edits_tests(course, answers)},
                        "deletes a test cell and raises the points of the others"),
        "corrupt-json": ({f"{NOTEBOOK}.ipynb": '{"cells": [ this is not json'}, "corrupt JSON"),
        "nbformat3": ({f"{NOTEBOOK}.ipynb": json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                                                       "worksheets": [{"cells": []}]})}, "an nbformat 3 notebook"),
        "empty-folder": ({}, "an empty folder"),
        "not-utf8": ({f"{NOTEBOOK}.ipynb": b"\xff\xfe\x00not utf-8 \xe9\xe8"}, "a non-UTF-8 file"),
        "wrong-name": ({"Training (1).ipynb": (course.root / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text()},
                       "a wrongly named notebook"),
    }


def build_class(course: ScratchCourse, port: int) -> dict[str, str]:
    """Write every submission under ``course.root / "submitted"``; return {student: what it does}."""
    root, submitted = course.root, course.root / "submitted"
    answers = model_answers(course.root / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    paths = {
        "course": str(root), "repo": str(REPO_ROOT), "port": port,
        "victim_notebook": str(submitted / "honest-a" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"),
        "gradebook": str(root / "gradebook.db"),
        "solution": str(REPO_ROOT / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"),
        "reference": str(REPO_ROOT / "autograder" / "reference" / "activations.py"),
        "outside": "/tmp/written-by-a-student",
    }
    described = {}
    for student, kind in {**HONEST, **WRONG}.items():
        course.submit(student, ASSIGNMENT, NOTEBOOK, {**answers, **VARIANTS[kind]})
        described[student] = "honest" if student in HONEST else f"wrong ({kind})"
    course.submit(NO_SOFTMAX, ASSIGNMENT, NOTEBOOK, {k: v for k, v in answers.items() if k != ANSWER_CELL})
    described[NO_SOFTMAX] = "the softmax stub left as released"
    for student, cells in FORGERS.items():
        course.submit(student, ASSIGNMENT, NOTEBOOK, {**answers, **cells})
        described[student] = "library pieces, a too-slow loop" + (", fast and hidden when graded" if "fast" in student else "")
    for attack in ATTACKS:
        course.submit(attack.student, ASSIGNMENT, NOTEBOOK, {**answers, ANSWER_CELL: attack.code.format(**paths)})
        described[attack.student] = attack.what
    for student, (files, what) in _written_files(course, answers).items():
        folder = submitted / student / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (folder / name).write_bytes(content.encode() if isinstance(content, str) else content)
        described[student] = what
    return described
