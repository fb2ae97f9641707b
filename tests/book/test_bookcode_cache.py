"""Chapters that import book/bookcode run again when its code changes (book/_ext/bookcode_cache.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "book" / "_ext"))

from bookcode_cache import digest, users  # noqa: E402

HEADER = "---\njupytext:\n  text_representation:\n    format_name: myst\nkernelspec:\n  name: python3\n" \
         "  display_name: Python 3\n---\n\n"


def test_digest_follows_the_python_sources_only(tmp_path: Path) -> None:
    assert digest(tmp_path / "missing") == ""
    (tmp_path / "helpers.py").write_text("VALUE = 6\n")
    first = digest(tmp_path)
    (tmp_path / "notes.txt").write_text("not code")
    assert digest(tmp_path) == first
    (tmp_path / "helpers.py").write_text("VALUE = 7\n")
    assert digest(tmp_path) != first
    (tmp_path / "helpers.py").write_text("VALUE = 6\n")
    assert digest(tmp_path) == first


def test_users_are_the_chapters_that_mention_bookcode() -> None:
    sources = {"b": "from bookcode.x import y", "a": "import bookcode", "c": "no helpers here"}
    assert users(sources) == ["a", "b"]


def _build(folder: Path) -> str:
    result = subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", str(folder),
                             "--path-output", str(folder)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def _page(folder: Path, name: str) -> str:
    return (folder / "_build" / "html" / "book" / f"{name}.html").read_text()


@pytest.mark.slow
def test_a_changed_helper_reruns_its_chapters_only(tmp_path: Path) -> None:
    (tmp_path / "book" / "bookcode").mkdir(parents=True)
    (tmp_path / "_config.yml").write_text(
        'title: "Tiny"\nexecute:\n  execute_notebooks: cache\nsphinx:\n  local_extensions:\n'
        f"    bookcode_cache: {ROOT / 'book' / '_ext'}\n")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/uses\nchapters:\n  - file: book/plain\n")
    helper = tmp_path / "book" / "bookcode" / "__init__.py"
    helper.write_text("FACTOR = 6\n")
    (tmp_path / "book" / "uses.md").write_text(
        HEADER + "# Uses\n\n```{code-cell} ipython3\nimport bookcode\nprint('answer', bookcode.FACTOR * 7)\n```\n")
    (tmp_path / "book" / "plain.md").write_text(
        HEADER + "# Plain\n\n```{code-cell} ipython3\nimport random\nprint('draw', random.random())\n```\n")
    _build(tmp_path)
    assert "answer 42" in _page(tmp_path, "uses")
    plain_before = _page(tmp_path, "plain")

    helper.write_text("FACTOR = 7\n")
    log = _build(tmp_path)
    assert "answer 49" in _page(tmp_path, "uses"), "the chapter kept the old helper's output"
    assert "bookcode changed: executing again 1 chapter(s) (1 cached run(s) dropped)" in log
    assert _page(tmp_path, "plain") == plain_before, "a chapter without helpers ran again"

    assert "bookcode changed" not in _build(tmp_path)
    assert "answer 49" in _page(tmp_path, "uses")
