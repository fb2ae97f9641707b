"""The four basic chapters (data, cross-entropy, likelihood, logistic regression), without a build.

Checks on the MyST sources: each is a real chapter (an executed notebook with figures, seeded),
never imports the autograder, never defines a graded function nor copies a line of its model
answer, quotes no hand-typed number in its prose, glues every number it quotes, and, where it
has an exercise, ends with a "Graded exercise" section naming the notebook and `nbgrader validate`.
Then the helper modules `book/bookcode/basics_*.py` are run on small inputs.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import autograder.reference as reference  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
HELPERS = sorted((BOOK / "bookcode").glob("basics_*.py"))

# chapter -> (title, graded functions of its exercise; None: no exercise)
CHAPTERS: dict[str, tuple[str, list[str] | None]] = {
    "data": ("The data: Fashion-MNIST", None),
    "cross_entropy": (
        "Cross-entropy",
        [
            "log_softmax",
            "cross_entropy",
            "cross_entropy_from_logits",
            "softmax_cross_entropy_grad",
        ],
    ),
    "likelihood": ("The likelihood link", ["categorical_nll", "categorical_mle", "model_nll"]),
    "logistic_regression": (
        "Logistic regression: the two-class case",
        ["sigmoid", "binary_cross_entropy", "two_class_logits"],
    ),
}
WITH_EXERCISE = [name for name, (_, graded) in CHAPTERS.items() if graded]

CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
FENCE = re.compile(r"^(```|~~~).*?^\1\s*$", re.MULTILINE | re.DOTALL)
GLUE_ROLE = re.compile(r"\{glue:text\}`([A-Za-z_][A-Za-z0-9_]*)(?::[^`]*)?`")
GLUE_CALL = re.compile(r"\bglue\(\s*\"([A-Za-z_][A-Za-z0-9_]*)\"")
# A number standing alone in prose: digits not glued to a word, e.g. "6000", "2.303", "10".
NUMBER = re.compile(r"(?<![\w.\-])\d+(?:[.,]\d+)*(?![\w])")
# Class indices and binary labels may be written out ("class 1", "log(0)").
ALLOWED_NUMBERS = {"0", "1", "2"}


def _source(name: str) -> str:
    return (BOOK / f"{name}.md").read_text(encoding="utf-8")


def _code(text: str) -> str:
    """The code of all code cells (cell options included)."""
    return "\n".join(CODE_CELL.findall(text))


def _prose(text: str) -> str:
    """The text a reader reads, without front matter, code, math, code spans and glue roles."""
    text = text.split("\n---\n", 1)[1] if text.startswith("---\n") else text
    text = FENCE.sub(" ", text)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.DOTALL)
    text = GLUE_ROLE.sub(" ", text)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\$[^$]*\$", " ", text)
    return text


def _sections(text: str) -> list[tuple[str, str]]:
    """(heading, body) of every level-2 section, code fences skipped when finding headings."""
    masked = FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    starts = [m.start() for m in re.finditer(r"^## ", masked, re.MULTILINE)]
    sections = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        heading, _, body = text[start:end].partition("\n")
        sections.append((heading[3:].strip(), body))
    return sections


def _normalise(line: str) -> str:
    return re.sub(r"\s+", "", line)


def _solution_lines(function_name: str) -> set[str]:
    """Substantial lines of the model answer of `function_name`: the reference function's
    body and, where solution notebooks hold it, its `### BEGIN SOLUTION` blocks."""
    lines: list[str] = []
    function = getattr(reference, function_name, None)
    if function is not None:
        source = inspect.getsource(function)
        body = source.split('"""')[-1] if source.count('"""') >= 2 else source
        lines += body.splitlines()
    for notebook in (ROOT / "solutions").glob("*/*.ipynb"):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            code = "".join(cell["source"])
            if f"def {function_name}(" in code and "### BEGIN SOLUTION" in code:
                solution = code.split("### BEGIN SOLUTION", 1)[1]
                lines += solution.split("### END SOLUTION")[0].splitlines()
    kept = {_normalise(line) for line in lines if not line.strip().startswith("#")}
    return {line for line in kept if len(line) >= 20}


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_is_a_written_notebook(name: str) -> None:
    text = _source(name)
    front = text.split("\n---\n", 1)[0]
    assert "kernelspec:" in front, f"{name}.md is not executed as a notebook"
    title = CHAPTERS[name][0]
    assert f"\n# {title}\n" in text, f"{name}.md should be titled {title!r}"
    assert "being written" not in text
    assert len(CODE_CELL.findall(text)) >= 8, f"{name}.md has too few code cells"
    assert "torch.manual_seed(" in text, f"{name}.md is not seeded"
    assert re.search(r"^mystnb:\n  figure:\n", _code(text), re.MULTILINE), (
        f"{name}.md has no captioned figure"
    )


@pytest.mark.parametrize("path", [*(BOOK / f"{n}.md" for n in CHAPTERS), *HELPERS],
                         ids=lambda p: p.name)
def test_never_imports_the_autograder(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"^\s*(import|from)\s+autograder\b", text, re.MULTILINE)


def test_helpers_exist() -> None:
    assert {p.name for p in HELPERS} >= {"basics_figures.py", "basics_loading.py"}


@pytest.mark.parametrize("name", WITH_EXERCISE)
def test_graded_functions_are_not_defined(name: str) -> None:
    graded = CHAPTERS[name][1]
    texts = {f"{name}.md": _code(_source(name))}
    texts.update({p.name: p.read_text(encoding="utf-8") for p in HELPERS})
    for where, code in texts.items():
        for function in graded:
            pattern = rf"^\s*(def\s+{function}\s*\(|{function}\s*=\s*lambda\b)"
            assert not re.search(pattern, code, re.MULTILINE), f"{where} defines {function}"


@pytest.mark.parametrize("name", ["cross_entropy", "logistic_regression"])
def test_model_answers_are_known(name: str) -> None:
    """The copy check below has model answers to compare with (the reference package holds
    those of these chapters; the likelihood chapter's come with its exercise)."""
    lines = set().union(*(_solution_lines(f) for f in CHAPTERS[name][1]))
    assert len(lines) >= 3, f"no model answer found for the graded functions of {name}"


@pytest.mark.parametrize("name", WITH_EXERCISE)
def test_no_line_of_a_model_answer_is_printed(name: str) -> None:
    code_lines = {_normalise(line) for line in _code(_source(name)).splitlines()}
    for function in CHAPTERS[name][1]:
        copied = _solution_lines(function) & code_lines
        assert not copied, f"{name}.md prints lines of the model answer of {function}: {copied}"


@pytest.mark.parametrize("name", WITH_EXERCISE)
def test_ends_with_the_exercise(name: str) -> None:
    heading, body = _sections(_source(name))[-1]
    assert heading == "Graded exercise", f"the last section of {name}.md is {heading!r}"
    assert f"exercises/{name}/{name}.ipynb" in body
    assert f"nbgrader validate exercises/{name}/{name}.ipynb" in body
    for function in CHAPTERS[name][1]:
        assert f"`{function}" in body, f"the exercise section does not name {function}"


def test_data_chapter_has_no_exercise() -> None:
    headings = [heading for heading, _ in _sections(_source("data"))]
    assert "Graded exercise" not in headings
    assert len(headings) >= 4


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_quoted_number_is_glued(name: str) -> None:
    text = _source(name)
    used = set(GLUE_ROLE.findall(text))
    stored = set(GLUE_CALL.findall(_code(text)))
    assert used, f"{name}.md quotes no computed value"
    assert used <= stored, f"{name}.md quotes values it never glues: {sorted(used - stored)}"
    assert stored <= used, f"{name}.md glues values it never quotes: {sorted(stored - used)}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_prose_has_no_typed_numbers(name: str) -> None:
    typed = [n for n in NUMBER.findall(_prose(_source(name))) if n not in ALLOWED_NUMBERS]
    assert not typed, f"{name}.md types numbers in its prose (glue them): {typed}"


def test_prose_filter_catches_typed_numbers() -> None:
    sample = "---\nk: v\n---\n# T\n\nLoss 2.303 for 10 classes, $q = 10$, `x[255]`, class 1.\n"
    assert NUMBER.findall(_prose(sample)) == ["2.303", "10", "1"]


def test_data_chapter_uses_the_real_data() -> None:
    code = _code(_source("data"))
    assert "load_fashion_mnist()" in code
    assert "data.source" in code
    assert re.search(r"load_data_fashion_mnist\(\s*256,\s*validation_size=", code)


def test_logistic_chapter_runs_where_cuda_is() -> None:
    code = _code(_source("logistic_regression"))
    assert 'device = "cuda" if torch.cuda.is_available() else "cpu"' in code
    assert "to(device" in code


# ---- the helper modules -------------------------------------------------------------


@pytest.fixture
def bookcode() -> Iterator[None]:
    sys.path.insert(0, str(BOOK))
    try:
        yield
    finally:
        sys.path.remove(str(BOOK))
        plt.close("all")


def test_first_of_each_class(bookcode: None) -> None:
    from bookcode.basics_figures import first_of_each_class

    labels = torch.tensor([2, 0, 1, 0, 2, 1, 1, 0, 2])
    index = first_of_each_class(labels, num_classes=3, per_class=2)
    assert index.shape == (2, 3)
    assert torch.equal(labels[index], torch.tensor([[0, 1, 2], [0, 1, 2]]))
    assert index[:, 0].tolist() == [1, 3]
    with pytest.raises(ValueError):
        first_of_each_class(labels, num_classes=3, per_class=4)


def test_mosaic_places_every_image(bookcode: None) -> None:
    from bookcode.basics_figures import mosaic

    images = torch.arange(1, 7, dtype=torch.uint8).reshape(6, 1, 1).expand(6, 3, 4)
    canvas = mosaic(images, rows=2, cols=3, gap=1)
    assert canvas.shape == (2 * 3 + 1, 3 * 4 + 2) and canvas.dtype == torch.float32
    assert canvas[0, 0] == 1 and canvas[0, 5] == 2 and canvas[4, 10] == 6
    assert canvas[3].abs().sum() == 0, "the gap row must stay blank"
    with pytest.raises(ValueError):
        mosaic(images, rows=2, cols=2)


def test_figures_draw_what_they_are_given(bookcode: None) -> None:
    from bookcode.basics_figures import class_balance_figure, example_grid

    names = ["a", "b", "c"]
    labels = torch.tensor([0, 1, 2] * 4)
    images = torch.randint(0, 256, (12, 28, 28), dtype=torch.uint8)
    grid = example_grid(images, labels, names, per_side=2, panels_per_row=2)
    titles = [ax.get_title() for ax in grid.axes if ax.get_title()]
    assert titles == ["0: a", "1: b", "2: c"]

    counts = {"train": torch.tensor([5, 6, 7]), "test": torch.tensor([1, 2, 3])}
    bars = class_balance_figure(counts, names).axes[0].patches
    assert sorted(round(b.get_height()) for b in bars) == [1, 2, 3, 5, 6, 7]


def test_per_sample_loader_matches_the_preloaded_batches(bookcode: None) -> None:
    from bookcode.basics_loading import PerSampleImages, per_sample_loader

    images = torch.randint(0, 256, (10, 28, 28), dtype=torch.uint8)
    labels = torch.arange(10) % 3
    x, y = PerSampleImages(images, labels)[4]
    assert x.shape == (1, 28, 28) and x.dtype == torch.float32
    assert torch.allclose(x[0], images[4].float() / 255) and y == labels[4].item()

    batches = list(per_sample_loader(images, labels, batch_size=4, seed=0))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    X = torch.cat([b[0] for b in batches])
    Y = torch.cat([b[1] for b in batches])
    assert X.shape == (10, 1, 28, 28) and Y.dtype == torch.int64
    assert sorted(Y.tolist()) == sorted(labels.tolist())
    assert torch.allclose(X.sum(), images.float().sum() / 255)
    with pytest.raises(ValueError):
        PerSampleImages(images.float(), labels)


def test_epoch_seconds_visits_every_batch(bookcode: None) -> None:
    from bookcode.basics_loading import epoch_seconds

    seen = []

    def batches() -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        for i in range(5):
            seen.append(i)
            yield torch.ones(2, 3), torch.zeros(2)

    elapsed = epoch_seconds(batches())
    assert seen == [0, 1, 2, 3, 4]
    assert isinstance(elapsed, float) and elapsed >= 0
