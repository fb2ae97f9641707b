"""Fixtures of the book tests: the built site, its table of contents, a loopback web server
for it, and Chromium with a watch on everything that goes wrong in a page.

The build runs once per test session (`built_book`), with warnings as errors, exactly like
`make book` plus `-W -n --keep-going`:

    jupyter-book build . --path-output . -W -n --keep-going

into the repository's own _build/ (so Jupyter Book's execution cache is reused: an
unchanged chapter is not executed again). The browser tests serve `_build/html` from a
`ThreadingHTTPServer` on 127.0.0.1 (ephemeral port) and drive Debian's Chromium through
Playwright, with every host name but the loopback one made unresolvable: the site must
work offline. A test that takes `toc_page` runs once per page of _toc.yml.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from support.browser import LOOPBACK

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"

# Generous: a cold build executes every chapter (the softmax chapter takes ~10-20 s).
BUILD_TIMEOUT_S = 900

# Upper bound for one navigation or wait, so that a broken page fails instead of hanging.
PAGE_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class TocPage:
    """One page of the table of contents: `docname` like "book/softmax", its source file."""

    docname: str
    source: Path

    @property
    def html(self) -> str:
        return f"{self.docname}.html"

    @property
    def title(self) -> str:
        """The first level-1 heading of the MyST or notebook source (code fences skipped)."""
        text = self.source.read_text(encoding="utf-8")
        if self.source.suffix == ".ipynb":
            cells = json.loads(text)["cells"]
            text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        in_fence = False
        for line in text.splitlines():
            if line.lstrip().startswith(("```", "~~~")):
                in_fence = not in_fence
            elif not in_fence and line.startswith("# "):
                return line[2:].replace("`", "").strip()
        raise AssertionError(f"{self.source} has no level-1 heading")

    @property
    def is_notebook(self) -> bool:
        """Executed as a notebook: an .ipynb, or MyST Markdown with a kernelspec."""
        text = self.source.read_text(encoding="utf-8")
        if self.source.suffix == ".ipynb":
            return True
        front = yaml.safe_load(text[4:text.index("\n---", 4)]) if text.startswith("---\n") else {}
        return "kernelspec" in (front or {})


def _toc_pages(toc: dict[str, Any]) -> list[TocPage]:
    """The `file:` entries of a jb-book _toc.yml, in order: root, parts, chapters, sections."""
    files = [toc["root"]]

    def walk(entries: list[dict[str, Any]] | None) -> None:
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts") or []:
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    pages = []
    for entry in files:
        docname = entry.removesuffix(".md").removesuffix(".ipynb")
        sources = [ROOT / f"{docname}{suffix}" for suffix in (".md", ".ipynb")]
        pages.append(TocPage(docname, next((s for s in sources if s.is_file()), sources[0])))
    return pages


TOC_PAGES = _toc_pages(yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8")))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that takes `toc_page` runs once per page of _toc.yml (ids: the docnames)."""
    if "toc_page" in metafunc.fixturenames:
        metafunc.parametrize("toc_page", TOC_PAGES, ids=[p.docname for p in TOC_PAGES])


@pytest.fixture(scope="session")
def toc_pages() -> list[TocPage]:
    """Every page of _toc.yml, the root first."""
    return TOC_PAGES


def _jupyter_book() -> list[str]:
    """The jupyter-book command of this interpreter's environment (jupyter_book has no
    __main__, so `python -m jupyter_book` does not work)."""
    script = Path(sys.executable).with_name("jupyter-book")
    if script.is_file():
        return [str(script)]
    main = "import sys; from jupyter_book.cli.main import main; sys.exit(main())"
    return [sys.executable, "-c", main]


@pytest.fixture(scope="session")
def built_book() -> Path:
    """Build the site once per session, warnings as errors; the path of _build/html."""
    cmd = [
        *_jupyter_book(), "build", str(ROOT),
        "--path-output", str(ROOT), "-W", "-n", "--keep-going",
    ]
    result = subprocess.run(
        cmd, cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"book build failed ({result.returncode}):\n{output[-8000:]}"
    return HTML


class _QuietHandler(SimpleHTTPRequestHandler):
    """Static files, without a log line on stderr per request."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib name)
        pass


@pytest.fixture(scope="session")
def site_url(built_book: Path) -> Iterator[str]:
    """Serve the built site on the loopback interface; yields its base URL (ends in /)."""
    handler = functools.partial(_QuietHandler, directory=str(built_book))
    server = ThreadingHTTPServer((LOOPBACK, 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="book-site", daemon=True)
    thread.start()
    try:
        yield f"http://{LOOPBACK}:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclass(frozen=True)
class KnownIssue:
    """A problem of the current site that the browser tests tolerate until it is fixed.

    `kind` is a PageWatch kind; `pattern` a regular expression searched in the text.
    test_browser.py checks that each one still occurs, so a fixed issue must leave this list.
    """

    kind: str
    pattern: str
    why: str

    def matches(self, kind: str, text: str) -> bool:
        return kind == self.kind and re.search(self.pattern, text) is not None


KNOWN_ISSUES: tuple[KnownIssue, ...] = ()


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"data", "blob", "about"} or parts.hostname == LOOPBACK


@dataclass
class PageWatch:
    """What went wrong while a page was open: console errors, uncaught exceptions,
    failed or non-2xx/3xx requests, and any request to a host that is not the loopback one.

    `problems` holds readable lines ("kind: text"); `known` the KNOWN_ISSUES seen instead.
    """

    problems: list[str] = field(default_factory=list)
    known: set[KnownIssue] = field(default_factory=set)

    def attach(self, page: Any) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.add("pageerror", str(error)))
        page.on("requestfailed", lambda r: self.add("requestfailed", f"{r.failure} {r.url}"))
        page.on("response", self._on_response)
        page.on("request", self._on_request)

    def add(self, kind: str, text: str) -> None:
        issue = next((known for known in KNOWN_ISSUES if known.matches(kind, text)), None)
        if issue is None:
            self.problems.append(f"{kind}: {text}")
        else:
            self.known.add(issue)

    def _on_console(self, message: Any) -> None:
        # Chromium itself asks for /favicon.ico when a page names no icon (this site has
        # none: html.favicon is unset); that 404 is the browser's probe, not the page's.
        if urlsplit(message.location.get("url", "")).path == "/favicon.ico":
            return
        if message.type == "error":
            self.add("console", f"{message.text} ({message.location.get('url', '')})")

    def _on_response(self, response: Any) -> None:
        if response.status >= 400:
            self.add("http", f"{response.status} {response.url}")

    def _on_request(self, request: Any) -> None:
        if not _is_local(request.url):
            self.add("offline", f"request to a non-loopback host: {request.url}")


@pytest.fixture
def watched_page(browser: Any, site_url: str) -> Iterator[tuple[Any, PageWatch]]:
    """A fresh browser context (empty storage, like a first visit) with one watched page."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=site_url)
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    watch = PageWatch()
    watch.attach(page)
    try:
        yield page, watch
    finally:
        context.close()


@pytest.fixture(scope="session")
def known_issues() -> tuple[KnownIssue, ...]:
    """The problems of the current site that PageWatch tolerates (KNOWN_ISSUES)."""
    return KNOWN_ISSUES
