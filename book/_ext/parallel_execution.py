"""Execute the chapters a build needs side by side, before Sphinx reads them one by one.

In ``cache`` mode myst-nb executes a chapter when Sphinx reads it, so a cold build runs the
chapters one after another, each in its own kernel that mostly waits on one core. Before Sphinx
reads anything (``env-before-read-docs``), this extension makes each notebook to be read exactly
as myst-nb will (its reader, kernel aliases and file-level settings), skips those the execution
cache (``_build/.jupyter_cache``) already holds, runs the rest in ``parallel_execution_jobs``
kernels at once (default: one per core) and stores each in the cache as myst-nb does. Sphinx
then finds them cached. A chapter that fails here is not stored: myst-nb runs it again in its
turn and reports the failure as it always does.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import multiprocessing
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from nbformat import NotebookNode
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

logger = logging.getLogger(__name__)

# Kernels side by side must share the cores: with a thread per core each, OpenMP's spinning
# threads fight over them (one chapter took 15 times as long).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


@dataclass
class Pending:
    """A chapter to execute: its notebook (no outputs yet), source path and execution settings."""

    notebook: NotebookNode
    path: Path
    read_fmt: dict[str, Any] | None
    timeout: int
    allow_errors: bool
    in_temp: bool
    threads: int = 1


def _notebook(env: BuildEnvironment, name: str) -> Pending | None:
    """The chapter ``name`` as myst-nb will execute it; None when myst-nb would not execute it."""
    from myst_nb.core.read import create_nb_reader

    nb_config, path = env.mystnb_config, Path(env.doc2path(name))
    text = path.read_text(encoding="utf-8")
    reader = create_nb_reader(str(path), env.myst_config, nb_config, text)
    if reader is None:
        return None
    notebook = reader.read(text)
    kernel = notebook.metadata.get("kernelspec", {}).get("name")
    for pattern, alias in (nb_config.kernel_rgx_aliases or {}).items():
        if kernel is not None and re.fullmatch(pattern, kernel):
            notebook.metadata["kernelspec"]["name"] = alias
            break
    if nb_config.metadata_key in notebook.metadata:
        overrides = dict(notebook.metadata[nb_config.metadata_key])
        overrides.pop("output_folder", None)
        nb_config = nb_config.copy(**overrides)
    posix = PurePosixPath(path.as_posix())
    if nb_config.execution_mode != "cache" or any(posix.match(p) for p in nb_config.execution_excludepatterns):
        return None
    return Pending(notebook, path, reader.read_fmt, nb_config.execution_timeout, nb_config.execution_allow_errors,
                   nb_config.execution_in_temp)


def _execute(chapter: Pending) -> tuple[NotebookNode, float, str | None]:
    """Run ``chapter`` in a kernel (in a worker process): the executed notebook, seconds, error or None."""
    from jupyter_cache.executors.utils import single_nb_execution

    os.environ.update({name: str(chapter.threads) for name in THREAD_VARIABLES})  # the kernel inherits them
    with tempfile.TemporaryDirectory() if chapter.in_temp else contextlib.nullcontext(str(chapter.path.parent)) as cwd:
        result = single_nb_execution(chapter.notebook, cwd=os.path.abspath(cwd), allow_errors=chapter.allow_errors,
                                     timeout=chapter.timeout, meta_override=True)
    return chapter.notebook, result.time, None if result.err is None else type(result.err).__name__


def execute_ahead(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Sphinx's ``env-before-read-docs``: execute the uncached chapters among ``docnames``."""
    if env.mystnb_config.execution_mode != "cache":
        return
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(env.mystnb_config.execution_cache_path or ".jupyter_cache")
    pending = []
    for name in docnames:
        chapter = _notebook(env, name)
        try:
            if chapter is not None:
                cache.match_cache_notebook(chapter.notebook)
        except KeyError:
            pending.append(chapter)
    jobs = min(len(pending), app.config.parallel_execution_jobs or os.cpu_count() or 1)
    if jobs < 2:
        return  # one chapter (or none): myst-nb runs it in its turn
    threads = max(1, (os.cpu_count() or 1) // jobs)
    for chapter in pending:
        chapter.threads = threads
    logger.info(f"executing {len(pending)} chapter(s), {jobs} at a time, {threads} thread(s) each")
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        for chapter, (executed, seconds, error) in zip(pending, pool.map(_execute, pending)):
            if error is not None:
                logger.info(f"{chapter.path.name} failed ({error}); it runs again in its turn")
                continue
            stage = cache.add_nb_to_project(str(chapter.path), read_data=chapter.read_fmt) if chapter.read_fmt \
                else cache.add_nb_to_project(str(chapter.path))
            cache.cache_notebook_bundle(CacheBundleIn(executed, stage.uri, data={"execution_seconds": seconds}),
                                        check_validity=False, overwrite=True)
            logger.info(f"{chapter.path.name}: executed in {seconds:.1f} s")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("parallel_execution_jobs", 0, "env")
    app.connect("env-before-read-docs", execute_ahead)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
