"""The check process forgets our modules before student code runs: patching a fresh copy changes nothing.

The scenarios that exercise a student's functions live in the student package
(``studentkit.scenarios``), where a notebook can import them. The check process loads them (and the
observation) first, then forgets them by name, also as attributes of the ``studentkit`` package
that stays: student code that reaches for them gets fresh copies, and its patches of those (a
scenario's module-level helper, the plain-data conversion) leave the observation's copies alone.
"""

from __future__ import annotations

import subprocess
import sys

from autograder.release import REPO_ROOT

PROGRAM = r"""
import torch
from autograder import scenarios
from autograder.inside.check_run import _forget_autograder_modules
from autograder.observation import observe

scenarios.preload()
_forget_autograder_modules()

# --- what a notebook's cell may do
import studentkit
assert not hasattr(studentkit, "scenarios") and not hasattr(studentkit, "public"), "old copies reachable by name"
import studentkit.scenarios.training as training
import studentkit.public.outputs as outputs
import studentkit.public.readings as readings
training._leaves = lambda params, grads: [p.detach().clone().requires_grad_(True) for p in params]  # grads lost
training.as_number = lambda value: 0.75
outputs.plain_data = lambda value, depth=0: "forged"
readings.READINGS.clear()


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def accuracy(y_hat, y):
    return 2


# --- what the check process then does with the copies it loaded first
step = observe(sgd, {"args": [[torch.ones(2)], [torch.ones(2)]], "kwargs": {"lr": 0.5, "batch_size": 1},
                     "scenario": "training.sgd_step"})
assert step["error"] is None, step["error"]
assert torch.equal(step["output"]["params"][0], torch.full((2,), 0.5)), step["output"]
count = observe(accuracy, {"args": [torch.eye(2), torch.arange(2)], "kwargs": {}, "scenario": "training.count_correct"})
assert count["output"] == 2, count
print("kept")
"""


def test_patching_fresh_copies_of_the_scenarios_changes_nothing_the_check_process_runs() -> None:
    run = subprocess.run([sys.executable, "-c", PROGRAM], cwd=REPO_ROOT, capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.strip() == "kept", run.stderr[-2000:]
