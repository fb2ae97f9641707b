"""The last chapters (training, soft labels, going further), the glossary and the references,
without a build.

Checks on the MyST sources: each chapter is an executed, seeded notebook with captioned
figures; it never imports the autograder, never defines a graded function of its exercise nor
prints a line of its model answer; it glues every number it quotes and types none in its
prose; its "Graded exercise" section names an existing notebook, its graded functions and
`nbgrader validate`. The "going further" chapter touches the test set in one cell only, after
every decision. The glossary defines every term the book links to, and every citation of the
book is in references.bib. Then the helper modules `book/bookcode/{training,calibration,
linear}_*.py` are run on small inputs and compared with the reference implementations.
"""

from __future__ import annotations

import inspect
import json
import math
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
import yaml
from torch import nn

import autograder.reference as reference

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
HELPERS = sorted(
    p for prefix in ("training_", "calibration_", "linear_")
    for p in (BOOK / "bookcode").glob(f"{prefix}*.py")
)

# chapter -> (title, its exercise or None)
CHAPTERS: dict[str, tuple[str, str | None]] = {
    "training": ("Training softmax regression from scratch", "training"),
    "soft_labels": ("Soft labels, label smoothing and calibration", "soft_labels"),
    "going_further": ("Going further: the best linear model", None),
}
WITH_EXERCISE = [name for name, (_, exercise) in CHAPTERS.items() if exercise]
# What the brief of each exercise promises (the notebook may grade more).
PROMISED = {
    "training": {"accuracy", "Accumulator", "evaluate_accuracy", "sgd", "train_epoch", "train",
                 "softmax", "cross_entropy"},
    "soft_labels": {"smooth_labels", "soft_cross_entropy", "expected_calibration_error"},
}

CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
FENCE = re.compile(r"^(```|~~~).*?^\1\s*$", re.MULTILINE | re.DOTALL)
GLUE_ROLE = re.compile(r"\{glue:text\}`([A-Za-z_][A-Za-z0-9_]*)(?::[^`]*)?`")
GLUE_CALL = re.compile(r"\bglue\(\s*\"([A-Za-z_][A-Za-z0-9_]*)\"")
GLUE_FCALL = re.compile(r"\bglue\(\s*f\"([^\"]+)\"")
NUMBER = re.compile(r"(?<![\w.\-])\d+(?:[.,]\d+)*(?![\w])")
ALLOWED_NUMBERS = {"0", "1", "2"}
CITE = re.compile(r"\{cite(?::\w+)?\}`([^`]+)`")
TERM = re.compile(r"\{term\}`([^`]+)`")
# Lines any PyTorch code has; sharing them with a model answer gives nothing away.
GENERIC_LINES = {"withtorch.no_grad():", "optimizer.zero_grad()", "updater.zero_grad()"}


def _source(name: str) -> str:
    return (BOOK / f"{name}.md").read_text(encoding="utf-8")


def _cells(text: str) -> list[str]:
    return CODE_CELL.findall(text)


def _code(text: str) -> str:
    return "\n".join(_cells(text))


def _prose(text: str) -> str:
    """What a reader reads: no front matter, code, math, code spans or glue roles."""
    text = text.split("\n---\n", 1)[1] if text.startswith("---\n") else text
    text = FENCE.sub(" ", text)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.DOTALL)
    text = GLUE_ROLE.sub(" ", text)
    text = re.sub(r"\{\w+(?::\w+)?\}`[^`]*`", " ", text)  # roles: {cite}, {doc}, {term}
    text = re.sub(r"`[^`]*`", " ", text)
    return re.sub(r"\$[^$]*\$", " ", text)


def _sections(text: str) -> list[tuple[str, str]]:
    """(heading, body) of every level-2 section; code fences skipped when finding headings."""
    masked = FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    starts = [m.start() for m in re.finditer(r"^## ", masked, re.MULTILINE)]
    sections = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        heading, _, body = text[start:end].partition("\n")
        sections.append((heading[3:].strip(), body))
    return sections


