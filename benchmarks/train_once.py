"""``python -m benchmarks.train_once``: one training run in a process of its own, for :mod:`.memory`.

Prints one JSON line: ``{"setup_s": ..., "total_s": ..., "accuracy": ...}``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import asdict, replace
from pathlib import Path

import torch

from .config import REAL
from .pipelines import run_course, run_seed, torchvision_root


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.train_once", description=__doc__.splitlines()[0])
    parser.add_argument("--pipeline", choices=["course", "seed"], required=True)
    parser.add_argument("--workers", type=int, default=0, help="the seed DataLoader's num_workers")
    parser.add_argument("--epochs", type=int, default=REAL.epochs)
    parser.add_argument("--subset", type=int, default=0, help="train and test on this many examples only")
    parser.add_argument("--threads", type=int, default=REAL.threads, help="torch threads (0: torch's default)")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    config = replace(REAL, epochs=args.epochs, train_subset=args.subset, device=args.device)
    if args.pipeline == "course":
        result = run_course(config)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-torchvision-") as folder:
            result = run_seed(config, torchvision_root(Path(folder)), args.workers)
    print(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
