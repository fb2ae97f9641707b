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


def test_a_submission_whose_grading_did_not_finish_says_so_first_in_plain_words(tmp_path) -> None:
    import json

    import nbformat
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    from autograder.grading.course import STATUS_FILE
    from autograder.grading.feedback import _prepare

    source = tmp_path / "autograded"
    source.mkdir()
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1")]), source / "softmax.ipynb")
    reason = "cell test-b did not finish within 30 s; see [help](http://phish.example) <img src=x>"
    (source / STATUS_FILE).write_text(json.dumps({"status": "failed", "reason": reason, "notes": []}))
    _prepare(source, tmp_path / "out")
    first = nbformat.read(tmp_path / "out" / "softmax.ipynb", as_version=4).cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("**Grading did not finish")
    shown = markdown2html_mistune(first.source)
    assert "<a " not in shown and "<img" not in shown, "the reason is text, never a link or markup"
    assert "cell test-b did not finish within 30 s" in shown and "[help](http://phish.example)" in shown

    (source / STATUS_FILE).write_text(json.dumps({"status": "graded", "reason": "", "notes": []}))
    _prepare(source, tmp_path / "graded")
    assert nbformat.read(tmp_path / "graded" / "softmax.ipynb", as_version=4).cells[0].cell_type == "code"


def test_feedback_pages_wrap_long_output_lines() -> None:
    from autograder.grading.inert import add_content_security_policy

    page = add_content_security_policy("<html><head><title>t</title></head><body><pre>x</pre></body></html>")
    assert "Content-Security-Policy" in page and "white-space: pre-wrap" in page


def test_math_becomes_mathml_and_student_tex_cannot_link_or_style() -> None:
    """Feedback pages run no script, so MathJax cannot typeset them: math is MathML, which the
    browser renders itself; what TeX can smuggle into MathML (links, styles) is sanitised away."""
    from nbformat.v4 import new_markdown_cell

    from autograder.grading.inert import inert_stored

    source = (r"$\frac{e^{o_j}}{\sum_k e^{o_k}}$, $\href{javascript:alert(1)}{x}$, "
              r"$\style{background:url(http://evil.example)}{y}$ and a typo $\frac{$" "\n\n$$\\ell = -\\log p_y$$")
    cell = inert_stored(new_notebook(cells=[new_markdown_cell(source)])).cells[0]
    assert cell.source.count("<math") == 4 and "<mfrac>" in cell.source and 'display="block"' in cell.source
    assert "javascript" not in cell.source and "evil.example" not in cell.source and "style=" not in cell.source
    assert "<code>$\\frac{$</code>" in cell.source, "TeX that does not convert stays as its source"