def _solution_cells(exercise: str) -> list[str]:
    notebook = ROOT / "solutions" / exercise / f"{exercise}.ipynb"
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return [code for code in ("".join(c["source"]) for c in cells) if "### BEGIN SOLUTION" in code]


def _graded(exercise: str) -> set[str]:
    """Names of the functions and classes the solution notebook's solution cells define."""
    names = set()
    for code in _solution_cells(exercise):
        names.update(re.findall(r"^(?:def|class)\s+(\w+)", code, re.MULTILINE))
    return names


def _normalise(line: str) -> str:
    return re.sub(r"\s+", "", line)


def _model_answer_lines(exercise: str, min_length: int = 20) -> set[str]:
    """Substantial lines of the solution blocks and of the reference functions graded."""
    lines: list[str] = []
    for code in _solution_cells(exercise):
        for block in code.split("### BEGIN SOLUTION")[1:]:
            lines += block.split("### END SOLUTION")[0].splitlines()
    for name in _graded(exercise):
        if hasattr(reference, name):
            source = inspect.getsource(getattr(reference, name))
            lines += (source.split('"""')[-1] if source.count('"""') >= 2 else source).splitlines()
    kept = {_normalise(line) for line in lines if not line.strip().startswith("#")}
    return {line for line in kept if len(line) >= min_length and line not in GENERIC_LINES}


# ---- the chapters -------------------------------------------------------------------


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_is_a_written_notebook(name: str) -> None:
    text = _source(name)
    assert "kernelspec:" in text.split("\n---\n", 1)[0], f"{name}.md is not executed"
    assert f"\n# {CHAPTERS[name][0]}\n" in text
    assert "being written" not in text
    code = _code(text)
    assert len(_cells(text)) >= 10, f"{name}.md has too few code cells"
    assert "torch.manual_seed(" in code and "seed=SEED" in code, f"{name}.md is not seeded"
    assert 'device = "cuda" if torch.cuda.is_available() else "cpu"' in code
    assert "device=device" in code, f"{name}.md never uses the device it picked"
    assert len(re.findall(r"^mystnb:\n  figure:\n    name: ", code, re.MULTILINE)) >= 1


@pytest.mark.parametrize("path", [*(BOOK / f"{n}.md" for n in CHAPTERS), *HELPERS],
                         ids=lambda p: p.name)
def test_never_imports_the_autograder(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"^\s*(import|from)\s+autograder\b", text, re.MULTILINE)


def test_helpers_load_without_the_autograder() -> None:
    """Importing every helper module pulls in no autograder module, not even indirectly."""
    modules = [f"bookcode.{p.stem}" for p in HELPERS]
    script = (f"import sys; sys.path.insert(0, {str(BOOK)!r})\n"
              f"for m in {modules!r}: __import__(m)\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] == 'autograder'))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    assert {p.stem for p in HELPERS} >= {
        "training_loop", "training_model", "calibration_metrics", "calibration_temperature",
        "linear_fit", "linear_search"}


@pytest.mark.parametrize("name", WITH_EXERCISE)
def test_solution_notebook_grades_what_the_chapter_promises(name: str) -> None:
    assert _graded(CHAPTERS[name][1]) >= PROMISED[name]


@pytest.mark.parametrize("name", WITH_EXERCISE)
def test_graded_functions_are_not_defined(name: str) -> None:
    code = _code(_source(name))
    for function in _graded(CHAPTERS[name][1]):
        pattern = rf"^\s*(def\s+{function}\s*\(|class\s+{function}\b|{function}\s*=\s*lambda\b)"
        assert not re.search(pattern, code, re.MULTILINE), f"{name}.md defines {function}"


@pytest.mark.parametrize("name", WITH_EXERCISE)
def test_no_line_of_a_model_answer_is_printed(name: str) -> None:
    answer = _model_answer_lines(CHAPTERS[name][1])
    assert len(answer) >= 5, "no model answer found to compare with"
    code_lines = {_normalise(line) for line in _code(_source(name)).splitlines()}
    copied = answer & code_lines
    assert not copied, f"{name}.md prints lines of the model answer: {copied}"


