"""Benchmark 4: the book, built cold (a fresh copy, empty cache) and rebuilt with no change.

The book's sources (``_config.yml``, ``_toc.yml``, ``book/`` and the files the configuration
names, such as the bibliography) are copied into a temporary folder
and built there with ``jupyter-book build``, so neither the repository's ``_build`` nor its
execution cache is touched. Targets: a cold build under 5 minutes, a rebuild under 15 s.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

from .config import BenchConfig
from .report import Section, Table, Target, seconds
from .timing import median, run_command, spread

SOURCES = ("_config.yml", "_toc.yml", "book")
TARGET_COLD_S, TARGET_REBUILD_S = 300.0, 15.0


def sources(root: Path) -> list[str]:
    """:data:`SOURCES` and the files ``_config.yml`` names (bibliographies, logo, favicon), relative to ``root``."""
    config_file = root / "_config.yml"
    config = (yaml.safe_load(config_file.read_text()) or {}) if config_file.is_file() else {}
    named = list(config.get("bibtex_bibfiles") or []) + [config.get("logo") or ""]
    named.append((config.get("html") or {}).get("favicon") or "")
    extra = [name for name in named if name and (root / name).is_file() and name.split("/")[0] not in SOURCES]
    return [*SOURCES, *extra]


def copy_sources(root: Path, destination: Path) -> Path:
    """Copy the book's sources (see :func:`sources`) from ``root`` into ``destination`` (created); returns it."""
    destination.mkdir(parents=True)
    for name in sources(root):
        source = root / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=shutil.ignore_patterns("__pycache__", "_build"))
        elif source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, destination / name)
    return destination


def build(folder: Path) -> tuple[float, int, list[str]]:
    """``jupyter-book build`` in ``folder``; (seconds, exit status, Sphinx's ``WARNING:`` lines).

    (Each kernel's ``[IPKernelApp] WARNING | ... TCP without encryption`` notice is not counted.)
    """
    program = str(Path(sys.executable).parent / "jupyter-book")
    wall, result = run_command([program, "build", str(folder), "--path-output", str(folder)], check=False)
    warnings = [line.strip() for line in (result.stdout + result.stderr).splitlines() if "WARNING:" in line]
    return wall, result.returncode, warnings


def executions(folder: Path) -> dict[str, tuple[int, float]]:
    """Chapter file name -> (cache record id, seconds its execution took), from the book's execution cache."""
    from jupyter_cache import get_cache

    cache = folder / "_build" / ".jupyter_cache"
    if not cache.is_dir():
        return {}
    records = sorted(get_cache(str(cache)).list_cache_records(), key=lambda record: record.pk)
    return {Path(record.uri).name: (record.pk, float(record.data.get("execution_seconds", 0.0)))
            for record in records}


def run(config: BenchConfig) -> Section:
    """One cold build, then ``config.rebuild_repeats`` rebuilds with no change."""
    section = Section("book", "Book: cold build and rebuild")
    with tempfile.TemporaryDirectory(prefix="bench-book-") as folder:
        copy = copy_sources(config.book_root, Path(folder) / "book-copy")
        cold, cold_status, cold_warnings = build(copy)
        executed = executions(copy)
        rebuilds = [build(copy) for _ in range(max(1, config.rebuild_repeats))]
        reexecuted = sorted(name for name, entry in executions(copy).items() if executed.get(name) != entry)
        pages = len(list((copy / "_build" / "html").rglob("*.html")))
    rebuild = median([r[0] for r in rebuilds])
    running = sum(seconds_ for _, seconds_ in executed.values())
    section.setup = (f"Configuration `{config.name}`: sources {', '.join(sources(config.book_root))} of "
                     f"{config.book_root} copied "
                     f"to a temporary folder; `jupyter-book build` (chapters executed, cached in "
                     f"_build/.jupyter_cache); {pages} HTML pages produced.")
    table = Table("jupyter-book build", ["build", "runs", "median", "range", "exit status", "Sphinx warnings"])
    table.add("cold (empty cache, no _build)", 1, seconds(cold), "-", cold_status, len(cold_warnings))
    table.add("rebuild, nothing changed", len(rebuilds), seconds(rebuild), spread([r[0] for r in rebuilds]),
              ", ".join(sorted({str(r[1]) for r in rebuilds})), ", ".join(sorted({str(len(r[2])) for r in rebuilds})))
    chapters = Table("Cold build: execution time of each chapter (jupyter-cache's record)", ["chapter", "seconds"])
    for name, (_, seconds_) in sorted(executed.items(), key=lambda item: -item[1][1]):
        chapters.add(name, seconds(seconds_))
    chapters.add("all chapters, their times summed", seconds(running))
    chapters.add(f"the cold build, chapters side by side ({os.cpu_count()} cores; book/_ext/parallel_execution.py)",
                 seconds(cold))
    section.tables += [table, chapters]
    section.notes.append("Chapters executed again by the rebuilds: " + (", ".join(reexecuted) or "none") + ".")
    if cold_warnings:
        first = "; ".join(f"`{line[:160]}`" for line in cold_warnings[:3])
        section.notes.append(f"The cold build's first warnings (of {len(cold_warnings)}): {first}")
    failed = " (the build failed: see its exit status)" if cold_status else ""
    slowest = max(executed.items(), key=lambda item: item[1][1], default=("none", (0, 0.0)))
    section.targets += [
        Target(f"cold build under {TARGET_COLD_S:g} s", cold < TARGET_COLD_S and not cold_status,
               f"{cold:.1f} s{failed}", f"executing the chapters takes {running:.1f} s (the slowest, "
               f"{slowest[0]}, {slowest[1][1]:.1f} s); the rest is Sphinx", config.judged),
        Target(f"rebuild with no change under {TARGET_REBUILD_S:g} s", rebuild < TARGET_REBUILD_S,
               f"{rebuild:.1f} s", "chapters executed again: " + (", ".join(reexecuted) or "none"), config.judged),
    ]
    section.data = {"cold_s": cold, "cold_status": cold_status, "rebuilds": rebuilds, "pages": pages,
                    "executed": executed, "reexecuted": reexecuted}
    return section.finish()
