"""The importer turns Canvas, Moodle and generic downloads into nbgrader's submitted/ layout."""

from __future__ import annotations

import os
import struct
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from autograder.grading.importer import ImportFailed, ImportReport, Rejected, import_submissions
from support.zips import MARCH_1, MARCH_2, make_zip

NB = ["softmax.ipynb"]


def content(tag: str) -> bytes:
    """Distinct bytes per file, deliberately not JSON: the importer must not parse notebooks."""
    return f'{{"cells": [], "who": "{tag}"}}\n'.encode() + b"\x00\xff"


def run(source: Path, course: Path, notebooks: list[str] = NB, **options) -> ImportReport:
    return import_submissions(source, "softmax", course, notebooks, **options)


def imported(report: ImportReport, course: Path) -> dict[str, str]:
    return {item.source_name: item.destination.relative_to(course).as_posix() for item in report.imported}


def reasons(report: ImportReport) -> dict[str, str]:
    return {item.source_name: item.reason for item in report.rejected}


def written(course: Path) -> set[str]:
    return {path.relative_to(course).as_posix() for path in course.rglob("*") if path.is_file()}


def test_canvas_names_late_files_and_reupload_suffix(tmp_path: Path) -> None:
    source = make_zip(tmp_path / "submissions.zip", [
        ("smithalice_101_5001_softmax.ipynb", content("alice")),
        ("jonesbob_LATE_102_5002_softmax-1.ipynb", content("bob"), MARCH_2),
    ])
    course = tmp_path / "course"
    report = run(source, course)
    assert imported(report, course) == {
        "smithalice_101_5001_softmax.ipynb": "submitted/smithalice/softmax/softmax.ipynb",
        "jonesbob_LATE_102_5002_softmax-1.ipynb": "submitted/jonesbob/softmax/softmax.ipynb",
    }
    assert report.rejected == []
    assert [item.late for item in report.imported] == [True, False]  # sorted by destination: jonesbob first
    assert (course / "submitted/smithalice/softmax/softmax.ipynb").read_bytes() == content("alice")
    assert (course / "submitted/jonesbob/softmax/softmax.ipynb").read_bytes() == content("bob")
    assert (course / "submitted/smithalice/softmax/timestamp.txt").read_text() == "2024-03-01 09:30:00.000000 UTC"
    assert (course / "submitted/jonesbob/softmax/timestamp.txt").read_text() == "2024-03-02 18:00:04.000000 UTC"


def test_canvas_user_id_as_student_id(tmp_path: Path) -> None:
    source = make_zip(tmp_path / "s.zip", [("smithalice_101_5001_softmax.ipynb", content("alice"))])
    report = run(source, tmp_path / "c", student_id="userid")
    assert imported(report, tmp_path / "c") == {
        "smithalice_101_5001_softmax.ipynb": "submitted/101/softmax/softmax.ipynb"}


def test_canvas_duplicates_keep_the_highest_submission_id(tmp_path: Path) -> None:
    source = make_zip(tmp_path / "s.zip", [
        ("alice_1_12_softmax-1.ipynb", content("new"), MARCH_1),
        ("alice_1_10_softmax.ipynb", content("old"), MARCH_2),  # a later date must not win over the id
    ])
    course = tmp_path / "c"
    report = run(source, course)
    assert imported(report, course) == {"alice_1_12_softmax-1.ipynb": "submitted/alice/softmax/softmax.ipynb"}
    assert reasons(report) == {"alice_1_10_softmax.ipynb": "duplicate submission for alice: "
                               "kept the newest (by Canvas submission id), alice_1_12_softmax-1.ipynb"}
    assert (course / "submitted/alice/softmax/softmax.ipynb").read_bytes() == content("new")


def test_generic_duplicates_keep_the_newest_zip_entry(tmp_path: Path) -> None:
    source = make_zip(tmp_path / "s.zip", [
        ("alice__softmax.ipynb", content("new"), MARCH_2),
        ("alice/softmax (1).ipynb", content("old"), MARCH_1),
    ])
    course = tmp_path / "c"
    report = run(source, course)
    assert imported(report, course) == {"alice__softmax.ipynb": "submitted/alice/softmax/softmax.ipynb"}
    assert reasons(report) == {"alice/softmax (1).ipynb": "duplicate submission for alice: "
                               "kept the newest (by zip entry date), alice__softmax.ipynb"}