@pytest.mark.parametrize("name", WITH_EXERCISE)
def test_helpers_are_not_copies_of_the_model_answer(name: str) -> None:
    answer = _model_answer_lines(CHAPTERS[name][1], min_length=30)
    for path in HELPERS:
        lines = {_normalise(line) for line in path.read_text(encoding="utf-8").splitlines()}
        assert not answer & lines, f"{path.name} repeats model-answer lines: {answer & lines}"


@pytest.mark.parametrize("name", WITH_EXERCISE)
def test_ends_with_the_exercise(name: str) -> None:
    exercise = CHAPTERS[name][1]
    heading, body = _sections(_source(name))[-1]
    assert heading == "Graded exercise", f"the last section of {name}.md is {heading!r}"
    path = f"exercises/{exercise}/{exercise}.ipynb"
    assert path in body and (ROOT / path).is_file(), f"{path} is not named or does not exist"
    assert f"nbgrader validate {path}" in body
    for function in _graded(exercise):
        assert f"`{function}" in body, f"the exercise section does not name {function}"


def test_going_further_has_no_exercise() -> None:
    headings = [heading for heading, _ in _sections(_source("going_further"))]
    assert "Graded exercise" not in headings and len(headings) >= 5


def _glue_names(code: str) -> tuple[set[str], list[re.Pattern[str]]]:
    """Names glued literally, and patterns for names glued with f-strings."""
    patterns = [re.compile(re.sub(r"\\\{[^}]*\\\}", r"\\w+", re.escape(f)))
                for f in GLUE_FCALL.findall(code)]
    return set(GLUE_CALL.findall(code)), patterns


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_quoted_number_is_glued(name: str) -> None:
    text = _source(name)
    used = set(GLUE_ROLE.findall(text))
    stored, patterns = _glue_names(_code(text))
    assert len(used) >= 10, f"{name}.md quotes too few computed values"
    unknown = {u for u in used if u not in stored and not any(p.fullmatch(u) for p in patterns)}
    assert not unknown, f"{name}.md quotes values it never glues: {sorted(unknown)}"
    assert stored <= used, f"{name}.md glues values it never quotes: {sorted(stored - used)}"
    for pattern in patterns:
        assert any(pattern.fullmatch(u) for u in used), f"nothing quotes {pattern.pattern}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_prose_has_no_typed_numbers(name: str) -> None:
    typed = [n for n in NUMBER.findall(_prose(_source(name))) if n not in ALLOWED_NUMBERS]
    assert not typed, f"{name}.md types numbers in its prose (glue them): {typed}"


def test_prose_filter_catches_typed_numbers() -> None:
    sample = ("---\nk: v\n---\n# T\n\nAccuracy 0.83 after 10 epochs, $q = 10$, `lr=0.1`, "
              "{glue:text}`acc:.4f`, {cite}`xiao2017fashion`, class 1.\n")
    assert NUMBER.findall(_prose(sample)) == ["0.83", "10", "1"]


def test_training_chapter_runs_the_promised_experiment() -> None:
    code = _code(_source("training"))
    for fragment in ["batch_size = 256", "lr = 0.1", "num_epochs = 10",
                     "torch.normal(0, 0.01, size=(num_inputs, num_outputs))",
                     "torch.zeros(num_outputs", "TrainingPlot(num_epochs)",
                     "on_epoch_end=plot.update", "nn.CrossEntropyLoss()",
                     "torch.optim.SGD(concise_net.parameters(), lr=lr)",
                     'glue("final_test_acc"', 'glue("equiv_max_diff"']:
        assert fragment in code, f"training.md lacks {fragment!r}"
    # The equivalence check starts both models from the saved initial parameters.
    assert "copy_(W0.T)" in code and "W0.clone()" in code


