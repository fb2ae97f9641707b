"""Command line of the instructor package: ``python -m autograder COMMAND``.

Commands:
    release [ASSIGNMENT ...]   regenerate exercises/ from solutions/ with nbgrader, and the README's
                               table of assignments
    grade ASSIGNMENT           grade every submission of a class, sandboxed and in parallel
    import ASSIGNMENT SOURCE   put an LMS download (zip or folder) into nbgrader's submitted/ layout

Exit status: 0 success; 1 some submissions could not be graded or imported (listed with
reasons); 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _release(args: argparse.Namespace) -> int:
    from autograder.catalog import update_readme
    from autograder.release import release

    for name in release(args.assignments):
        print(f"exercises/{name}: generated from solutions/{name}")
    if update_readme():
        print("README.md: table of assignments updated")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from autograder.grading.batch import GradeOptions, grade
    from autograder.sandbox.policy import parse_size

    options = GradeOptions(
        assignment=args.assignment, course_dir=args.course_dir, jobs=args.jobs, students=args.student or [],
        force=args.force, timeout=args.timeout, cell_timeout=args.cell_timeout, memory=parse_size(args.memory),
        sandbox=not args.no_sandbox, dask_scheduler=args.dask_scheduler, feedback=not args.no_feedback,
    )
    return grade(options)


def _import(args: argparse.Namespace) -> int:
    from autograder.grading.course import Course
    from autograder.grading.importer import import_submissions

    course = Course(args.course_dir)
    notebooks = args.notebook or course.notebook_names(args.assignment)
    report = import_submissions(args.source, args.assignment, course.root, notebooks,
                                dry_run=args.dry_run, overwrite=args.overwrite, student_id=args.student_id)
    verb = "would import" if args.dry_run else "imported"
    for item in report.imported:
        print(f"{verb} {item.source_name} -> {item.destination}")
    for item in report.rejected:
        print(f"rejected {item.source_name}: {item.reason}", file=sys.stderr)
    return 1 if report.rejected else 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _add_grade(commands: argparse._SubParsersAction) -> None:
    grade = commands.add_parser("grade", help="grade every submission of an assignment",
                                description="Grade submitted/<student>/<ASSIGNMENT>/ with nbgrader, each "
                                "submission in a bubblewrap sandbox; write the gradebook, autograded/, "
                                "feedback/ and reports/<ASSIGNMENT>/ (grades.csv, questions.csv, summary).")
    grade.add_argument("assignment")
    grade.add_argument("--course-dir", type=Path, default=Path("."), help="nbgrader course folder (default: .)")
    grade.add_argument("--jobs", "-j", type=_positive_int, default=1, help="submissions graded at once here")
    grade.add_argument("--student", action="append", metavar="ID", help="grade only this student (repeatable)")
    grade.add_argument("--force", action="store_true", help="grade again submissions already graded")
    grade.add_argument("--timeout", type=float, default=900.0, help="wall-clock seconds per submission (900)")
    grade.add_argument("--cell-timeout", type=_positive_int, default=300, help="seconds per cell (300)")
    grade.add_argument("--memory", default="4G", help="memory per sandboxed process (4G)")
    grade.add_argument("--dask-scheduler", metavar="ADDRESS", help="grade on this Dask cluster instead")
    grade.add_argument("--no-sandbox", action="store_true", help="grade without bubblewrap (unsafe; warns)")
    grade.add_argument("--no-feedback", action="store_true", help="skip the HTML feedback")
    grade.set_defaults(run=_grade)


def _add_import(commands: argparse._SubParsersAction) -> None:
    imp = commands.add_parser("import", help="import an LMS download into submitted/",
                              description="Copy notebooks from an LMS zip or folder into "
                              "submitted/<student>/<ASSIGNMENT>/ (naming rules: see the README).")
    imp.add_argument("assignment")
    imp.add_argument("source", type=Path, help="a .zip file or a folder")
    imp.add_argument("--course-dir", type=Path, default=Path("."), help="nbgrader course folder (default: .)")
    imp.add_argument("--notebook", action="append", help="expected notebook name (default: from the gradebook)")
    imp.add_argument("--student-id", choices=["name", "userid"], default="name",
                     help="student ids from the LMS login name / name slug (default) or its user number")
    imp.add_argument("--dry-run", action="store_true", help="report what would be imported; write nothing")
    imp.add_argument("--overwrite", action="store_true", help="replace submissions already there")
    imp.set_defaults(run=_import)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.splitlines()[0],
                                     epilog="Exit status: 0 success, 1 some submissions failed, 2 usage error.")
    commands = parser.add_subparsers(dest="command", required=True)
    release = commands.add_parser("release", help="regenerate exercises/ from solutions/ with nbgrader")
    release.add_argument("assignments", nargs="*", help="assignment names (default: all in solutions/)")
    release.set_defaults(run=_release)
    _add_grade(commands)
    _add_import(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (RuntimeError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2 if isinstance(error, ValueError) else 1


if __name__ == "__main__":
    sys.exit(main())
