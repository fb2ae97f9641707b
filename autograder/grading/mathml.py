"""Markdown rendered to HTML with its math as MathML, for pages that run no script.

Feedback pages forbid every script (see :mod:`.inert`), so MathJax cannot typeset them, and
formgrader's MathJax comes from the network. The math of a markdown cell (``$...$``, ``$$...$$``,
``\\begin{...}``) is converted when the page is made, by ``latex2mathml``; browsers render MathML
themselves (Chromium since version 109, Firefox, Safari), offline. TeX that does not convert stays
as its source, shown as code. The MathML passes the same sanitiser as everything else: only the
presentation elements and attributes in :data:`MATHML_TAGS` and :data:`MATHML_ATTRIBUTES` survive
(no ``href``, no ``style``, no ``annotation-xml``).
"""

from __future__ import annotations

from functools import lru_cache
from html import escape

import latex2mathml.converter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

TOKEN_ATTRIBUTES = {"mathvariant"}
MATHML_ATTRIBUTES = {
    "math": {"display"},
    "mi": TOKEN_ATTRIBUTES, "mn": TOKEN_ATTRIBUTES, "mtext": TOKEN_ATTRIBUTES, "ms": TOKEN_ATTRIBUTES,
    "mo": TOKEN_ATTRIBUTES | {"stretchy", "fence", "form", "separator", "minsize", "maxsize", "lspace", "rspace",
                              "largeop", "movablelimits", "symmetric", "accent"},
    "mover": {"accent"}, "munder": {"accentunder"}, "munderover": {"accent", "accentunder"},
    "mfrac": {"linethickness"}, "mspace": {"width", "height", "depth"},
    "mstyle": {"displaystyle", "scriptlevel", "mathvariant"},
    "mtable": {"columnalign", "rowalign", "columnspacing", "rowspacing"}, "mtr": {"columnalign", "rowalign"},
    "mtd": {"columnalign", "rowalign", "columnspan", "rowspan"}, "mpadded": {"width", "height", "depth", "lspace"},
}
MATHML_TAGS = set(MATHML_ATTRIBUTES) | {"mrow", "msub", "msup", "msubsup", "msqrt", "mroot", "mphantom", "merror"}


@lru_cache(maxsize=4096)
def tex_to_mathml(tex: str, display: bool) -> str:
    """``tex`` as a ``<math>`` element (``display="block"`` for display math); TeX that does not
    convert (a typo, an unknown command, nesting too deep) as its escaped source in ``<code>``."""
    try:
        return latex2mathml.converter.convert(tex, display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - whatever TeX a student wrote
        fence = "$$" if display else "$"
        return f"<code>{escape(fence + tex + fence)}</code>"


class MathMLRenderer(IPythonRenderer):
    """nbconvert's markdown renderer, but math becomes MathML instead of text left for MathJax."""

    def block_math(self, body: str) -> str:
        return tex_to_mathml(body, True)

    def inline_math(self, body: str) -> str:
        return tex_to_mathml(body, False)

    def latex_environment(self, name: str, body: str) -> str:
        return tex_to_mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", True)


def markdown_to_html(markdown: str) -> str:
    """Markdown rendered to HTML as nbconvert renders it (links and images become tags the
    sanitiser can see), its math as MathML. Not yet sanitised."""
    return MarkdownWithMath(renderer=MathMLRenderer(escape=False)).render(markdown)