def test_soft_labels_chapter_cites_and_has_a_slider_with_a_fallback() -> None:
    text = _source("soft_labels")
    cited = {key.strip() for keys in CITE.findall(text) for key in keys.split(",")}
    assert {"szegedy2016rethinking", "muller2019label", "guo2017calibration"} <= cited
    slider_cells = [c for c in _cells(text) if "FloatSlider" in c]
    assert len(slider_cells) == 1 and ":tags: [remove-output]" in slider_cells[0]
    assert "label_smoothing=" in _code(text)
    # The temperature is fitted on validation logits only.
    fits = re.findall(r"fit_temperature\(([^,]+),", _code(text))
    assert fits and all("val" in arg and "test" not in arg for arg in fits)


def test_going_further_uses_the_test_set_once() -> None:
    text = _source("going_further")
    cells = _cells(text)
    assert "load_data_fashion_mnist" not in text, "a loader hands out the test set too"
    # Counting the test images (for a standard error) is not looking at them.
    touching = [i for i, cell in enumerate(cells)
                if re.search(r"\bdata\.test_", cell.replace("len(data.test_labels)", ""))]
    assert len(touching) == 1, f"cells {touching} read the test images"
    final = cells[touching[0]]
    assert len(re.findall(r"predict_logits\(", final)) == 1, "evaluate the test set once"
    deciding = [i for i, cell in enumerate(cells) if re.search(r"grid_search\(|best_trial\(", cell)]
    assert deciding and max(deciding) < touching[0], "the test cell must follow every decision"
    for cell in cells[:touching[0]]:
        rest = cell.replace("len(data.test_labels)", "").replace("num_test", "")
        assert "test_" not in rest, f"test data used before the end:\n{cell}"
    for argument in re.findall(r"Standardizer\(([^)]*)\)", _code(text)):
        assert "test" not in argument and "val" not in argument, argument
    assert "Standardizer(X_all)" in final and "fit_linear(standardize_all(X_all), y_all" in final


# ---- glossary, references, configuration -------------------------------------------


GLOSSARY_TERMS = ["logit", "softmax", "temperature", "cross-entropy", "log-sum-exp",
                  "likelihood", "NLL", "MLE", "entropy", "KL divergence", "sigmoid",
                  "logistic regression", "label smoothing", "calibration", "ECE",
                  "reliability diagram", "temperature scaling", "SGD", "epoch", "minibatch",
                  "validation split", "weight decay", "one-hot vector", "soft label"]


def _glossary_terms() -> set[str]:
    text = (BOOK / "glossary.md").read_text(encoding="utf-8")
    body = text.split("```{glossary}", 1)[1].split("\n```", 1)[0]
    return {line.strip().lower() for line in body.splitlines()
            if line.strip() and not line.startswith((" ", ":"))}


@pytest.mark.parametrize("page", ["glossary", "references"])
def test_plain_pages_are_not_executed(page: str) -> None:
    text = (BOOK / f"{page}.md").read_text(encoding="utf-8")
    assert not text.startswith("---"), f"{page}.md must have no front matter (not executed)"
    assert "being written" not in text


def test_glossary_defines_the_terms() -> None:
    text = (BOOK / "glossary.md").read_text(encoding="utf-8")
    assert ":sorted:" in text
    terms = _glossary_terms()
    missing = [t for t in GLOSSARY_TERMS if t.lower() not in terms]
    assert not missing, f"the glossary lacks {missing}"


def test_every_linked_term_is_defined() -> None:
    terms = _glossary_terms()
    for page in BOOK.glob("*.md"):
        for role in TERM.findall(page.read_text(encoding="utf-8")):
            target = re.search(r"<([^>]+)>\s*$", role)
            term = (target.group(1) if target else role).strip().lower()
            assert term in terms, f"{page.name} links to the undefined term {term!r}"


def _bib_entries() -> dict[str, str]:
    text = (ROOT / "references.bib").read_text(encoding="utf-8")
    starts = list(re.finditer(r"^@(\w+)\{([^,]+),", text, re.MULTILINE))
    return {m.group(2).strip(): text[m.start():(starts[i + 1].start() if i + 1 < len(starts)
                                                  else len(text))]
            for i, m in enumerate(starts)}