def test_moodle_folders_and_flat_files_give_ascii_slugs(tmp_path: Path) -> None:
    zoe = "Zoë  Ångström_4242_assignsubmission_file_/softmax.ipynb"
    wang = "王小明_9_assignsubmission_file_/softmax.ipynb"
    source = make_zip(tmp_path / "moodle.zip", [
        (zoe, content("zoe")),
        ("Jürgen Groß_77_assignsubmission_file_softmax.ipynb", content("jurgen")),
        (wang, content("wang")),
        ("Ann Lee_5_assignsubmission_onlinetext_/onlinetext.html", b"<p>hi</p>"),
    ])
    course = tmp_path / "c"
    report = run(source, course)
    assert imported(report, course) == {
        zoe: "submitted/zoe-angstrom/softmax/softmax.ipynb",
        "Jürgen Groß_77_assignsubmission_file_softmax.ipynb": "submitted/jurgen-gross/softmax/softmax.ipynb",
    }
    assert reasons(report) == {
        wang: "student id '' (from '王小明') is not a safe folder name",
        "Ann Lee_5_assignsubmission_onlinetext_/onlinetext.html": "not a notebook: onlinetext.html",
    }
    by_id = run(source, tmp_path / "ids", student_id="userid")
    assert sorted(imported(by_id, tmp_path / "ids").values()) == [
        "submitted/4242/softmax/softmax.ipynb", "submitted/77/softmax/softmax.ipynb",
        "submitted/9/softmax/softmax.ipynb"]


def test_two_students_with_the_same_name_are_not_merged(tmp_path: Path) -> None:
    source = make_zip(tmp_path / "moodle.zip", [
        ("Ann Lee_11_assignsubmission_file_/softmax.ipynb", content("first")),
        ("Ann Lee_12_assignsubmission_file_/softmax.ipynb", content("second")),
    ])
    report = run(source, tmp_path / "c")
    assert report.imported == []
    reason = "student id 'ann-lee' is shared by user ids 11, 12: import with student_id=\"userid\""
    assert set(reasons(report).values()) == {reason} and len(report.rejected) == 2


def test_zip_names_written_in_utf8_without_the_utf8_flag(tmp_path: Path) -> None:
    """macOS's archiver writes UTF-8 names without setting the flag; zipfile reads them as cp437."""
    name = "Zoë Ång_3_assignsubmission_file_softmax.ipynb"
    path = make_zip(tmp_path / "mac.zip", [(name, content("zoe"))])
    data = bytearray(path.read_bytes())
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature) + flag_offset
        data[at:at + 2] = struct.pack("<H", struct.unpack("<H", data[at:at + 2])[0] & ~0x800)
    path.write_bytes(data)
    report = run(path, tmp_path / "c")
    assert imported(report, tmp_path / "c") == {name: "submitted/zoe-ang/softmax/softmax.ipynb"}


def test_generic_folder_layouts(tmp_path: Path) -> None:
    source = tmp_path / "download"
    files = {
        "alice/softmax.ipynb": content("alice"), "bob/softmax/softmax.ipynb": content("bob"),
        "carol__softmax.ipynb": content("carol"), "dave/other/softmax.ipynb": content("dave"),
        "erin/sofmax.ipynb": content("erin"), "-rf/softmax.ipynb": content("dash"),
        "notes.txt": b"hello", "random.ipynb": content("random"),
        "alice/.ipynb_checkpoints/softmax-checkpoint.ipynb": content("checkpoint"), ".DS_Store": b"\x00",
    }
    for name, data in files.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_bytes(data)
    course = tmp_path / "c"
    report = run(source, course)
    assert imported(report, course) == {
        "alice/softmax.ipynb": "submitted/alice/softmax/softmax.ipynb",
        "bob/softmax/softmax.ipynb": "submitted/bob/softmax/softmax.ipynb",
        "carol__softmax.ipynb": "submitted/carol/softmax/softmax.ipynb",
    }
    assert reasons(report) == {
        "dave/other/softmax.ipynb": "unrecognised file name: dave/other/softmax.ipynb (generic naming)",
        "erin/sofmax.ipynb": "notebook name 'sofmax.ipynb' is not one of softmax.ipynb",
        "-rf/softmax.ipynb": "student id '-rf' (from '-rf') is not a safe folder name",
        "notes.txt": "not a notebook: notes.txt",
        "random.ipynb": "unrecognised file name: random.ipynb (generic naming)",
    }
    assert all(item.timestamp is None for item in report.imported)
    assert written(course) == {f"submitted/{who}/softmax/softmax.ipynb" for who in ("alice", "bob", "carol")}


