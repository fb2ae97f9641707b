"""The book reads as one course: every chapter has the same frame, in an order that never uses
what it has not taught yet, and the intro and the README list the chapters in that order.

Checks on the MyST sources of the chapters in _toc.yml (no build): learning goals right under
the title, a link back to what the chapter builds on, a summary, conceptual exercises each with a
worked answer behind a toggle, and (where the chapter has a graded notebook) a last section
"Graded exercise" that names it. After the build, the intro's claim about label smoothing on
this model is checked against the numbers the soft-labels chapter computed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
PAGES = [entry["file"].removeprefix("book/") for entry in TOC["chapters"]]
CHAPTERS = [name for name in PAGES if name not in {"glossary", "references"}]

FENCE = re.compile(r"^(```+|~~~+).*?^\1\s*$", re.MULTILINE | re.DOTALL)
GOALS = re.compile(r"^```\{admonition\} Learning goals\n:class: tip\n\n(.*?)^```", re.M | re.S)
ANSWER = re.compile(r"^```\{admonition\} Answer\n:class: dropdown\n", re.MULTILINE)
HIDDEN_ANSWER = re.compile(r"^```\{code-cell\}[^\n]*\n(?::tags: \[[^\]]*hide-input)", re.MULTILINE)
DOC_LINK = re.compile(r"\{doc\}`(?:[^`<]*<)?([\w/.]+)>?`")
# Tools the training chapter teaches: no chapter before it may run them.
TAUGHT_IN_TRAINING = ("torch.optim", "nn.Linear", "nn.CrossEntropyLoss", "momentum")


def _source(name: str) -> str:
    return (ROOT / "book" / f"{name}.md").read_text(encoding="utf-8")


def _headings(text: str) -> list[tuple[int, str]]:
    """(position, title) of each level-2 heading, fenced blocks skipped."""
    masked = FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    return [(m.start(), m.group(1).strip()) for m in re.finditer(r"^## (.+)$", masked, re.M)]


def _section(text: str, title: str) -> str:
    headings = _headings(text)
    for index, (start, heading) in enumerate(headings):
        if heading == title:
            end = headings[index + 1][0] if index + 1 < len(headings) else len(text)
            return text[start:end]
    raise AssertionError(f"no section {title!r}")


def _has_notebook(name: str) -> bool:
    return (ROOT / "exercises" / name / f"{name}.ipynb").is_file()


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_opens_with_learning_goals_and_what_it_builds_on(name: str) -> None:
    text = _source(name)
    first_section = _headings(text)[0][0]
    goals = GOALS.search(text)
    assert goals and goals.start() < first_section, f"{name}.md: no learning goals before its first section"
    assert 3 <= len(re.findall(r"^- ", goals.group(1), re.MULTILINE)) <= 6, f"{name}.md: 3 to 6 goals"
    assert "To run this chapter yourself, choose `.ipynb` in the download menu" in text[:first_section], (
        f"{name}.md does not say how to open it as a notebook")
    earlier = set(CHAPTERS[:CHAPTERS.index(name)])
    linked = set(DOC_LINK.findall(text[:first_section]))
    assert name == CHAPTERS[0] or linked & earlier, (
        f"{name}.md does not say in its opening which earlier chapter it builds on")


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_ends_with_summary_exercises_and_its_graded_notebook(name: str) -> None:
    text = _source(name)
    titles = [title for _, title in _headings(text)]
    tail = ["Summary", "Exercises"] + (["Graded exercise"] if _has_notebook(name) else [])
    assert titles[-len(tail):] == tail, f"{name}.md ends with {titles[-len(tail):]}, not {tail}"
    exercises = _section(text, "Exercises")
    answers = len(ANSWER.findall(exercises)) + len(HIDDEN_ANSWER.findall(exercises))
    assert answers >= 3, f"{name}.md: {answers} exercises with a worked answer behind a toggle"
    if _has_notebook(name):
        graded = _section(text, "Graded exercise")
        assert f"nbgrader validate exercises/{name}/{name}.ipynb" in graded


@pytest.mark.parametrize("name", CHAPTERS[:CHAPTERS.index("training")])
def test_nothing_is_used_before_the_training_chapter_teaches_it(name: str) -> None:
    code = "\n".join(re.findall(r"^```\{code-cell\}[^\n]*\n(.*?)^```", _source(name), re.M | re.S))
    used = [tool for tool in TAUGHT_IN_TRAINING if tool in code]
    assert not used, f"{name}.md runs {used} before the training chapter teaches them"


def test_every_glossary_term_is_linked_from_a_chapter() -> None:
    glossary = (ROOT / "book" / "glossary.md").read_text(encoding="utf-8")
    entries = glossary[glossary.index("```{glossary}"):].split("\n\n")
    # An entry: its name(s), one per line, then its definition indented.
    names = [[line for line in entry.splitlines() if line and not line.startswith((" ", "`", ":"))]
             for entry in entries]
    linked = {re.sub(r"^.*<(.*)>$", r"\1", target).strip().lower()
              for name in CHAPTERS for target in re.findall(r"\{term\}`([^`]*)`", _source(name))}
    unlinked = [group[0] for group in names if group and not linked & {n.lower() for n in group}]
    assert not unlinked, f"glossary terms no chapter links to: {unlinked}"


def test_intro_and_readme_list_the_chapters_in_course_order() -> None:
    intro = (ROOT / "book" / "intro.md").read_text(encoding="utf-8")
    listed = [m for m in re.findall(r"^\{doc\}`([\w]+)`$", intro, re.MULTILINE)]
    assert listed == CHAPTERS, f"the intro lists {listed}"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assignments = re.findall(r"^\| `(\w+)` \| `exercises/", readme, re.MULTILINE)
    assert assignments == [name for name in CHAPTERS if _has_notebook(name)]


@pytest.mark.slow
def test_intro_claim_about_label_smoothing_holds_in_the_executed_chapter(built_book: Path) -> None:
    """The intro says: this model is not over-confident, and label smoothing makes it
    under-confident. The soft-labels chapter's glued numbers must say the same."""
    glued = json.loads((ROOT / "_build" / "jupyter_execute" / "book" / "soft_labels.glue.json")
                       .read_text(encoding="utf-8"))
    value = {name: float(glued[name]["data"]["text/plain"]) for name in
             ("hard_confidence", "hard_accuracy", "smooth_confidence", "smooth_accuracy")}
    assert value["hard_confidence"] <= value["hard_accuracy"] + 0.01, value
    assert value["smooth_confidence"] < value["smooth_accuracy"], value
    intro = (ROOT / "book" / "intro.md").read_text(encoding="utf-8")
    assert "makes it *under*-confident" in intro
