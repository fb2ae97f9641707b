"""Serve MathJax from the site itself, so that math renders without a network.

The book uses Debian's MathJax 2 (``apt-get install libjs-mathjax``, files under
``/usr/share/javascript/mathjax``). At build time this extension

* points ``mathjax_path`` at ``_static/mathjax/MathJax.js?config=TeX-AMS_CHTML``
  (TeX input with AMS macros, CommonHTML output), instead of Sphinx's CDN default;
* gives MathJax 2 a configuration that matches what Sphinx and MyST write: inline math
  as ``\\(...\\)``, display math as ``\\[...\\]`` (``$``/``$$`` are already turned into
  math nodes by MyST's ``dollarmath``), processed only inside MyST's math classes;
* copies only the MathJax files that configuration can load (about 2 MB, not the
  54 MB of the package) into ``_static/mathjax`` of the HTML output.

It also makes the theme's download menu offer the executed notebook (``.ipynb``) for
MyST-Markdown notebooks, which sphinx-book-theme otherwise only does when a launch
button (Binder, JupyterHub, Colab) is configured.

Set the ``MATHJAX_DIR`` environment variable (or ``offline_mathjax_dir`` in the Sphinx
config) to use a MathJax 2 copy somewhere else.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError
from sphinx.util import logging

logger = logging.getLogger(__name__)

DEFAULT_DIR = "/usr/share/javascript/mathjax"
COMBINED_CONFIG = "TeX-AMS_CHTML"
STATIC_SUBDIR = "mathjax"

# What the TeX-AMS_CHTML configuration loads, up front or on demand (TeX macro
# extensions, operator tables, CommonHTML glyph data and the TeX web fonts).
NEEDED = [
    "MathJax.js",
    f"config/{COMBINED_CONFIG}.js",
    "jax/input/TeX",
    "jax/element/mml",
    "jax/output/CommonHTML",
    "jax/output/PreviewHTML",
    "extensions",
    "fonts/HTML-CSS/TeX/woff",
    "fonts/HTML-CSS/TeX/otf",
]


def _source_dir(config: Config) -> Path:
    return Path(config.offline_mathjax_dir or os.environ.get("MATHJAX_DIR") or DEFAULT_DIR)


def configure(app: Sphinx, config: Config) -> None:
    """config-inited: check MathJax is there and point Sphinx at the local copy."""
    source = _source_dir(config)
    missing = [entry for entry in NEEDED if not (source / entry).exists()]
    if missing:
        raise ConfigError(
            f"MathJax 2 not found in {source} (missing {missing[0]}): "
            "run `apt-get install libjs-mathjax` (or set MATHJAX_DIR to a MathJax 2 folder)"
        )
    config.mathjax_path = f"{STATIC_SUBDIR}/MathJax.js?config={COMBINED_CONFIG}"
    config.html_static_path = [*config.html_static_path, str(Path(__file__).parent / "static")]
    app.add_css_file("offline_mathjax.css")


def mathjax2_config(app: Sphinx) -> None:
    """builder-inited, after MyST: replace MyST's MathJax 3 settings by MathJax 2 ones."""
    myst_config = getattr(app.env, "myst_config", None)
    process_class = getattr(
        myst_config, "mathjax_classes", "tex2jax_process|mathjax_process|math|output_area"
    )
    app.config.mathjax3_config = None
    app.config.mathjax2_config = {
        "tex2jax": {
            "inlineMath": [["\\(", "\\)"]],
            "displayMath": [["\\[", "\\]"]],
            "processEscapes": False,
            "processEnvironments": True,
            "processClass": process_class,
            "ignoreClass": "tex2jax_ignore|mathjax_ignore",
        },
        "TeX": {"equationNumbers": {"autoNumber": "none"}},
        "CommonHTML": {"scale": 100},
        "messageStyle": "none",
    }


def _copy_if_newer(src: Path, dst: Path) -> None:
    if dst.exists():
        s, d = src.stat(), dst.stat()
        if s.st_size == d.st_size and s.st_mtime <= d.st_mtime:
            return
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)


def copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    """build-finished: copy the needed MathJax files into ``_static/mathjax``."""
    if exception is not None or app.builder.format != "html":
        return
    source = _source_dir(app.config)
    target = Path(app.outdir) / "_static" / STATIC_SUBDIR
    for entry in NEEDED:
        path = source / entry
        if path.is_file():
            _copy_if_newer(path, target / entry)
        else:
            for file in sorted(path.rglob("*")):
                if file.is_file():
                    _copy_if_newer(file, target / file.relative_to(source))


def notebook_download(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """html-page-context, before the theme's header buttons: offer the executed .ipynb."""
    if app.builder.format != "html" or "kernelspec" not in app.env.metadata.get(pagename, {}):
        return
    if context.get("ipynb_source") or not str(context.get("sourcename", "")).endswith(".md"):
        return
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not executed.is_file():
        return
    destination = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(executed, destination)
    context["ipynb_source"] = f"{pagename}.ipynb"


def drop_widget_state(app: Sphinx, doctree: Any) -> None:
    """doctree-read: with no widget runtime configured (``nb_ipywidgets_js = {}``, which
    would otherwise come from a CDN), the saved widget state cannot be shown on the site;
    do not embed it (it holds, e.g., a base64 copy of every plot drawn by a slider)."""
    if getattr(app.config, "nb_ipywidgets_js", None):
        return
    metadata = getattr(app.env, "nb_metadata", {}).get(app.env.docname, {})
    metadata.get("js_files", {}).pop("ipywidgets_state", None)


def drop_duplicate_scripts(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any],
                           doctree: Any) -> None:
    """html-page-context: Sphinx 7.4 lists an inline script added late twice (filename None and '').

    The second copy of sphinx-thebe's ``const THEBE_JS_URL`` throws a SyntaxError on every page
    (sphinx-doc/sphinx#13402, fixed in Sphinx 8, which Jupyter Book 1 excludes).
    """
    seen, unique = set(), []
    for script in context.get("script_files", []):
        key = (str(script.filename or ""), tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinx.ext.mathjax")
    app.add_config_value("offline_mathjax_dir", "", "html")
    app.connect("config-inited", configure)
    app.connect("builder-inited", mathjax2_config, priority=900)
    app.connect("doctree-read", drop_widget_state)
    app.connect("html-page-context", notebook_download, priority=400)
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    app.connect("build-finished", copy_mathjax)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