def test_folder_duplicates_and_links(tmp_path: Path) -> None:
    source = tmp_path / "download"
    (source / "alice").mkdir(parents=True)
    (source / "alice/softmax.ipynb").write_bytes(content("old"))
    (source / "alice__softmax.ipynb").write_bytes(content("new"))
    os.utime(source / "alice/softmax.ipynb", (1_700_000_000, 1_700_000_000))
    os.utime(source / "alice__softmax.ipynb", (1_700_000_100, 1_700_000_100))
    secret = tmp_path / "secret.ipynb"
    secret.write_bytes(b"secret")
    (source / "mallory").mkdir()
    (source / "mallory/softmax.ipynb").symlink_to(secret)
    course = tmp_path / "c"
    report = run(source, course)
    assert imported(report, course) == {"alice__softmax.ipynb": "submitted/alice/softmax/softmax.ipynb"}
    assert reasons(report) == {
        "alice/softmax.ipynb": "duplicate submission for alice: kept the newest (by file modification time), "
                               "alice__softmax.ipynb",
        "mallory/softmax.ipynb": "not a regular file (symbolic link)",
    }


def test_zip_slip_macosx_and_dot_files(tmp_path: Path) -> None:
    unsafe = ["../evil/softmax.ipynb", "/abs/softmax.ipynb", "alice/../../x/softmax.ipynb",
              "..\\..\\evil__softmax.ipynb", "C:/x/softmax.ipynb"]
    source = make_zip(tmp_path / "s.zip", [(name, content("evil")) for name in unsafe] + [
        ("__MACOSX/alice/._softmax.ipynb", b"resource fork"),
        ("alice/.hidden.ipynb", content("hidden")),
        ("alice/", b""),
        ("alice/softmax.ipynb", content("alice")),
    ])
    course = tmp_path / "work" / "course"
    report = run(source, course)
    assert imported(report, course) == {"alice/softmax.ipynb": "submitted/alice/softmax/softmax.ipynb"}
    assert reasons(report) == {name.replace("\\", "/"): "unsafe path in zip" for name in unsafe}
    assert written(tmp_path) == {"s.zip", "work/course/submitted/alice/softmax/softmax.ipynb",
                                 "work/course/submitted/alice/softmax/timestamp.txt"}


def test_size_cap_entry_cap_and_corrupt_sources(tmp_path: Path) -> None:
    source = make_zip(tmp_path / "s.zip", [("alice/softmax.ipynb", b"a" * 100), ("bob/softmax.ipynb", b"b" * 101)])
    report = run(source, tmp_path / "c", max_file_bytes=100)
    assert imported(report, tmp_path / "c") == {"alice/softmax.ipynb": "submitted/alice/softmax/softmax.ipynb"}
    assert reasons(report) == {"bob/softmax.ipynb": "file too large: 101 bytes (limit 100 bytes)"}
    with pytest.raises(ImportFailed, match="more than the limit of 1"):
        run(source, tmp_path / "c2", max_entries=1)
    not_a_zip = tmp_path / "broken.zip"
    not_a_zip.write_bytes(b"PK nonsense")
    with pytest.raises(ImportFailed, match="neither a folder nor a readable zip"):
        run(not_a_zip, tmp_path / "c3")


