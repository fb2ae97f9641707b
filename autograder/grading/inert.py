"""Student content made inert before the grader shows it to anyone.

Whatever a student controls (printed text, exception messages, rich outputs, markdown, notebook
metadata, names, file names in an LMS download) reaches feedback pages, reports and the
instructor's terminal. Here it loses every way to act:

* :func:`inert_stored` (the autograded notebooks, which formgrader renders in the instructor's
  Jupyter session without sanitising anything, and again on the copies made into feedback): rich
  outputs, markdown cells (rendered to HTML first, so that links and images are tags, math as
  MathML; stored as one HTML block that a markdown renderer passes through) and raw cells pass
  through a maintained sanitiser
  (``nh3``, an allow-list: no script, event handler, ``javascript:`` link, iframe, form or style
  that loads anything); JavaScript and widget outputs and widget state are dropped with a note;
  SVG becomes an image (a data URL), which a browser never runs;
* :data:`CONTENT_SECURITY_POLICY` / :func:`add_content_security_policy`: each feedback page also
  forbids scripts, frames and any load from the network, whatever slipped through;
* :func:`printable`: one line of text with every control character, escape sequence and
  bidirectional override shown as a visible escape (for terminals and logs);
* :func:`spreadsheet_cell`: a CSV cell that no spreadsheet takes for a formula.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from typing import Any

import nbformat
import nh3

from .mathml import MATHML_ATTRIBUTES, MATHML_TAGS, markdown_to_html

TAGS = {"a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div", "dl", "dt", "em",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p", "pre", "q", "s",
        "samp", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
        "thead", "tr", "tt", "u", "ul", "var"} | MATHML_TAGS
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"},
              "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}, "*": {"class"}, **MATHML_ATTRIBUTES}
URL_SCHEMES = {"http", "https", "mailto", "data"}
DROPPED = ("application/javascript", "text/javascript", "application/vnd.jupyter.widget-view+json",
           "application/vnd.jupyter.widget-state+json")
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'none'; object-src 'none'; frame-src 'none'; "
                           "connect-src 'none'; form-action 'none'; base-uri 'none'; img-src data:; "
                           "style-src 'unsafe-inline'; font-src data:")
"""Nothing runs, nothing is fetched: styles inline, images and fonts from data URLs only."""

_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean_html(html: str) -> str:
    """``html`` with only the allow-listed tags and attributes; images only from data URLs."""
    cleaned = nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel="noopener noreferrer")
    return re.sub(r"""<img\b[^>]*\bsrc="(?!data:)[^"]*"[^>]*>""", "[image from the network removed]", cleaned)


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _svg_as_image(svg: str) -> str:
    encoded = base64.b64encode(svg.encode()).decode()
    return f'<img src="data:image/svg+xml;base64,{encoded}" alt="SVG output">'


def _inert_output(output: dict[str, Any]) -> list[str]:
    """Clean one output in place; the notes on what was dropped."""
    data = output.get("data")
    if not isinstance(data, dict):
        return []
    notes = [f"a {kind} output was removed (it could run code)" for kind in DROPPED if data.pop(kind, None) is not None]
    html = [clean_html(_text(data.pop("text/html")))] if "text/html" in data else []
    if "text/markdown" in data:
        html.append(clean_html(markdown_to_html(_text(data.pop("text/markdown")))))
    if "image/svg+xml" in data:
        html.append(_svg_as_image(_text(data.pop("image/svg+xml"))))
    if html:
        data["text/html"] = "".join(html)
    if not data:
        data["text/plain"] = "(removed)"
    output.get("metadata", {}).pop("application/vnd.jupyter.widget-view+json", None)
    return notes


def _as_one_html_block(cell: Any) -> None:
    """A markdown cell that stays one (formgrader grades written answers by cell type) whose source
    is its sanitised HTML in one ``<div>`` on one line: a markdown renderer passes an HTML block
    through up to the first blank line, and there is none, so nothing in the cleaned text is read
    as markdown a second time (line breaks become ``&#10;``, which HTML reads as the same)."""
    cleaned = clean_html(markdown_to_html(_text(cell.get("source", ""))))
    cell["source"] = "<div>" + cleaned.replace("\r", "").replace("\n", "&#10;") + "</div>"
    cell.pop("attachments", None)


def inert_outputs(notebook: Any) -> Any:
    """The notebook (changed in place) with every output inert and widget state dropped."""
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        notes: list[str] = []
        for output in cell.get("outputs", []):
            notes += _inert_output(output)
        if notes:
            cell.setdefault("outputs", []).append(nbformat.v4.new_output(
                "stream", name="stdout", text="".join(f"(note: {note})\n" for note in notes)))
    return notebook


def inert_stored(notebook: Any) -> Any:
    """The notebook (changed in place) as the batch grader stores it in ``autograded/``, which
    formgrader shows: outputs inert, markdown cells one sanitised HTML block, raw cells sanitised."""
    inert_outputs(notebook)
    for cell in notebook.cells:
        if cell.get("cell_type") == "markdown":
            _as_one_html_block(cell)
        elif cell.get("cell_type") == "raw":
            cell["source"] = clean_html(_text(cell.get("source", "")))
    return notebook


WRAPPED_OUTPUT = ("<style>.jp-OutputArea-output pre, .output_area pre, pre { white-space: pre-wrap; "
                  "overflow-wrap: anywhere; }</style>")
"""Long lines of output (a judge's message) wrap instead of scrolling sideways."""


def add_content_security_policy(html: str) -> str:
    """The page with a Content-Security-Policy as the first element of its head (and no script tags),
    and output that wraps (:data:`WRAPPED_OUTPUT`)."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">' + WRAPPED_OUTPUT
    html = re.sub(r"<script\b[^>]*>.*?</script\s*>", "", html, flags=re.DOTALL | re.IGNORECASE)
    if re.search(r"<head\b[^>]*>", html, flags=re.IGNORECASE):
        return re.sub(r"(<head\b[^>]*>)", lambda m: m.group(1) + meta, html, count=1, flags=re.IGNORECASE)
    return meta + html


def printable(text: str) -> str:
    """``text`` as one safe line: control characters (escape sequences, ``\\r``, ``\\n``, ...) and
    bidirectional controls shown as ``\\xNN`` / ``\\uNNNN`` escapes, never acted on."""
    shown = []
    for char in str(text):
        if unicodedata.category(char) == "Cc" or char in _BIDI:
            shown.append(f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")
        else:
            shown.append(char)
    return "".join(shown)


def spreadsheet_cell(value: Any) -> Any:
    """A text cell no spreadsheet evaluates: one that starts like a formula gets a leading ``'``
    (numbers are left as they are)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