def test_references_hold_the_sources() -> None:
    entries = _bib_entries()
    expected = {"zhang2023dive": "Smola", "xiao2017fashion": "Vollgraf",
                "szegedy2016rethinking": "Inception", "muller2019label": "Kornblith",
                "guo2017calibration": "Weinberger"}
    for key, word in expected.items():
        assert key in entries and word in entries[key], f"references.bib lacks {key}"
    from pybtex.database import parse_file

    parsed = parse_file(str(ROOT / "references.bib"))
    assert set(parsed.entries) == set(entries)
    for key, entry in parsed.entries.items():
        assert entry.persons.get("author") and "title" in entry.fields, key
    page = (BOOK / "references.md").read_text(encoding="utf-8")
    assert "```{bibliography}" in page


def test_every_citation_is_in_the_bibliography() -> None:
    entries = _bib_entries()
    for page in BOOK.glob("*.md"):
        for keys in CITE.findall(page.read_text(encoding="utf-8")):
            for key in keys.split(","):
                assert key.strip() in entries, f"{page.name} cites unknown {key.strip()!r}"


def test_config_reads_the_bibliography() -> None:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert "references.bib" in config["bibtex_bibfiles"]


# ---- the helper modules -------------------------------------------------------------


@pytest.fixture
def bookcode() -> Iterator[None]:
    sys.path.insert(0, str(BOOK))
    try:
        yield
    finally:
        sys.path.remove(str(BOOK))


def _batches(X: torch.Tensor, y: torch.Tensor, sizes: list[int]) -> list[tuple[torch.Tensor, torch.Tensor]]:
    out, start = [], 0
    for size in sizes:
        out.append((X[start:start + size], y[start:start + size]))
        start += size
    return out


def test_accuracy_and_accumulator(bookcode: None) -> None:
    from bookcode.training_loop import Accumulator, accuracy

    scores = torch.tensor([[0.1, 0.3, 0.6], [0.5, 0.2, 0.3], [0.2, 0.7, 0.1]])
    y = torch.tensor([2, 1, 1])
    assert accuracy(scores, y) == 2.0 == reference.accuracy(scores, y)
    assert accuracy(torch.tensor([2, 0, 1]), y) == 2.0
    sums = Accumulator(2)
    sums.add(1, torch.tensor(2.5))
    sums.add(2.0, 0.5)
    assert (sums[0], sums[1], len(sums)) == (3.0, 3.0, 2)
    sums.reset()
    assert sums[0] == sums[1] == 0.0
    with pytest.raises(ValueError):
        sums.add(1.0)


def test_evaluate_accuracy_weights_batches_and_restores_the_mode(bookcode: None) -> None:
    from bookcode.training_loop import evaluate_accuracy

    torch.manual_seed(0)
    X, y = torch.randn(23, 4), torch.randint(0, 3, (23,))
    net = nn.Sequential(nn.Linear(4, 3), nn.Dropout(0.5))
    net.train()
    net[1].eval()  # a mixed state must come back as it was
    data = _batches(X, y, [16, 5, 2])
    expected = float((net[0](X).argmax(1) == y).float().mean())
    assert evaluate_accuracy(net, data) == pytest.approx(expected)
    assert evaluate_accuracy(net, data) == pytest.approx(reference.evaluate_accuracy(net, data))
    assert net.training and net[0].training and not net[1].training


def test_sgd_steps_by_the_mean_gradient_and_zeroes_it(bookcode: None) -> None:
    from bookcode.training_loop import sgd

    w = torch.tensor([1.0, -2.0], requires_grad=True)
    (3 * w).sum().backward()
    before = w
    sgd([w, torch.zeros(1, requires_grad=True)], lr=0.5, batch_size=3)
    assert w is before and torch.allclose(w, torch.tensor([0.5, -2.5]))
    assert torch.equal(w.grad, torch.zeros(2))