def test_entry_with_a_bad_checksum_is_rejected_and_leaves_nothing(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "s.zip", [("alice/softmax.ipynb", b"GENUINE-CONTENT")])
    path.write_bytes(path.read_bytes().replace(b"GENUINE-CONTENT", b"TAMPERED-CONTNT"))
    course = tmp_path / "c"
    report = run(path, course)
    assert report.imported == []
    assert reasons(report)["alice/softmax.ipynb"].startswith("unreadable: Bad CRC-32")
    assert written(course) == set()


def test_timestamp_from_the_extended_timestamp_field(tmp_path: Path) -> None:
    info = zipfile.ZipInfo("alice/softmax.ipynb", (2000, 1, 1, 0, 0, 0))
    info.extra = struct.pack("<HHBi", 0x5455, 5, 1, 1_709_300_000)
    with zipfile.ZipFile(tmp_path / "s.zip", "w") as archive:
        archive.writestr(info, content("alice"))
    report = run(tmp_path / "s.zip", tmp_path / "c")
    expected = datetime.fromtimestamp(1_709_300_000, UTC)
    assert report.imported[0].timestamp == expected
    stamp = (tmp_path / "c/submitted/alice/softmax/timestamp.txt").read_text()
    assert stamp == expected.strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def test_timestamp_is_the_newest_of_the_students_notebooks(tmp_path: Path) -> None:
    notebooks = ["softmax.ipynb", "extra.ipynb"]
    source = make_zip(tmp_path / "s.zip", [("alice/softmax.ipynb", content("a"), MARCH_2),
                                           ("alice/extra.ipynb", content("b"), MARCH_1)])
    course = tmp_path / "c"
    run(source, course, notebooks)
    assert (course / "submitted/alice/softmax/timestamp.txt").read_text() == "2024-03-02 18:00:04.000000 UTC"
    later = make_zip(tmp_path / "later.zip", [("alice/extra.ipynb", content("b2"), MARCH_1)])
    run(later, course, notebooks, overwrite=True)  # an older file must not move the timestamp back
    assert (course / "submitted/alice/softmax/timestamp.txt").read_text() == "2024-03-02 18:00:04.000000 UTC"
    assert (course / "submitted/alice/softmax/extra.ipynb").read_bytes() == content("b2")


def test_dry_run_writes_nothing_and_reports_the_same(tmp_path: Path) -> None:
    source = make_zip(tmp_path / "s.zip", [("alice_1_2_softmax.ipynb", content("a")),
                                           ("bob/sofmax.ipynb", content("b")), ("../x.ipynb", b"x")])
    course = tmp_path / "c"
    dry = run(source, course, dry_run=True)
    assert not course.exists()
    real = run(source, course)
    assert dry == real
    assert [item.destination for item in dry.imported] == [course / "submitted/alice/softmax/softmax.ipynb"]


def test_existing_submissions_are_kept_unless_overwrite(tmp_path: Path) -> None:
    course = tmp_path / "c"
    run(make_zip(tmp_path / "one.zip", [("alice/softmax.ipynb", content("first"), MARCH_1)]), course)
    second = make_zip(tmp_path / "two.zip", [("alice/softmax.ipynb", content("second"), MARCH_2)])
    kept = run(second, course)
    assert kept.imported == []
    assert kept.rejected == [Rejected("alice/softmax.ipynb",
                                      "already exists: submitted/alice/softmax/softmax.ipynb (not overwritten)")]
    notebook = course / "submitted/alice/softmax/softmax.ipynb"
    assert notebook.read_bytes() == content("first")
    replaced = run(second, course, overwrite=True)
    assert imported(replaced, course) == {"alice/softmax.ipynb": "submitted/alice/softmax/softmax.ipynb"}
    assert notebook.read_bytes() == content("second")
    assert (notebook.parent / "timestamp.txt").read_text() == "2024-03-02 18:00:04.000000 UTC"
    assert written(course) == {"submitted/alice/softmax/softmax.ipynb", "submitted/alice/softmax/timestamp.txt"}


