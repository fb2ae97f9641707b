"""What the course's assignments are: notebooks, graded functions and points, read from ``solutions/``.

The README's assignment table is generated from here (``python -m autograder release`` rewrites it),
and a test fails when the README and the notebooks disagree.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.release import REPO_ROOT, assignments

TABLE_START, TABLE_END = "<!-- assignments:start -->", "<!-- assignments:end -->"
END_TO_END_START, END_TO_END_END = "<!-- end-to-end:start -->", "<!-- end-to-end:end -->"
CHAPTERS_START, CHAPTERS_END = "<!-- chapters:start -->", "<!-- chapters:end -->"


@dataclass(frozen=True)
class Assignment:
    """One nbgrader assignment: its notebooks, the functions students write, and its points."""

    name: str
    notebooks: tuple[str, ...]
    functions: tuple[str, ...]
    visible_points: float
    hidden_points: float

    @property
    def total_points(self) -> float:
        return self.visible_points + self.hidden_points


def _defined_names(source: str) -> list[str]:
    """Top-level functions and classes defined in a solution cell."""
    code = re.sub(r"^\s*### (BEGIN|END) SOLUTION\s*$", "", source, flags=re.MULTILINE)
    tree = ast.parse(code)
    return [node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]


def _has_visible_code(source: str) -> bool:
    """Whether a test cell shows students any code (outside its hidden block and comments)."""
    shown = re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", source, flags=re.DOTALL)
    return any(line.strip() and not line.strip().startswith("#") for line in shown.splitlines())


def read_assignment(name: str, solutions_dir: Path = REPO_ROOT / "solutions") -> Assignment:
    """Collect notebooks, graded functions and points of ``solutions/<name>/``."""
    notebooks, functions, visible, hidden = [], [], 0.0, 0.0
    for path in sorted((solutions_dir / name).glob("*.ipynb")):
        notebooks.append(path.name)
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution") and cell.cell_type == "code":
                functions += _defined_names(cell.source)
            if meta.get("grade"):
                if _has_visible_code(cell.source):
                    visible += float(meta.get("points", 0))
                else:
                    hidden += float(meta.get("points", 0))
    return Assignment(name, tuple(notebooks), tuple(functions), visible, hidden)


def _points(value: float) -> str:
    return f"{value:g}"


def markdown_table(solutions_dir: Path = REPO_ROOT / "solutions") -> str:
    """The README's table of assignments, one row each."""
    rows = [
        "| assignment | notebook | graded functions | visible points | hidden points | total |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name in assignments(solutions_dir):
        a = read_assignment(name, solutions_dir)
        notebooks = ", ".join(f"`exercises/{name}/{nb}`" for nb in a.notebooks)
        functions = ", ".join(f"`{f}`" for f in a.functions)
        rows.append(f"| `{name}` | {notebooks} | {functions} | {_points(a.visible_points)} | "
                    f"{_points(a.hidden_points)} | {_points(a.total_points)} |")
    return "\n".join(rows)


def replace_block(readme: str, start_marker: str, end_marker: str, content: str) -> str:
    """``readme`` with the text between two marker lines replaced by ``content`` (README blocks made by code).

    Raises:
        ValueError: a marker is missing.
    """
    if start_marker not in readme or end_marker not in readme:
        raise ValueError(f"README.md has no {start_marker} ... {end_marker} markers")
    start, end = readme.index(start_marker) + len(start_marker), readme.index(end_marker)
    return readme[:start] + "\n" + content + "\n" + readme[end:]


def readme_with_table(readme: str, table: str) -> str:
    """``readme`` with the text between the table markers replaced by ``table``."""
    return replace_block(readme, TABLE_START, TABLE_END, table)


def end_to_end_text() -> str:
    """The README's paragraph on the ``training`` assignment's retraining, from the check's own settings."""
    from autograder.checks.training import REQUIRED_ACCURACY
    from autograder.checks.training_cases import END_TO_END

    return (f"The `training` assignment also retrains, in a check process the notebook never ran in, a "
            f"model built from the student's own `softmax`, `cross_entropy`, `sgd` and `train_epoch` "
            f"({END_TO_END['num_epochs']} epochs, batch size {END_TO_END['batch_size']}, learning rate "
            f"{END_TO_END['lr']:g}, seed {END_TO_END['seed']}, within {END_TO_END['budget_s']:g} s) on the real "
            f"Fashion-MNIST, and the judge measures its test accuracy itself: at least "
            f"{REQUIRED_ACCURACY:.0%} is required; the accuracy the notebook prints is never used.")


def _title(chapter: Path) -> str:
    """The first level-1 heading of a MyST chapter (code fences skipped)."""
    in_fence = False
    for line in chapter.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
        elif not in_fence and line.startswith("# "):
            return line[2:].strip()
    raise ValueError(f"{chapter} has no level-1 heading")


def chapter_list(root: Path = REPO_ROOT) -> str:
    """The README's numbered list of the book's chapters, in the order of ``_toc.yml``, each with
    its graded notebook when it has one."""
    toc = (root / "_toc.yml").read_text(encoding="utf-8")
    lines = []
    for number, docname in enumerate(re.findall(r"file:\s*(book/\w+)", toc), start=1):
        name = docname.removeprefix("book/")
        notebook = root / "exercises" / name / f"{name}.ipynb"
        graded = f"; graded: `{notebook.relative_to(root)}`" if notebook.is_file() else ""
        lines.append(f"{number}. [{_title(root / f'{docname}.md')}]({docname}.md){graded}")
    return "\n".join(lines)


def readme_with_blocks(readme: str) -> str:
    """``readme`` with every generated block (the assignment table, the retraining paragraph, the
    chapter list) rewritten."""
    readme = replace_block(readme_with_table(readme, markdown_table()), END_TO_END_START, END_TO_END_END,
                           end_to_end_text())
    return replace_block(readme, CHAPTERS_START, CHAPTERS_END, chapter_list())


def update_readme(readme_path: Path = REPO_ROOT / "README.md") -> bool:
    """Rewrite the README's generated blocks; True when one changed."""
    old = readme_path.read_text()
    new = readme_with_blocks(old)
    if new != old:
        readme_path.write_text(new)
    return new != old
