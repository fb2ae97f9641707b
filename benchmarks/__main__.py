"""``python -m benchmarks``: run the course's benchmarks and write ``BENCHMARKS.md``.

Options:
    --only NAME          run one benchmark (training, linear, grading, book, memory; grading-parts
                         reruns only the breakdown of one submission that grading includes)
    --quick              a small configuration for a first look (targets not judged)
    --submissions N      submissions for the grading benchmark (default 100; 4 with --quick)
    --plain-submissions M  how many of them the plain nbgrader loop grades (default 20; 0: all)
    --device DEVICE      where the training benchmark trains (cpu, cuda)
    --threads N          torch threads in benchmark processes (default 1; 0: torch's default)
    --output PATH        where to write (default: BENCHMARKS.md at the repository root, which also
                         updates the README's figures; _build/benchmarks-quick.md with --quick)

Each section is printed as it finishes; a benchmark that fails is reported and the others run.
Exit status: 0 all ran, 1 some benchmark failed, 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import torch

from . import book, grading, grading_parts, linear, memory, training
from .config import QUICK, REAL, REPO_ROOT, BenchConfig
from .machine import describe, one_line
from .markdown_file import write
from .readme_block import update_readme
from .report import Section

BENCHMARKS: dict[str, tuple[ModuleType, ...]] = {
    "training": (training,), "linear": (linear,), "grading": (grading, grading_parts), "book": (book,),
    "memory": (memory,), "grading-parts": (grading_parts,),
}
DEFAULT_OUTPUT, QUICK_OUTPUT = REPO_ROOT / "BENCHMARKS.md", REPO_ROOT / "_build" / "benchmarks-quick.md"
"""Where a real run writes (and the README's figures come from), and where a --quick run writes."""
ALL = ("training", "linear", "grading", "book", "memory")
"""What a run without --only measures, in this order."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(BENCHMARKS), help="run only this benchmark")
    parser.add_argument("--quick", action="store_true", help="a small configuration (targets not judged)")
    parser.add_argument("--submissions", type=int, help="submissions to grade (default 100, 4 with --quick)")
    parser.add_argument("--plain-submissions", type=int,
                        help="of those, how many the plain nbgrader loop grades (default 20; 0: all)")
    parser.add_argument("--device", default="cpu", help="where the training benchmark trains (default cpu)")
    parser.add_argument("--threads", type=int, default=REAL.threads, help="torch threads (0: torch's default)")
    parser.add_argument("--output", type=Path,
                        help="the Markdown file (default: BENCHMARKS.md; _build/benchmarks-quick.md with --quick)")
    return parser


def configure(args: argparse.Namespace) -> BenchConfig:
    """The configuration the options ask for; raises ValueError for an impossible one."""
    config = replace(QUICK if args.quick else REAL, device=args.device, threads=args.threads)
    if args.submissions is not None:
        if args.submissions < 1:
            raise ValueError("--submissions must be at least 1")
        config = replace(config, submissions=args.submissions)
    if args.plain_submissions is not None:
        if args.plain_submissions < 0:
            raise ValueError("--plain-submissions must be 0 (all) or more")
        config = replace(config, plain_submissions=args.plain_submissions)
    if torch.device(args.device).type == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda: no CUDA device on this machine")
    return config


def _failed(module: ModuleType, error: BaseException) -> Section:
    """A section recording that a benchmark could not run."""
    name = module.__name__.rsplit(".", 1)[-1].replace("_", "-")
    section = Section(name, f"{name}: FAILED")
    section.notes.append(f"The benchmark raised {type(error).__name__}: {str(error).strip()[:1500]}")
    return section.finish()


def run_all(names: list[str], config: BenchConfig) -> tuple[list[Section], bool]:
    """Run the named benchmarks; (their sections, whether every one ran)."""
    sections, ok = [], True
    machine = one_line(config.threads)
    for name in names:
        for module in BENCHMARKS[name]:
            try:
                section = module.run(config)
            except Exception as error:  # noqa: BLE001 - one broken benchmark must not hide the others
                traceback.print_exc()
                section, ok = _failed(module, error), False
            section.machine = machine
            print(section.markdown(), flush=True)
            sections.append(section)
    return sections, ok


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = configure(args)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if config.threads > 0:
        torch.set_num_threads(config.threads)
    names = [args.only] if args.only else list(ALL)
    machine = describe(config.threads)
    print(machine.markdown() + "\n", flush=True)
    sections, ok = run_all(names, config)
    output = args.output or (QUICK_OUTPUT if args.quick else DEFAULT_OUTPUT)
    output.parent.mkdir(parents=True, exist_ok=True)
    write(output, sections, machine)
    print(f"written: {output}")
    if output.resolve() == DEFAULT_OUTPUT.resolve() and update_readme(REPO_ROOT / "README.md", DEFAULT_OUTPUT):
        print("README.md: benchmark figures updated")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