@pytest.mark.parametrize("kind", ["function", "optimizer"])
def test_train_epoch_matches_the_reference(bookcode: None, kind: str) -> None:
    from bookcode.training_loop import sgd, train_epoch

    torch.manual_seed(1)
    X, y = torch.randn(50, 6), torch.randint(0, 4, (50,))
    data = _batches(X, y, [16, 16, 16, 2])
    nets = [nn.Linear(6, 4) for _ in range(2)]
    nets[1].load_state_dict(nets[0].state_dict())
    loss = nn.CrossEntropyLoss(reduction="none")
    results = []
    for net, train_fn, step in [(nets[0], train_epoch, sgd), (nets[1], reference.train_epoch,
                                                             reference.sgd)]:
        if kind == "optimizer":
            updater = torch.optim.SGD(net.parameters(), lr=0.3)
        else:
            updater = (lambda n, net=net, step=step: step(list(net.parameters()), 0.3, n))
        results.append(train_fn(net, data, loss, updater))
    assert results[0] == pytest.approx(results[1])
    for a, b in zip(nets[0].parameters(), nets[1].parameters()):
        assert torch.allclose(a, b, atol=1e-6)


def test_scratch_sgd_and_torch_optim_reach_the_same_parameters(bookcode: None) -> None:
    """The chapter's equivalence check, on a small problem: summed loss + sgd(lr, n) equals
    mean loss + torch.optim.SGD(lr) with nn.Linear's transposed weight."""
    from bookcode.training_loop import sgd, train_epoch
    from bookcode.training_model import cross_entropy_from_logits

    torch.manual_seed(2)
    X, y = torch.randn(40, 5), torch.randint(0, 3, (40,))
    data = _batches(X, y, [16, 16, 8])
    W = (0.1 * torch.randn(5, 3)).requires_grad_()
    b = torch.zeros(3, requires_grad=True)
    linear = nn.Linear(5, 3)
    with torch.no_grad():
        linear.weight.copy_(W.T)
        linear.bias.copy_(b)
    train_epoch(lambda X: X @ W + b, data, cross_entropy_from_logits,
                lambda n: sgd([W, b], 0.5, n))
    optimizer = torch.optim.SGD(linear.parameters(), lr=0.5)
    for Xb, yb in data:
        optimizer.zero_grad()
        F.cross_entropy(linear(Xb), yb).backward()
        optimizer.step()
    assert torch.allclose(W, linear.weight.T, atol=1e-6)
    assert torch.allclose(b, linear.bias, atol=1e-6)


def test_train_reports_every_epoch(bookcode: None) -> None:
    from bookcode.training_loop import train

    torch.manual_seed(3)
    X, y = torch.randn(30, 4), torch.randint(0, 2, (30,))
    data = _batches(X, y, [10, 10, 10])
    net = nn.Linear(4, 2)
    seen = []
    history = train(net, data, data, nn.CrossEntropyLoss(reduction="none"), 3,
                    torch.optim.SGD(net.parameters(), lr=0.1),
                    on_epoch_end=lambda epoch, metrics: seen.append((epoch, sorted(metrics))))
    assert [epoch for epoch, _ in seen] == [1, 2, 3]
    assert all(keys == ["test_acc", "train_acc", "train_loss"] for _, keys in seen)
    assert {k: len(v) for k, v in history.items()} == {"train_loss": 3, "train_acc": 3,
                                                      "test_acc": 3}
    assert history["train_loss"][-1] < history["train_loss"][0]


def test_cross_entropy_from_logits(bookcode: None) -> None:
    from bookcode.training_model import collect_logits, cross_entropy_from_logits

    torch.manual_seed(4)
    logits, y = 5 * torch.randn(7, 4), torch.randint(0, 4, (7,))
    assert torch.allclose(cross_entropy_from_logits(logits, y),
                          F.cross_entropy(logits, y, reduction="none"), atol=1e-5)
    extreme = torch.tensor([[1000.0, -1000.0], [-1000.0, 1000.0]])
    losses = cross_entropy_from_logits(extreme, torch.tensor([0, 0]))
    assert torch.isfinite(losses).all() and losses[1] == pytest.approx(2000.0)
    out, labels = collect_logits(lambda X: 2 * X, _batches(logits, y, [3, 4]))
    assert torch.equal(out, 2 * logits) and torch.equal(labels, y)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("num_bins", [1, 7, 15])
