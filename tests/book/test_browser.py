"""The built site in a real browser (Debian's Chromium through Playwright), offline.

For every page of _toc.yml (root and chapters, so new chapters are covered as they come):
HTTP 200; <title> and the one <h1> match the heading of the page's source; math typeset
by MathJax with no raw TeX delimiters left in visible text; every image loaded; the primary
sidebar lists the table of contents and its links answer 200; no line of code or output, table
or slider runs off the page on a laptop's or a phone's screen; the download menu offers the
.md source (and the executed .ipynb for notebook pages) with the right content; no console
error, uncaught exception, failed request or request off the loopback host (PageWatch in
conftest.py). A full-page screenshot of each page goes to test-artifacts/screenshots/
(git-ignored) for people to look at. Separate tests click a sidebar link, search for
"softmax" and follow the redirect of the site's root.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# A MyST role left in the prose of a downloaded notebook (JupyterLab would show it raw).
PLACEHOLDER = re.compile(r"\{(?:glue:text|term|doc|cite|numref|ref)\}`")
# The chapters with sliders that work on the static site, and the parameter each moves.
STATIC_SLIDERS = {"book/softmax": {"tau"}, "book/cross_entropy": {"o_true"},
                  "book/soft_labels": {"epsilon"}}
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))

# Sphinx writes math as .math elements holding \( \) or \[ \]; MathJax 2 (CommonHTML) puts a
# .MathJax_CHTML frame in each. A TeX error shows as merror/noError or a red undefined macro.
MATH_JS = """async () => {
  const math = Array.from(document.querySelectorAll('.math'));
  if (!window.MathJax || !MathJax.Hub) return {count: math.length, loaded: false};
  // A hook must not return the Queue's callback: MathJax would wait for it (deadlock).
  const done = new Promise(r => MathJax.Hub.Register.StartupHook('End',
                                   () => { MathJax.Hub.Queue(() => r(true)); }));
  const late = new Promise(r => setTimeout(() => r(false), 20000));
  const typeset = await Promise.race([done, late]);
  const tex = el => document.getElementById(el.id.replace(/-Frame$/, ''))?.textContent;
  const errors = Array.from(document.querySelectorAll('.MathJax_CHTML')).filter(el =>
      el.querySelector('.mjx-noError, .mjx-merror') ||
      /<merror|mathcolor="red"/.test(el.getAttribute('data-mathml') || '')).map(tex);
  const bare = math.filter(m => !m.querySelector('.MathJax_CHTML')).map(m => m.textContent);
  return {count: math.length, loaded: true, typeset, errors, bare};
}"""

# Visible text (code, scripts and MathJax's hidden copies left out) with $$, \( \) or \[ \].
RAW_TEX_JS = r"""() => {
  const skip = 'pre, code, script, style, textarea, noscript, ' +
               '.MathJax_Preview, .MJX_Assistive_MathML';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const found = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest(skip) || !el.checkVisibility()) continue;
    const hit = node.data.match(/\$\$|\\[()[\]]/);
    if (hit) found.push(node.data.slice(Math.max(0, hit.index - 30), hit.index + 30).trim());
  }
  return found;
}"""

# Images that did not load (lazy ones are made eager and awaited first).
BROKEN_IMAGES_JS = """async () => {
  const images = Array.from(document.images);
  await Promise.all(images.map(img => {
    img.loading = 'eager';
    return img.decode().catch(() => null);
  }));
  return images.filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src);
}"""

# Code, outputs, tables and sliders of the article wider than their box (a line off the page).
OVERFLOW_JS = r"""() => Array.from(document.querySelectorAll(
    'article pre, article div.output, article table, article div.static-slider'))
  .filter(el => el.checkVisibility() && el.scrollWidth > el.clientWidth + 1)
  .map(el => { const lines = el.textContent.split('\n');
               const longest = lines.reduce((a, b) => b.length > a.length ? b : a, '');
               return `${el.scrollWidth} px in ${el.clientWidth} px: ${longest.trim().slice(0, 60)}`; })"""
# Widths at which no line may run off the page: a laptop and a phone.
VIEWPORT_WIDTHS = (1280, 400)

H1_TEXT_JS = """h => { const c = h.cloneNode(true);
  c.querySelectorAll('.headerlink').forEach(x => x.remove()); return c.textContent.trim(); }"""
HREFS_JS = "links => links.map(a => a.href)"
SEARCH_DONE_JS = """() =>
  (document.querySelector('#search-results .search-summary')?.textContent || '').trim() !== ''"""


def _docname_of(url: str) -> str:
    return urlsplit(url).path.lstrip("/").removesuffix(".html")


def _get(page: Any, url: str) -> Any:
    """GET a URL of the site (never anything off the loopback server) with the page's
    context; the Playwright APIResponse."""
    assert urlsplit(url).netloc == urlsplit(page.url).netloc, f"{url} is not on the site"
    return page.request.get(url)


def _report(where: str, failures: list[str]) -> str:
    return f"{where}:\n  " + "\n  ".join(failures)


def check_title(page: Any, toc_page: Any) -> list[str]:
    expected = toc_page.title
    headings = page.locator("article h1")
    if headings.count() != 1:
        return [f"expected one <h1> in the article, found {headings.count()}"]
    failures = []
    if (h1 := headings.evaluate(H1_TEXT_JS)) != expected:
        failures.append(f"<h1> is {h1!r}, the source's heading is {expected!r}")
    if (title := page.title()) != f"{expected} \u2014 {CONFIG['title']}":
        failures.append(f"<title> is {title!r}, expected {expected!r} \u2014 {CONFIG['title']!r}")
    return failures


def check_math(page: Any) -> list[str]:
    math = page.evaluate(MATH_JS)
    failures = [f"raw TeX delimiters in visible text: {raw!r}" for raw in page.evaluate(RAW_TEX_JS)]
    if math["count"] and not math["loaded"]:
        failures.append(f"{math['count']} math elements but MathJax did not load")
    elif math["loaded"]:
        if not math["typeset"]:
            failures.append("MathJax did not finish typesetting")
        failures += [f"math not rendered: {tex[:80]!r}" for tex in math["bare"]]
        failures += [f"TeX error in: {tex!r}" for tex in math["errors"]]
    return failures


def check_images(page: Any) -> list[str]:
    return [f"image did not load: {src}" for src in page.evaluate(BROKEN_IMAGES_JS)]


def check_widths(page: Any) -> list[str]:
    """No code line, output, table or slider runs off the page at any of VIEWPORT_WIDTHS
    (the page's viewport is restored afterwards)."""
    viewport, failures = page.viewport_size, []
    for width in VIEWPORT_WIDTHS:
        page.set_viewport_size({"width": width, "height": viewport["height"]})
        failures += [f"at {width} px wide, runs off the page: {what}" for what in page.evaluate(OVERFLOW_JS)]
    page.set_viewport_size(viewport)
    return failures


def check_sidebar(page: Any, toc_pages: list[Any]) -> list[str]:
    """The primary sidebar lists every chapter, nothing outside the table of contents, and
    each of its links answers HTTP 200."""
    links = page.locator("nav.bd-docs-nav a.reference").evaluate_all(HREFS_JS)
    listed = {_docname_of(href) for href in links}
    chapters = {p.docname for p in toc_pages[1:]}
    failures = [f"sidebar lacks {name}" for name in sorted(chapters - listed)]
    outside = sorted(listed - {p.docname for p in toc_pages})
    if outside:  # not fetched: they may not even be on the site
        return failures + [f"sidebar links outside the TOC: {name}" for name in outside]
    statuses = {href: _get(page, href).status for href in links}
    return failures + [f"sidebar link {h}: HTTP {s}" for h, s in statuses.items() if s != 200]


def check_downloads(page: Any, toc_page: Any) -> list[str]:
    """The download menu offers .md (identical to the source) and, for notebooks, .ipynb."""
    menu = page.locator(".dropdown-download-buttons")
    if menu.count() != 1:
        return ["no download button"]
    menu.locator("button.dropdown-toggle").click()
    items = menu.locator(".dropdown-menu a[href]")
    items.first.wait_for(state="visible")
    offered = dict(items.evaluate_all("as => as.map(a => [a.textContent.trim(), a.href])"))
    wanted = [".md", ".ipynb"] if toc_page.is_notebook else [".md"]
    failures = [f"download menu lacks {kind} (offers {sorted(offered)})"
                for kind in wanted if kind not in offered]
    if ".md" in offered:
        response = _get(page, offered[".md"])
        if not response.ok or response.text() != toc_page.source.read_text(encoding="utf-8"):
            failures.append(f".md download ({response.status}) is not the page's source")
    if ".ipynb" in offered:
        response = _get(page, offered[".ipynb"])
        notebook = json.loads(response.body()) if response.ok else {}
        if notebook.get("nbformat") != 4 or not notebook.get("cells"):
            failures.append(f".ipynb download ({response.status}) is not a notebook with cells")
        prose = "".join("".join(c["source"]) for c in notebook.get("cells", [])
                        if c.get("cell_type") == "markdown")
        failures += [f".ipynb download shows the placeholder {role}"
                     for role in sorted(set(PLACEHOLDER.findall(prose)))]
    return failures


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """test-artifacts/screenshots, emptied of the previous run's pictures."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    return SCREENSHOTS


@pytest.mark.slow
def test_page(
    toc_page: Any, toc_pages: list[Any], watched_page: tuple[Any, Any], screenshots: Path
) -> None:
    """One page of _toc.yml (parametrized by conftest.pytest_generate_tests)."""
    page, watch = watched_page
    response = page.goto(toc_page.html)
    assert response is not None and response.status == 200, f"{toc_page.html}: no HTTP 200"
    failures = [*check_math(page), *check_title(page, toc_page), *check_images(page)]
    failures += [*check_sidebar(page, toc_pages), *check_widths(page)]
    name = toc_page.docname.replace("/", "-")
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
    failures += [*check_downloads(page, toc_page), *watch.problems]
    assert not failures, _report(f"{toc_page.docname} ({toc_page.html})", failures)


@pytest.mark.slow
def test_sidebar_click_opens_a_chapter(
    toc_pages: list[Any], watched_page: tuple[Any, Any]
) -> None:
    """Clicking the last chapter's sidebar link on the root page opens that chapter
    (test_page checks every sidebar link of every page over HTTP)."""
    page, watch = watched_page
    root, last = toc_pages[0], toc_pages[-1]
    page.goto(root.html)
    # Let the root page finish (MathJax fetches its fonts late): leaving it earlier aborts those
    # requests, which the watch would rightly report as failed.
    page.wait_for_load_state("networkidle")
    link = page.locator(f"nav.bd-docs-nav a.reference[href$='{Path(last.html).name}']")
    with page.expect_navigation() as navigation:
        link.first.click()
    status = navigation.value.status if navigation.value else None
    assert status == 200 and page.url.endswith(last.html), (
        f"{root.html}: sidebar link to {last.html} gave HTTP {status}, at {page.url}")
    assert not watch.problems, _report(f"sidebar click to {last.html}", watch.problems)


@pytest.mark.slow
def test_search_finds_softmax(
    toc_pages: list[Any], watched_page: tuple[Any, Any], screenshots: Path
) -> None:
    page, watch = watched_page
    response = page.goto("search.html?q=softmax")
    assert response is not None and response.status == 200, "search.html: no HTTP 200"
    page.wait_for_function(SEARCH_DONE_JS)
    hrefs = page.locator("#search-results ul.search li a").evaluate_all(HREFS_JS)
    page.screenshot(path=str(screenshots / "search-softmax.png"), full_page=True)
    outside = {_docname_of(href) for href in hrefs} - {p.docname for p in toc_pages}
    failures = [] if hrefs else ["no results"]
    failures += [f"result outside the table of contents: {name}" for name in sorted(outside)]
    failures += watch.problems
    assert not failures, _report("search.html?q=softmax", failures)


@pytest.mark.slow
def test_site_root_opens_the_first_page(
    toc_pages: list[Any], watched_page: tuple[Any, Any]
) -> None:
    page, watch = watched_page
    page.goto("")
    page.wait_for_url(f"**/{toc_pages[0].html}")
    assert not watch.problems, _report("index.html", watch.problems)


@pytest.mark.slow
@pytest.mark.parametrize("docname", sorted(STATIC_SLIDERS))
def test_static_sliders_change_the_figure(
    docname: str, watched_page: tuple[Any, Any], screenshots: Path
) -> None:
    """Each static slider of a chapter, moved with the mouse, shows another picture, and moving
    it back shows the first one again (matplotlib's player, no kernel, no network)."""
    page, watch = watched_page
    page.goto(f"{docname}.html")
    sliders = page.locator("div.static-slider")
    parameters = set(sliders.evaluate_all("ds => ds.map(d => d.dataset.parameter)"))
    assert parameters == STATIC_SLIDERS[docname], f"{docname}: static sliders {parameters}"
    failures = []
    for index in range(sliders.count()):
        slider = sliders.nth(index)
        slider.scroll_into_view_if_needed()
        failures += _move_slider(page, slider, screenshots / f"slider-{docname[5:]}-{index}.png")
    assert not failures + watch.problems, _report(docname, failures + watch.problems)


def _move_slider(page: Any, slider: Any, screenshot: Path) -> list[str]:
    """Click the slider's left end, then its right end, then its left end again; the figure's
    pixels must differ between the ends, and the first frame must come back at the start."""
    where = slider.get_attribute("data-parameter")
    image, handle = slider.locator("img"), slider.locator("input[type=range]")
    box = handle.bounding_box()
    if box is None:
        return [f"slider {where}: not visible"]

    def click_at(fraction: float) -> tuple[str, str, bytes]:
        page.mouse.click(box["x"] + 2 + fraction * (box["width"] - 4), box["y"] + box["height"] / 2)
        page.wait_for_timeout(200)
        image.evaluate("img => img.decode()")  # the frame the slider chose is drawn
        return handle.input_value(), image.get_attribute("src") or "", image.screenshot(animations="disabled")

    first_value, first_frame, first = click_at(0.0)
    last_value, _, last = click_at(1.0)
    image.screenshot(path=str(screenshot))
    again_value, again_frame, _ = click_at(0.0)
    failures = []
    if first_value == last_value:
        failures.append(f"slider {where}: clicking its ends left it at {first_value}")
    if first == last:
        failures.append(f"slider {where}: the figure did not change ({first_value} -> {last_value})")
    # Back at the start, the player shows the first frame again: the same image, compared by its
    # data (a second screenshot of it may differ by a pixel of antialiasing while it repaints).
    if (again_value, again_frame) != (first_value, first_frame):
        failures.append(f"slider {where}: back at {again_value}, the figure is not the first one")
    return failures
