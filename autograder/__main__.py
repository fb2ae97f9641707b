"""Command line of the instructor package: ``python -m autograder COMMAND``.

Commands:
    init DIR                   create (or complete) an instructor's course folder: nbgrader_config.py,
                               solutions/, exercises/, the gradebook (due dates, roster), .gitignore
    release [ASSIGNMENT ...]   regenerate exercises/ from solutions/ with nbgrader, the students'
                               public cases, the README's table of assignments and the checks'
                               contract table
    grade ASSIGNMENT           grade every submission of a class, sandboxed and in parallel
    import ASSIGNMENT SOURCE   put an LMS download (zip or folder) into nbgrader's submitted/ layout
    export ASSIGNMENT          write the grades for the LMS (--format canvas, moodle or csv)

Exit status: 0 success; 1 some submissions could not be graded or imported (listed with
reasons); 2 usage error; 3 grade's preflight found the environment broken (no student graded).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.grading.limits import default_limits_text


def _release(args: argparse.Namespace) -> int:
    from autograder.catalog import update_readme
    from autograder.checks.public import update as update_public_cases
    from autograder.checks.table import update as update_contracts
    from autograder.release import release

    for name in release(args.assignments):
        print(f"exercises/{name}: generated from solutions/{name}")
        if update_public_cases(name):
            print(f"studentkit public cases of {name}: updated")
    if update_readme():
        print("README.md: table of assignments and retraining paragraph updated")
    if update_contracts():
        print("autograder/checks/README.md: contract table updated")
    return 0


def _init(args: argparse.Namespace) -> int:
    from autograder.course_setup import init_course, parse_due, read_roster

    due = parse_due(args.due or [])
    roster = read_roster(args.roster) if args.roster else None
    for line in init_course(args.directory.resolve(), args.assignment, due, roster):
        print(line)
    print(f"course ready in {args.directory.resolve()}: import submissions with "
          f"`python -m autograder import ASSIGNMENT ZIP --course-dir {args.directory}`")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from autograder.grading.usage import check_course, check_students
    from autograder.sandbox.policy import parse_size

    check_course(args.course_dir.resolve(), args.assignment)
    check_students(args.course_dir.resolve(), args.assignment, args.student or [])
    memory = parse_size(args.memory)
    from autograder.grading.batch import GradeOptions, grade

    options = GradeOptions(
        assignment=args.assignment, course_dir=args.course_dir, jobs=args.jobs, students=args.student or [],
        force=args.force, timeout=args.timeout, cell_timeout=args.cell_timeout, memory=memory,
        sandbox=not args.no_sandbox, dask_scheduler=args.dask_scheduler, feedback=not args.no_feedback,
        preflight=not args.no_preflight,
    )
    return grade(options)


def _import(args: argparse.Namespace) -> int:
    from autograder.grading.usage import check_course

    check_course(args.course_dir.resolve(), args.assignment)
    if not args.source.exists():
        raise ValueError(f"{args.source}: no such file or folder (an LMS .zip download or a folder)")
    from autograder.grading.course import Course
    from autograder.grading.importer import import_submissions

    course = Course(args.course_dir)
    notebooks = args.notebook or course.notebook_names(args.assignment)
    report = import_submissions(args.source, args.assignment, course.root, notebooks,
                                dry_run=args.dry_run, overwrite=args.overwrite, student_id=args.student_id)
    if (report.imported or report.errors) and not args.dry_run:
        from autograder.grading.lms import record_import

        print(f"LMS ids and upload times recorded in {record_import(course.root, args.assignment, report)}")
    verb = "would import" if args.dry_run else "imported"
    for item in report.imported:
        print(f"{verb} {item.source_name} -> {item.destination}")
    for item in report.rejected:
        if item.superseded:
            print(f"skipped {item.source_name}: {item.reason}")
        else:
            print(f"rejected {item.source_name}: {item.reason}", file=sys.stderr)
    return 1 if report.errors else 0


def _export(args: argparse.Namespace) -> int:
    from autograder.grading.usage import check_course

    check_course(args.course_dir.resolve(), args.assignment)
    from autograder.grading.export import export

    path, left_out = export(args.course_dir.resolve(), args.assignment, args.format, args.output, args.title,
                            args.lms_assignment_id)
    print(f"wrote {path}")
    for student in left_out:
        print(f"not exported: {student}: no LMS id (not imported from this LMS)", file=sys.stderr)
    return 0


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
    grade.add_argument("--jobs", "-j", type=_positive_int, default=1, help="submissions graded at once here (one more while cores sit idle, up to twice N)")
    grade.add_argument("--student", action="append", metavar="ID", help="grade only this student (repeatable)")
    grade.add_argument("--force", action="store_true",
                       help="grade again submissions already graded (replaces scores set by hand in formgrader)")
    grade.add_argument("--timeout", type=float, default=None,
                       help=f"wall-clock seconds per submission (default: {default_limits_text()})")
    grade.add_argument("--cell-timeout", type=_positive_int, default=None,
                       help=f"seconds per cell and per hidden check (default: {default_limits_text()})")
    grade.add_argument("--no-preflight", action="store_true",
                       help="skip grading the solution first (it checks the environment and sets the time limits)")
    grade.add_argument("--memory", default="4G", help="memory per sandboxed process (4G)")
    grade.add_argument("--dask-scheduler", metavar="ADDRESS", help="grade on this Dask cluster instead")
    grade.add_argument("--no-sandbox", action="store_true", help="grade without bubblewrap (unsafe; warns)")
    grade.add_argument("--no-feedback", action="store_true", help="skip the HTML feedback")
    grade.set_defaults(run=_grade)


def _add_init(commands: argparse._SubParsersAction) -> None:
    init = commands.add_parser("init", help="create an instructor's course folder",
                               description="Create (or complete) a course folder outside this repository: "
                               "nbgrader_config.py, solutions/ and exercises/ of every assignment, the "
                               "gradebook with due dates and students, a .gitignore. Safe to run again.")
    init.add_argument("directory", type=Path, help="the course folder (created if missing)")
    init.add_argument("--assignment", action="append", help="only this assignment (repeatable; default: all)")
    init.add_argument("--due", action="append", metavar="NAME=WHEN", help="due date, e.g. softmax=2027-03-15T23:59")
    init.add_argument("--roster", type=Path, help="CSV of students: id[, first_name, last_name, email]")
    init.set_defaults(run=_init)


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


def _add_export(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser("export", help="write the grades of an assignment for the LMS",
                                 description="Write the gradebook's scores of ASSIGNMENT (manual overrides "
                                 "included) as a Canvas gradebook import, a Moodle grading worksheet or a plain "
                                 "CSV, matching students through the ids the import recorded.")
    export.add_argument("assignment")
    export.add_argument("--format", choices=["canvas", "moodle", "csv"], default="csv")
    export.add_argument("--course-dir", type=Path, default=Path("."), help="nbgrader course folder (default: .)")
    export.add_argument("--output", type=Path, help="the file to write (default: exports/ASSIGNMENT-FORMAT.csv)")
    export.add_argument("--title", help="Canvas: the assignment column's title (default: ASSIGNMENT)")
    export.add_argument("--lms-assignment-id", help="Canvas: the assignment's id, so the import updates it")
    export.set_defaults(run=_export)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.splitlines()[0],
                                     epilog="Exit status: 0 success, 1 some submissions failed, 2 usage error.")
    commands = parser.add_subparsers(dest="command", required=True)
    release = commands.add_parser("release", help="regenerate exercises/ from solutions/ with nbgrader")
    release.add_argument("assignments", nargs="*", help="assignment names (default: all in solutions/)")
    release.set_defaults(run=_release)
    _add_init(commands)
    _add_grade(commands)
    _add_import(commands)
    _add_export(commands)
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
