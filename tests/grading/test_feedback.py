"""Feedback shows what a hidden test checked and the judge's message, never the hidden code."""

from __future__ import annotations

from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder.grading.feedback import strip_hidden_tests

HIDDEN_CELL = ('# Hidden test (2 points): stays finite.\n### BEGIN HIDDEN TESTS\nfrom autograder.probe import check\n'
               'check("softmax/extreme_logits", softmax)\n### END HIDDEN TESTS')


def test_hidden_blocks_and_their_tracebacks_are_cut() -> None:
    failing = new_code_cell(HIDDEN_CELL, outputs=[new_output(
        "error", ename="CheckFailed", evalue="softmax failed ... Hint: shift the logits",
        traceback=["---> 4 check(\"softmax/extreme_logits\", softmax)", "CheckFailed: softmax failed"])])
    student = new_code_cell("def softmax(x):\n    return x", outputs=[new_output(
        "error", ename="ValueError", evalue="bad", traceback=["line 2 in softmax", "ValueError: bad"])])
    notebook = strip_hidden_tests(new_notebook(cells=[student, failing]))
    assert notebook.cells[1].source == "# Hidden test (2 points): stays finite."
    assert notebook.cells[1].outputs[0]["traceback"] == ["CheckFailed: softmax failed ... Hint: shift the logits"]
    assert notebook.cells[0].outputs[0]["traceback"] == ["line 2 in softmax", "ValueError: bad"], \
        "the student's own tracebacks stay"