def test_ece_matches_the_reference(bookcode: None, dtype: torch.dtype, num_bins: int) -> None:
    from bookcode.calibration_metrics import expected_calibration_error, reliability_bins

    generator = torch.Generator().manual_seed(num_bins)
    probs = torch.softmax(3 * torch.randn(200, 5, generator=generator), dim=1).to(dtype)
    y = torch.randint(0, 5, (200,), generator=generator)
    ece = expected_calibration_error(probs, y, num_bins)
    assert ece.dim() == 0 and ece.dtype == dtype
    assert ece.item() == pytest.approx(
        reference.expected_calibration_error(probs, y, num_bins).item(), abs=1e-6)
    bins, expected = reliability_bins(probs, y, num_bins), reference.reliability_bins(
        probs, y, num_bins)
    assert torch.equal(bins.count, expected.count)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_ece_by_hand_and_on_bin_edges(bookcode: None, dtype: torch.dtype) -> None:
    from bookcode.calibration_metrics import expected_calibration_error, reliability_bins

    probs = torch.tensor([[0.9, 0.1], [0.6, 0.4], [0.7, 0.3], [0.8, 0.2]], dtype=dtype)
    y = torch.tensor([0, 1, 0, 0])
    # bin (0.5, 0.75]: 0.6 wrong, 0.7 right; bin (0.75, 1]: 0.8 and 0.9 right
    by_hand = 2 / 4 * abs(0.5 - 0.65) + 2 / 4 * abs(1.0 - 0.85)
    assert expected_calibration_error(probs, y, 4).item() == pytest.approx(by_hand)
    edge = torch.tensor([[0.2, 0.2, 0.2, 0.2, 0.2]], dtype=dtype)
    assert reliability_bins(edge, torch.tensor([0]), 5).count.tolist() == [1, 0, 0, 0, 0]
    one_hot = torch.eye(3, dtype=dtype)
    assert expected_calibration_error(one_hot, torch.tensor([0, 1, 2])).item() == 0.0
    assert expected_calibration_error(one_hot, torch.tensor([1, 2, 0])).item() == 1.0


def test_temperature_scaling_recovers_the_temperature(bookcode: None) -> None:
    from bookcode.calibration_metrics import negative_log_likelihood
    from bookcode.calibration_temperature import fit_temperature, nll_curve

    generator = torch.Generator().manual_seed(5)
    logits = 4 * torch.randn(20000, 6, generator=generator)
    true_t = 2.0  # labels drawn from softmax(logits / 2): the logits are over-confident
    y = torch.multinomial(torch.softmax(logits / true_t, dim=1), 1, generator=generator)[:, 0]
    fitted = fit_temperature(logits, y)
    assert fitted == pytest.approx(true_t, rel=0.05)
    curve = nll_curve(logits, y, torch.tensor([fitted * 0.8, fitted, fitted * 1.25]))
    assert curve[1] < curve[0] and curve[1] < curve[2]
    assert negative_log_likelihood(logits, y, fitted) == pytest.approx(curve[1].item())


def test_standardizer_uses_only_its_own_data(bookcode: None) -> None:
    from bookcode.linear_fit import Standardizer

    generator = torch.Generator().manual_seed(6)
    train = 3 + 2 * torch.randn(500, 4, generator=generator)
    other = 10 + torch.randn(50, 4, generator=generator)
    standardize = Standardizer(train, floor=0.0)
    assert torch.allclose(standardize(train).mean(0), torch.zeros(4), atol=1e-5)
    assert torch.allclose(standardize(train).std(0), torch.ones(4), atol=1e-5)
    assert standardize(other).mean() > 2, "other data must use the training statistics"
    assert torch.isfinite(Standardizer(torch.zeros(5, 2))(torch.ones(1, 2))).all()


