"""The README's table of assignments is derived from solutions/ and must say what the notebooks say."""

from __future__ import annotations

from autograder.catalog import TABLE_END, TABLE_START, markdown_table, read_assignment, readme_with_table, replace_block
from autograder.checks import properties_of, table
from autograder.release import REPO_ROOT, assignments


def test_readme_table_matches_the_notebooks() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    assert TABLE_START in readme and TABLE_END in readme
    assert readme == readme_with_table(readme, markdown_table()), (
        "README.md's table of assignments is stale: run `python -m autograder release`"
    )


def test_readme_states_the_retraining_the_check_runs() -> None:
    """Epochs, batch size, learning rate and the accuracy required come from the check itself."""
    from autograder.catalog import (CHAPTERS_START, END_TO_END_END, END_TO_END_START, end_to_end_text,
                                   readme_with_blocks)
    from autograder.checks.training import REQUIRED_ACCURACY
    from autograder.checks.training_cases import END_TO_END

    readme = (REPO_ROOT / "README.md").read_text()
    assert END_TO_END_START in readme and CHAPTERS_START in readme and readme == readme_with_blocks(readme), (
        "README.md's retraining paragraph is stale: run `python -m autograder release`")
    text = end_to_end_text()
    assert f"{END_TO_END['num_epochs']} epochs" in text and f"{REQUIRED_ACCURACY:.0%}" in text


def test_contract_table_is_current() -> None:
    readme = table.README.read_text()
    assert readme == replace_block(readme, table.TABLE_START, table.TABLE_END, table.markdown_table()), (
        "autograder/checks/README.md's contract table is stale: run `python -m autograder release`"
    )


def test_every_graded_function_has_clauses_and_every_clause_has_cases() -> None:
    for name in assignments():
        properties = properties_of(name)
        checked = {part.strip() for prop in properties for part in prop.function.replace(" and ", ",").split(",")}
        checked |= {used for prop in properties for used in prop.uses}
        for function in read_assignment(name).functions:
            assert function in checked or "your functions" in checked, f"{name}: no property checks {function}"
        for prop in properties:
            assert prop.make_cases(), f"{prop.name}: a clause without a case"


def test_a_function_shared_by_two_assignments_is_held_to_one_contract() -> None:
    """training's softmax and cross_entropy are judged on the very cases of their own assignments."""
    from autograder.checks.cross_entropy import CROSS_ENTROPY
    from autograder.checks.softmax import SOFTMAX

    for contract, shared in ((SOFTMAX, "training/softmax"), (CROSS_ENTROPY, "training/cross_entropy")):
        prop = next(p for p in properties_of("training") if p.name == shared)
        clauses = {case.clause.aspect for case in prop.make_cases()}
        assert clauses >= {"matches_reference", "contract"}, (shared, clauses)
        assert any(c.aspect in ("extreme_logits", "zero_probabilities") for c in contract.clauses if c.aspect in clauses)


def test_hidden_tests_carry_most_of_the_points() -> None:
    for name in assignments():
        assignment = read_assignment(name)
        assert assignment.functions, f"{name}: no graded function found in its solution cells"
        assert assignment.hidden_points > assignment.visible_points, name


def test_table_lists_functions_and_points(tmp_path) -> None:
    folder = tmp_path / "solutions" / "demo"
    folder.mkdir(parents=True)
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    def cell(source: str, **meta: object):
        c = new_code_cell(source)
        c.metadata["nbgrader"] = {"grade_id": f"c{len(source)}", "schema_version": 3, **meta}
        return c

    nb = new_notebook(cells=[
        cell("def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION", solution=True, grade=False),
        cell("assert f(1) == 1", grade=True, points=1, solution=False),
        cell("### BEGIN HIDDEN TESTS\nassert f(2) == 2\n### END HIDDEN TESTS", grade=True, points=3, solution=False),
    ])
    nbformat.write(nb, folder / "demo.ipynb")
    table = markdown_table(tmp_path / "solutions")
    assert "| `demo` | `exercises/demo/demo.ipynb` | `f` | 1 | 3 | 4 |" in table


def test_every_graded_cell_is_judged() -> None:
    """A student's kernel can make an assert pass; every graded cell's points also need a verdict
    from the judge, recorded outside the sandbox (see autograder.grading.ledger)."""
    import nbformat

    from autograder.checks import get_property
    from autograder.grading.ledger import properties_in

    for name in assignments():
        notebook = nbformat.read(REPO_ROOT / "solutions" / name / f"{name}.ipynb", as_version=4)
        for cell in notebook.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade"):
                judged = properties_in(cell.source)
                assert judged, f"{name}: graded cell {meta['grade_id']} asks the judge nothing"
                for prop in judged:
                    assert get_property(prop).name == prop


def test_documented_settings_come_from_the_code() -> None:
    """Numbers the READMEs state about the grader are the code's own: the default time limits
    (README.md) and the batch matrix's sizes (autograder/checks/README.md)."""
    from autograder.checks.batch_matrix import BATCH_SIZES, CLASS_COUNTS
    from autograder.grading.limits import default_limits_text

    def spoken(values: tuple[int, ...]) -> str:
        return ", ".join(map(str, values[:-1])) + f" and {values[-1]}"

    readme = (REPO_ROOT / "README.md").read_text()
    assert readme.count(default_limits_text()) == 2, "README.md states other default time limits"
    checks = " ".join((REPO_ROOT / "autograder" / "checks" / "README.md").read_text().split())
    assert f"n of {spoken(BATCH_SIZES)}, q of {spoken(CLASS_COUNTS)}" in checks
