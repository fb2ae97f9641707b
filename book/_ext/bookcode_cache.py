"""Re-execute the chapters that use ``book/bookcode`` when its code changes.

Jupyter Book executes a chapter again only when the chapter's own text changes: Sphinx
re-reads changed sources, and the execution cache (``_build/.jupyter_cache``) is keyed by the
notebook's code cells. An edit to a helper in ``book/bookcode/*.py`` changes neither, so the
site would keep numbers and figures from the old helper. This extension keeps a digest of the
helpers' sources in Sphinx's environment; when it differs from the last build's, every chapter
whose source mentions ``bookcode`` is marked outdated and its cached execution is dropped, so
it runs again with the new code.

Set ``bookcode_dir`` in the Sphinx config to watch another folder (default ``book/bookcode``
under the configuration directory).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

logger = logging.getLogger(__name__)

MARKER = "bookcode"


def digest(folder: Path) -> str:
    """SHA-256 over the relative paths and bytes of every ``*.py`` file under ``folder`` ("" if none)."""
    hasher = hashlib.sha256()
    files = sorted(folder.rglob("*.py")) if folder.is_dir() else []
    for path in files:
        hasher.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return hasher.hexdigest() if files else ""


def users(sources: dict[str, str]) -> list[str]:
    """The docnames whose source text mentions :data:`MARKER`, sorted."""
    return sorted(name for name, text in sources.items() if MARKER in text)


def _sources(env: BuildEnvironment) -> dict[str, str]:
    """docname -> source text of every document Sphinx found."""
    texts = {}
    for name in env.found_docs:
        try:
            texts[name] = Path(env.doc2path(name)).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
    return texts


def _drop_cached_executions(cache_path: Path, paths: list[str]) -> int:
    """Remove the jupyter-cache records of the notebooks at ``paths``; how many were removed."""
    if not cache_path.is_dir():
        return 0
    from jupyter_cache import get_cache

    cache = get_cache(str(cache_path))
    wanted = {str(Path(path).resolve()) for path in paths}
    removed = 0
    for record in cache.list_cache_records():
        if str(Path(record.uri).resolve()) in wanted:
            cache.remove_cache(record.pk)
            removed += 1
    return removed


def outdated(app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str],
             removed: set[str]) -> list[str]:
    """Sphinx's ``env-get-outdated``: the chapters to read (and execute) again."""
    folder = Path(app.config.bookcode_dir or Path(app.confdir) / "book" / "bookcode")
    current, previous = digest(folder), getattr(env, "bookcode_digest", None)
    env.bookcode_digest = current
    if previous is None or previous == current:
        return []
    stale = [name for name in users(_sources(env)) if name not in added | changed]
    cache_path = Path(app.env.mystnb_config.execution_cache_path)
    dropped = _drop_cached_executions(cache_path, [str(env.doc2path(name)) for name in stale])
    logger.info(f"bookcode changed: executing again {len(stale)} chapter(s) ({dropped} cached run(s) dropped)")
    return stale


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("bookcode_dir", "", "env")
    app.connect("env-get-outdated", outdated)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
