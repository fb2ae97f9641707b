"""Uncached chapters run side by side before Sphinx reads them (book/_ext/parallel_execution.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEADER = "---\njupytext:\n  text_representation:\n    format_name: myst\nkernelspec:\n  name: python3\n" \
         "  display_name: Python 3\n---\n\n"
TIMED = "```{code-cell} ipython3\nimport os, time\nstart = time.time()\ntime.sleep(3)\n" \
        "print('ran', start, time.time(), 'threads', os.environ.get('OMP_NUM_THREADS'))\n```\n"


def _build(folder: Path) -> str:
    result = subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", str(folder),
                             "--path-output", str(folder)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def _interval(folder: Path, name: str) -> tuple[float, float, str]:
    page = (folder / "_build" / "html" / "book" / f"{name}.html").read_text()
    ran = re.search(r"ran ([0-9.]+) ([0-9.]+) threads (\S+)", page)
    assert ran, f"{name}: no output on the page"
    return float(ran[1]), float(ran[2]), ran[3]


@pytest.mark.slow
def test_uncached_chapters_run_side_by_side_and_myst_nb_uses_their_results(tmp_path: Path) -> None:
    (tmp_path / "book").mkdir()
    (tmp_path / "_config.yml").write_text(
        'title: "Tiny"\nexecute:\n  execute_notebooks: cache\nsphinx:\n  local_extensions:\n'
        f"    parallel_execution: {ROOT / 'book' / '_ext'}\n  config:\n    parallel_execution_jobs: 2\n")
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/a_first\nchapters:\n  - file: book/b_second\n  - file: book/c_fails\n")
    (tmp_path / "book" / "a_first.md").write_text(HEADER + "# First\n\n" + TIMED)
    (tmp_path / "book" / "b_second.md").write_text(HEADER + "# Second\n\n" + TIMED)
    (tmp_path / "book" / "c_fails.md").write_text(
        HEADER + "# Fails\n\n```{code-cell} ipython3\nraise ValueError('on purpose')\n```\n")

    log = _build(tmp_path)
    assert "executing 3 chapter(s), 2 at a time" in log
    first, second = _interval(tmp_path, "a_first"), _interval(tmp_path, "b_second")
    assert first[0] < second[1] and second[0] < first[1], f"the chapters ran one after the other: {first} {second}"
    assert first[2] == second[2] == str(max(1, (os.cpu_count() or 1) // 2)), "the kernels share the cores"
    assert "a_first.md: Using cached notebook" in log and "b_second.md: Using cached notebook" in log
    assert "c_fails.md failed (CellExecutionError); it runs again in its turn" in log
    assert "c_fails.md: Executing notebook failed" in log or "Executing notebook failed" in log, \
        "myst-nb reports the failing chapter as it always does"

    again = _build(tmp_path)
    assert "executing" not in again and "Executed notebook" not in again, "an unchanged book runs nothing"
    assert _interval(tmp_path, "a_first") == first, "a cached chapter is not run again"
