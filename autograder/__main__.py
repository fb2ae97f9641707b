"""Command line of the instructor package: ``python -m autograder COMMAND``.

Commands:
    release [ASSIGNMENT ...]   regenerate exercises/ from solutions/ with nbgrader, and the README's
                               table of assignments
"""

from __future__ import annotations

import argparse
import sys


def _release(args: argparse.Namespace) -> int:
    from autograder.catalog import update_readme
    from autograder.release import release

    for name in release(args.assignments):
        print(f"exercises/{name}: generated from solutions/{name}")
    if update_readme():
        print("README.md: table of assignments updated")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    release = commands.add_parser("release", help="regenerate exercises/ from solutions/ with nbgrader")
    release.add_argument("assignments", nargs="*", help="assignment names (default: all in solutions/)")
    release.set_defaults(run=_release)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
