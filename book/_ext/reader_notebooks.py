"""The downloadable ``.ipynb`` of a chapter reads like the page: numbers filled in, roles resolved.

The site's download menu offers each executed chapter as a notebook (``_build/html/_sources/
<doc>.ipynb``, copied there by the theme from ``_build/jupyter_execute``). Its Markdown cells are
the MyST source, so in JupyterLab the prose would show ``{glue:text}`acc:.3f``` where the page
shows a number, and ``{term}`logit <logit>``` where it shows "logit". After every HTML build this
extension rewrites each downloadable notebook from the executed one: each ``{glue:text}`` role is
replaced by the value glued in that run, formatted exactly as on the page (MyST-NB's own
formatter), and the other inline roles by their text (a citation by its key in brackets). Code
cells and outputs are left as they are, so the reader can run the notebook again.

A glue role whose value is missing stops the build: the text would quote a number that no code
computed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import nbformat
from myst_nb.core.variables import format_plain_text
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

GLUE_TEXT = re.compile(r"\{glue:text\}`(?P<name>[A-Za-z_][\w.]*)(?::(?P<spec>[^`]*))?`")
# Any other inline role: {term}`text <target>`, {doc}`target`, {cite}`key1,key2`, ...
ROLE = re.compile(r"\{(?P<role>[a-z:]+)\}`(?P<content>[^`]*)`")
TITLED = re.compile(r"^(?P<text>.*?)\s*<[^<>]+>$", re.DOTALL)
NOTE = ("*This is the notebook of a chapter of the course's book, executed when the site was "
        "built: the numbers in the text come from that run. Run the cells in order (Run > Run "
        "All Cells) to compute them again; the sliders work here too.*")


def glued_text(glue_data: dict[str, Any], name: str, spec: str, where: str) -> str:
    """The text the page shows for ``{glue:text}`name:spec```; ExtensionError if nothing was glued."""
    try:
        plain = glue_data[name]["data"]["text/plain"]
    except KeyError:
        raise ExtensionError(f"{where}: {{glue:text}}`{name}` has no glued value") from None
    return format_plain_text(plain, spec or "")


def role_text(match: re.Match[str]) -> str:
    """What the page shows for an inline role other than glue: its text, or ``[key]`` for a citation."""
    role, content = match["role"], match["content"]
    if role.startswith("cite"):
        return f"[{content}]"
    titled = TITLED.match(content)
    return titled["text"] if titled else content


def resolve(markdown: str, glue_data: dict[str, Any], where: str) -> str:
    """``markdown`` with glue roles replaced by their values and other roles by their text."""
    markdown = GLUE_TEXT.sub(
        lambda m: glued_text(glue_data, m["name"], m["spec"] or "", where), markdown)
    return ROLE.sub(role_text, markdown)


def reader_notebook(executed: Path, glue_json: Path) -> nbformat.NotebookNode:
    """The executed notebook with its Markdown resolved and a first cell that says what it is."""
    notebook = nbformat.read(executed, as_version=4)
    glue_data = json.loads(glue_json.read_text(encoding="utf-8")) if glue_json.is_file() else {}
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = resolve(cell.source, glue_data, str(executed.name))
    notebook.cells.insert(0, nbformat.v4.new_markdown_cell(NOTE))
    return notebook


def rewrite_downloads(app: Sphinx, exception: Exception | None) -> None:
    """After a successful HTML build, rewrite every ``_sources/<doc>.ipynb`` that came from an execution."""
    if exception is not None or app.builder.format != "html":
        return
    executed_dir = Path(app.outdir).parent / "jupyter_execute"
    sources_dir = Path(app.outdir) / "_sources"
    for executed in sorted(executed_dir.rglob("*.ipynb")):
        relative = executed.relative_to(executed_dir)
        download = sources_dir / relative
        if not download.is_file():
            continue
        notebook = reader_notebook(executed, executed.with_name(executed.stem + ".glue.json"))
        download.write_text(nbformat.writes(notebook), encoding="utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("build-finished", rewrite_downloads)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