@pytest.mark.parametrize(("assignment", "notebooks", "message"), [
    ("../up", NB, "not a safe folder name"),
    ("softmax", ["sub/softmax.ipynb"], "plain"),
    ("softmax", [], "plain"),
])
def test_bad_arguments_are_refused(tmp_path: Path, assignment: str, notebooks: list[str], message: str) -> None:
    source = make_zip(tmp_path / "s.zip", [("alice/softmax.ipynb", content("a"))])
    with pytest.raises(ImportFailed, match=message):
        import_submissions(source, assignment, tmp_path / "c", notebooks)
    with pytest.raises(ImportFailed, match="no such file"):
        import_submissions(tmp_path / "missing.zip", "softmax", tmp_path / "c", NB)


def test_a_file_lands_under_the_id_the_lms_gave_its_uploader_or_nowhere(tmp_path: Path) -> None:
    """Names a student chose (the file's own name, a folder inside their submission) never pick the
    id: only the fields the LMS wrote do, and a download is read with one LMS's rules throughout."""
    moodle = make_zip(tmp_path / "moodle.zip", [
        ("Ann Lee_11_assignsubmission_file_/softmax.ipynb", content("ann")),
        ("Ann Lee_11_assignsubmission_file_Bob Ray_12_assignsubmission_file_softmax.ipynb", content("greedy")),
        ("Cy Dee_13_assignsubmission_file_/Bob Ray_12_assignsubmission_file_/softmax.ipynb", content("nested")),
        ("Bob Ray_12_assignsubmission_file_/softmax.ipynb", content("bob")),
    ])
    report = run(moodle, tmp_path / "m", student_id="userid")
    assert imported(report, tmp_path / "m") == {
        "Ann Lee_11_assignsubmission_file_/softmax.ipynb": "submitted/11/softmax/softmax.ipynb",
        "Bob Ray_12_assignsubmission_file_/softmax.ipynb": "submitted/12/softmax/softmax.ipynb",
    }
    assert (tmp_path / "m/submitted/12/softmax/softmax.ipynb").read_bytes() == content("bob")
    assert set(reasons(report)) == {
        "Ann Lee_11_assignsubmission_file_Bob Ray_12_assignsubmission_file_softmax.ipynb",
        "Cy Dee_13_assignsubmission_file_/Bob Ray_12_assignsubmission_file_/softmax.ipynb",
    }
    canvas = make_zip(tmp_path / "canvas.zip", [
        ("leeann_11_501_softmax.ipynb", content("ann")),
        ("rayb_12_502_x_99_assignsubmission_file_softmax.ipynb", content("moodle-shaped")),
        ("rayb_12_503_cy__softmax.ipynb", content("generic-shaped")),
    ])
    report = run(canvas, tmp_path / "c", student_id="userid")
    assert imported(report, tmp_path / "c") == {"leeann_11_501_softmax.ipynb": "submitted/11/softmax/softmax.ipynb"}
    assert written(tmp_path / "c") == {"submitted/11/softmax/softmax.ipynb", "submitted/11/softmax/timestamp.txt"}


def test_ids_that_differ_only_by_case_or_unicode_form_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "c" / "submitted" / "Carol").mkdir(parents=True)
    source = make_zip(tmp_path / "names.zip", [
        ("alice/softmax.ipynb", content("alice")),
        ("Alice/softmax.ipynb", content("Alice")),
        ("carol/softmax.ipynb", content("carol")),
        ("bob/softmax.ipynb", content("bob")),
        ("b\u202eob/softmax.ipynb", content("bidi")),
    ])
    report = run(source, tmp_path / "c")
    assert imported(report, tmp_path / "c") == {"bob/softmax.ipynb": "submitted/bob/softmax/softmax.ipynb"}
    why = reasons(report)
    assert "only by case" in why["alice/softmax.ipynb"] and "'Alice'" in why["alice/softmax.ipynb"]
    assert "only by case" in why["Alice/softmax.ipynb"] and "'Carol'" in why["carol/softmax.ipynb"]
    assert "not a safe folder name" in why["b\u202eob/softmax.ipynb"]