@pytest.mark.parametrize("config", [
    dict(optimizer="sgd", lr=0.5, momentum=0.9, schedule="cosine"),
    dict(optimizer="adam", lr=0.05, weight_decay=0.01, schedule="constant"),
    dict(optimizer="sgd", lr=0.5, label_smoothing=0.1),
])
def test_fit_linear_learns_a_separable_problem(bookcode: None, config: dict) -> None:
    from bookcode.linear_fit import FitConfig, fit_linear, predict_logits

    generator = torch.Generator().manual_seed(7)
    centres = 4 * torch.randn(3, 5, generator=generator)
    y = torch.randint(0, 3, (300,), generator=generator)
    X = centres[y] + torch.randn(300, 5, generator=generator)
    model = fit_linear(X, y, FitConfig(epochs=5, batch_size=32, **config), seed=0)
    assert (predict_logits(model, X).argmax(1) == y).float().mean() > 0.95
    again = fit_linear(X, y, FitConfig(epochs=5, batch_size=32, **config), seed=0)
    assert torch.equal(model.weight, again.weight), "the same seed must give the same model"
    with pytest.raises(ValueError):
        fit_linear(X, y, FitConfig(optimizer="lbfgs"))


def test_cosine_schedule_decays_to_zero(bookcode: None) -> None:
    from bookcode.linear_fit import FitConfig, _learning_rate

    config = FitConfig(lr=0.2, schedule="cosine")
    rates = [_learning_rate(config, s, 100) for s in range(100)]
    assert rates[0] == pytest.approx(0.2) and rates[50] == pytest.approx(0.1)
    assert all(a >= b for a, b in zip(rates, rates[1:])) and rates[-1] < 1e-3
    assert _learning_rate(FitConfig(lr=0.2), 99, 100) == 0.2


def test_grid_search_judges_on_the_validation_split(bookcode: None) -> None:
    from bookcode.linear_fit import FitConfig
    from bookcode.linear_search import best_trial, grid_search

    generator = torch.Generator().manual_seed(8)
    centres = 4 * torch.randn(3, 5, generator=generator)
    y = torch.randint(0, 3, (400,), generator=generator)
    X = centres[y] + torch.randn(400, 5, generator=generator)
    trials = grid_search((X[:300], y[:300]), (X[300:], y[300:]), FitConfig(epochs=3),
                         {"lr": [0.0, 0.5], "momentum": [0.0, 0.5, 0.9]})
    assert len(trials) == 6
    assert [t.config.lr for t in trials] == [0.0] * 3 + [0.5] * 3
    assert [t.config.momentum for t in trials] == [0.0, 0.5, 0.9] * 2
    assert all(t.val_accuracy < 0.8 for t in trials[:3]), "lr 0 cannot learn"
    best = best_trial(trials)
    assert best.config.lr == 0.5 and best.val_accuracy > 0.9
    assert math.isfinite(best.seconds)


def test_edges_reached_names_the_hyperparameters_at_the_grid_boundary(bookcode: None) -> None:
    from bookcode.linear_fit import FitConfig
    from bookcode.linear_search import GRID, RECIPE, Trial, edges_reached

    grid = {"lr": [0.01, 0.1, 1.0], "weight_decay": [0.0, 0.1, 0.2], "momentum": [0.9]}
    inside = Trial(FitConfig(lr=0.1, weight_decay=0.1, momentum=0.9), 0.8, 1.0)
    assert edges_reached(inside, grid) == [], "a single-valued axis has no edge to widen"
    corner = Trial(FitConfig(lr=1.0, weight_decay=0.0, momentum=0.9), 0.8, 1.0)
    assert edges_reached(corner, grid) == ["lr", "weight_decay"]
    assert all(hasattr(RECIPE, name) and sorted(values) == values for name, values in GRID.items())
