"""The book builds warning-free and is usable offline.

The slow tests use the session's build (`built_book`, see conftest.py: the same build as
`make book`, with warnings as errors) and check the HTML it produced.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"

# The MathJax subset copied into the site (about 2 MB); the whole package is 54 MB.
MATHJAX_MAX_BYTES = 5 * 1024 * 1024

SCRIPT_SRC = re.compile(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", re.IGNORECASE)
IMG_SRC = re.compile(r"<img\b[^>]*\bsrc=\"([^\"]+)\"", re.IGNORECASE)


def _local_target(page: Path, src: str) -> Path:
    """The file a relative URL in `page` points to (query string and fragment dropped)."""
    return (page.parent / urlsplit(src).path).resolve()


@pytest.mark.slow
def test_pages_exist(built_book: Path) -> None:
    assert (built_book / "index.html").is_file()
    assert (built_book / "book" / "intro.html").is_file()
    assert (built_book / "book" / "softmax.html").is_file()


@pytest.mark.slow
def test_softmax_page_has_figures(built_book: Path) -> None:
    page = built_book / "book" / "softmax.html"
    sources = IMG_SRC.findall(page.read_text(encoding="utf-8"))
    images = [src for src in sources if not src.startswith(("http:", "https:", "data:"))]
    assert images, "the softmax chapter shows no image"
    for src in images:
        assert _local_target(page, src).is_file(), f"missing image file: {src}"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["book/intro.html", "book/softmax.html"])
def test_mathjax_is_served_locally(built_book: Path, name: str) -> None:
    page = built_book / name
    html = page.read_text(encoding="utf-8")
    scripts = SCRIPT_SRC.findall(html)

    remote = [src for src in scripts if src.startswith(("http:", "https:", "//"))]
    assert not remote, f"{name} loads scripts from the network: {remote}"

    mathjax = [src for src in scripts if "mathjax" in src.lower()]
    assert len(mathjax) == 1, f"expected one MathJax script in {name}, found {mathjax}"
    src = mathjax[0]
    assert _local_target(page, src).is_file(), f"MathJax script {src} is not in the site"
    assert _local_target(page, src).name == "MathJax.js"
    config = re.search(r"[?&]config=([\w-]+)", src)
    assert config, f"MathJax 2 needs a ?config=... in {src}"
    root = _local_target(page, src).parent
    assert (root / "config" / f"{config.group(1)}.js").is_file()
    assert (root / "jax" / "output" / "CommonHTML" / "jax.js").is_file()
    assert (root / "fonts" / "HTML-CSS" / "TeX" / "woff" / "MathJax_Main-Regular.woff").is_file()

    # MathJax 2 is configured for what Sphinx writes: \( \) inline and \[ \] display.
    assert "MathJax.Hub.Config(" in html
    assert '"inlineMath": [["\\\\(", "\\\\)"]]' in html
    assert '"displayMath": [["\\\\[", "\\\\]"]]' in html


@pytest.mark.slow
def test_mathjax_copy_is_small(built_book: Path) -> None:
    files = [p for p in (built_book / "_static" / "mathjax").rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    assert 0 < size < MATHJAX_MAX_BYTES, f"_static/mathjax holds {size} bytes"


@pytest.mark.slow
def test_executed_notebook_is_downloadable(built_book: Path) -> None:
    html = (built_book / "book" / "softmax.html").read_text(encoding="utf-8")
    assert "download-notebook-button" in html
    assert (built_book / "_sources" / "book" / "softmax.ipynb").is_file()


def test_book_does_not_give_away_the_exercise() -> None:
    """The graded exercise is a stable `softmax(logits, dim=-1)`: the chapter must not
    print one (the naive version is fine)."""
    text = (BOOK / "softmax.md").read_text(encoding="utf-8")
    assert "def softmax(" not in text
    assert "def softmax_naive(" in text
    assert "nbgrader validate exercises/softmax/softmax.ipynb" in text


def test_book_never_imports_the_autograder() -> None:
    for source in BOOK.rglob("*"):
        if source.suffix in {".md", ".ipynb", ".py"} and source.is_file():
            text = source.read_text(encoding="utf-8")
            assert not re.search(r"^\s*(import|from)\s+autograder\b", text, re.MULTILINE), source
