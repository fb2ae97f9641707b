"""The grader's trust boundary and the integrity of its verdicts, proven on one graded class.

One class of ``softmax`` submissions is graded once with ``--jobs 2`` (a small memory limit, short
time limits, a secret in the grader's environment, a root-only canary file beside the course).

*Trust boundary* (nothing a submission leaves behind, sends or names harms anyone but itself):
besides an honest student and a control whose softmax overflows (the seed's), each attack
student runs an attack of one class in its answer cell and then defines that same softmax,
so its honest twin is the control. For every class the test asserts: the attacker earns no more
than its twin, the honest student's row equals a clean run's, no file outside the attackers'
working copies changes (content and mode of the course's inputs, the repository and the canary),
the grader's and every kernel's peak memory stay bounded, no process or control group of the run
survives, and the run ends with its reports.

*Verdict integrity* (a score is earned by the student's functions, not by what its kernel claims):
each bypass student calls the library softmax while hiding it (another thread, an alias,
``DisableTorchFunction``, ``torch.ops.aten``, a patched probe, a forged conversation with the
judge); its honest twin calls the library softmax plainly. Cell by cell, no bypass earns more.
The end-to-end forgery of the ``training`` assignment is in ``test_hostile_class.py``.

*Safe to open* (what the grader writes carries no live student content): students whose outputs,
markdown and errors hold scripts, event handlers, ``javascript:`` links, frames, SVG, JavaScript
and widget outputs and loads from the network; students whose folder or file names hold escape
sequences, formula characters, commas, quotes and newlines. Their feedback pages are opened in
the real browser (offline; a loopback server counts any fetch); the CSVs are parsed; the
terminal output is searched for escape sequences.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest

from autograder.release import REPO_ROOT
from autograder.grading.inert import printable, spreadsheet_cell
from autograder.sandbox import cgroup
from support.nbgrader_course import ScratchCourse
from support.processes import sandboxed_processes

ASSIGNMENT = NOTEBOOK = "softmax"
ANSWER = "softmax-solution"
MEMORY_MB = 1024
LIMITS = ["--cell-timeout", "10", "--timeout", "90", "--memory", f"{MEMORY_MB}M", "--jobs", "2"]
SECRET_NAME, SECRET = "INSTRUCTOR_API_TOKEN", "tok-3c1f-do-not-leak"
CORRECT = ("def softmax(logits, dim=-1):\n    e = torch.exp(logits - logits.amax(dim=dim, keepdim=True))\n"
           "    return e / e.sum(dim=dim, keepdim=True)\n")
WRONG = ("def softmax(logits, dim=-1):\n    e = torch.exp(logits)\n"
         "    return e / e.sum(dim=dim, keepdim=True)\n")
"""The seed's softmax: right on ordinary logits, nan once exp overflows (it loses the stability points)."""
CONTROL = "control"


@dataclass(frozen=True)
class Attack:
    student: str
    kind: str
    code: str


# Each attack runs in the notebook's kernel and again in the check process; {names} are filled in
# with real paths of this course, the repository and the canary. Attacks on the judge's channel
# act only in the check process (CHECKING), where that channel is: in the kernel the same writes
# would only break the kernel's own connection to nbgrader, at the cost of time limits.
CHECKING = "import os\nCHECKING = 'AUTOGRADER_DEFERRED_CHECKS' not in os.environ\n"
ATTACKS = [
    Attack("links", "follows what the sandbox wrote",
           "import os\nfor target in [{victim!r}, {gradebook!r}, {canary!r}, {repo_file!r}]:\n"
           "    for name in ['softmax.ipynb', 'extra.ipynb', '/tmp/link', '/dev/shm/link']:\n        try:\n"
           "            os.remove(name) if os.path.lexists(name) else None\n            os.symlink(target, name)\n"
           "        except OSError as error:\n            print('link refused', error.errno)\n"
           "    try:\n        os.chmod(target, 0o777)\n    except OSError as error:\n        print('chmod refused', error.errno)\n"
           "for line in open('/proc/self/mountinfo'):\n    for place in line.split()[3:5]:\n        try:\n"
           "            open(os.path.join(place, 'tampered'), 'w').write('tampered')\n        except OSError:\n"
           "            pass\n"),
    Attack("fifo-and-huge", "follows what the sandbox wrote",
           "import os\nfor name in ['softmax.ipynb', '/tmp/pipe', 'gradebook.db']:\n    try:\n        os.mkfifo(name)\n"
           "    except OSError as error:\n        print('fifo', error.errno)\ntry:\n    os.mknod('disk', 0o600 | 0o060000, os.makedev(8, 0))\n"
           "except OSError as error:\n    print('mknod refused', error.errno)\nwritten = 0\ntry:\n"
           "    for i in range(1200):\n        with open(f'huge-{{i}}', 'wb') as f:\n            f.write(b'x' * 2**20)\n"
           "        written += 1\nexcept OSError as error:\n    print('disk full after', written, 'MiB', error.errno)\n"),
    Attack("env-print", "the grader's environment",
           "import os\nprint(dict(os.environ))\nfor pid in os.listdir('/proc'):\n    if pid.isdigit():\n        try:\n"
           "            print(open(f'/proc/{{pid}}/environ').read())\n        except OSError:\n            pass\n"),
    Attack("env-raise", "the grader's environment",
           "import os\ntry:\n    raise ValueError(os.environ.get({secret_name!r}, 'no token here'))\nexcept ValueError as error:\n"
           "    print('leaked:', error)\n    message = str(error)\n"),
    Attack("memfd", "memory outside the limit",
           "import mmap, os\nheld = []\ntry:\n    for _ in range(24):\n        fd = os.memfd_create('hoard')\n"
           "        os.ftruncate(fd, 128 * 2**20)\n        region = mmap.mmap(fd, 128 * 2**20)\n"
           "        region.write(b'x' * (128 * 2**20))\n        held.append(region)\nexcept OSError as error:\n"
           "    print('refused after', len(held))\n"),
    Attack("shm-and-tmp", "memory outside the limit",
           "import os\nfor folder in ['/dev/shm', '/tmp', '.']:\n    written = 0\n    try:\n        for i in range(2048):\n"
           "            with open(f'{{folder}}/fill-{{i}}', 'wb') as f:\n                f.write(b'x' * 2**20)\n"
           "            written += 1\n    except OSError as error:\n        print(folder, 'full after', written)\n"),
    Attack("judge-flood", "a shared, unbounded judge",
           "import os, stat, struct\nfor fd in range(3, 64) if CHECKING else []:\n    try:\n        if stat.S_ISSOCK(os.fstat(fd).st_mode):\n"
           "            os.write(fd, struct.pack('>QI', 1 << 40, 2) + b'{{}}' * 1000)\n    except OSError:\n        pass\n"),
    Attack("judge-forge", "a shared, unbounded judge",
           "import json, os, stat, struct\nfor fd in range(3, 64) if CHECKING else []:\n    try:\n        if not stat.S_ISSOCK(os.fstat(fd).st_mode):\n"
           "            continue\n    except OSError:\n        continue\n"
           "    header = json.dumps({{'ready': True, 't': {{'__tensor__': ['float32', [1 << 20, 1 << 20], 4]}}}}).encode()\n"
           "    body = header + b'\\0' * 4\n    try:\n        os.write(fd, struct.pack('>QI', len(body) + 4, len(header)) + body)\n"
           "        deep = b'[' * 200000 + b']' * 200000\n        os.write(fd, struct.pack('>QI', len(deep) + 4, len(deep)) + deep)\n"
           "    except OSError:\n        pass\n"),
    Attack("stuck-check", "a shared, unbounded judge",
           "import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
           "def stall(*args, **kwargs):\n    time.sleep(10_000)\n"),
]
LIBRARY = ("def softmax(logits, dim=-1):\n    return torch.softmax(logits, dim)\n")
BYPASSES = {
    "helper-thread": "import threading\ndef softmax(logits, dim=-1):\n    box = {}\n"
                     "    worker = threading.Thread(target=lambda: box.update(out=torch.softmax(logits, dim)))\n"
                     "    worker.start()\n    worker.join()\n    return box['out']\n",
    "disable-torch-function": "def softmax(logits, dim=-1):\n    with torch._C.DisableTorchFunction():\n"
                              "        return torch.softmax(logits, dim)\n",
    "alias-at-import": "from torch.nn.functional import softmax as _library\n"
                       "def softmax(logits, dim=-1):\n    return _library(logits, dim)\n",
    "aten-ops": "def softmax(logits, dim=-1):\n    return torch.ops.aten._softmax.default(logits, dim, False)\n",
    "patched-probe": "import autograder.probe, autograder.observation\n"
                     "def _claims(implementation, case, forbidden=(), extra=None):\n"
                     "    return {'output': implementation(*case['args'], **case['kwargs']), 'output_type': 'Tensor',\n"
                     "            'error': None, 'args_after': case['args'], 'grads': [], 'torch_calls': []}\n"
                     "autograder.probe.observe = autograder.observation.observe = _claims\n"
                     "def softmax(logits, dim=-1):\n    return torch.softmax(logits, dim)\n",
    "forged-verdicts": "import json, os, stat, struct\ndef _frame(message):\n    header = json.dumps(message).encode()\n"
                       "    return struct.pack('>QI', len(header) + 4, len(header)) + header\n"
                       "for fd in range(3, 64) if CHECKING else []:\n    try:\n        if stat.S_ISSOCK(os.fstat(fd).st_mode):\n"
                       "            os.write(fd, _frame({'ready': True, 'failed_cells': []}) + "
                       "_frame({'passed': True, 'fraction': 1.0, 'message': 'forged', 'property': 'softmax/from_scratch'}))\n"
                       "    except OSError:\n        pass\n"
                       "os.environ.pop('AUTOGRADER_DEFERRED_CHECKS', None)\n"
                       "def softmax(logits, dim=-1):\n    return torch.softmax(logits, dim)\n",
}
"""Library softmax with the call hidden; the honest twin of each is ``LIBRARY``, called plainly."""

LIVE_OUTPUTS = """from IPython.display import HTML, SVG, Javascript, Markdown, display
display(HTML('<script>window.pwned = "html"</script><img src=x onerror="window.pwned = 1">'
             '<iframe src="http://127.0.0.1:PORT/frame"></iframe><a href="javascript:window.pwned = 2">x</a>'
             '<img src="http://127.0.0.1:PORT/pixel.png"><link rel="stylesheet" href="http://127.0.0.1:PORT/s.css">'))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" onload="window.pwned = 3"><script>window.pwned = 4</script>'
            '<image href="http://127.0.0.1:PORT/svg.png" width="5" height="5"/></svg>'))
display(Javascript('window.pwned = "js"'))
display(Markdown('<script>window.pwned = "md"</script>![x](http://127.0.0.1:PORT/md.png)'))
display({"application/vnd.jupyter.widget-view+json": {"model_id": "m", "version_major": 2, "version_minor": 0},
         "text/plain": "a widget"}, raw=True)
print("\\x1b[2J\\x1b]0;pwned\\x07 <script>window.pwned = 'stream'</script>")
"""
LIVE_MARKDOWN = ("<script>window.pwned = 'cell'</script><img src=x onerror=\"window.pwned = 5\">\n"
                 "[link](javascript:window.pwned=6) ![x](http://127.0.0.1:PORT/cell.png)\n"
                 "<style>@import url(http://127.0.0.1:PORT/style.css);</style>\n")
LIVE_ERROR = "raise ValueError('<img src=x onerror=\"window.pwned = 7\">')\n"
LIVE = ("live-outputs", "live-markdown")
"""Students whose feedback pages hold live content; their honest twin is the control."""
ODD_NAMES = {"x\x1b[2Jy": "an escape sequence", "=HYPERLINK(1),\"q\"\nz": "a formula, a comma, a quote, a newline"}
"""Student folders whose names no report or terminal may show raw (they are not valid ids)."""
ODD_FILE = "\x1b]0;pwned\x07=HYPERLINK(2).ipynb"
"""A wrongly named notebook whose name reaches the reason of a rejected submission."""
STALLS = "stuck-check"
"""Its softmax never returns (sleeping with the timers ignored): the judge's own deadline must end it."""


def _deep_notebook(course: ScratchCourse) -> str:
    notebook = json.loads(json.dumps(course.exercise(ASSIGNMENT, NOTEBOOK)))
    notebook["metadata"]["deep"] = "@@DEEP@@"
    return json.dumps(notebook).replace('"@@DEEP@@"', "[" * 100_000 + "]" * 100_000)


def _no_source(course: ScratchCourse) -> str:
    notebook = json.loads(json.dumps(course.exercise(ASSIGNMENT, NOTEBOOK)))
    del notebook["cells"][0]["source"]
    return json.dumps(notebook)


class _CountingServer:
    """A loopback HTTP server that counts every request (a feedback page must make none)."""

    def __init__(self) -> None:
        hits = self.hits = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the standard library's name
                hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_port
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _add_markdown(path: Path, source: str) -> None:
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_markdown_cell(source))
    nbformat.write(notebook, path)


def digest(*roots: Path, skip: tuple[str, ...] = ()) -> dict[str, tuple[str, int]]:
    """Content hash and mode of every file under ``roots`` (names starting with ``skip`` left out)."""
    found = {}
    for root in roots:
        for path in sorted(root.rglob("*")):
            relative = str(path.relative_to(root))
            if relative.startswith(skip) or not path.is_file() or path.is_symlink():
                continue
            found[f"{root.name}/{relative}"] = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mode)
    return found


def repository_files() -> dict[str, tuple[str, int]]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True).stdout
    found = {}
    for name in listed.decode().split("\0"):
        path = REPO_ROOT / name
        if name and path.is_file():
            found[name] = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mode)
    return found


def leftover_groups() -> list[str]:
    found = cgroup.hierarchy()
    folders = {found.memory, found.pids} if found else set()
    return [p.name for folder in folders if folder for p in folder.glob("autograder-*")
            if p.is_dir() and not p.name.startswith("autograder-probe")]


def run_grade(course: Path, env: dict[str, str], *options: str) -> tuple[subprocess.CompletedProcess[str], int]:
    """The grade command under GNU time; its result and the largest resident set of its processes (KiB)."""
    report = course.parent / f"{course.name}-time.txt"
    command = ["/usr/bin/time", "-f", "%M", "-o", str(report), sys.executable, "-m", "autograder", "grade",
               ASSIGNMENT, "--course-dir", str(course), *LIMITS, *options]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1500)
    return result, int(report.read_text().split()[-1])


def rows(course: Path, name: str = "grades.csv") -> dict[str, dict[str, str]]:
    with open(course / "reports" / ASSIGNMENT / name, newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


class BoundaryRun:
    """The class, its canary, its one grading run and what was observed around it."""

    def __init__(self, root: Path) -> None:
        (root / "course").mkdir()
        course = ScratchCourse(root / "course", [ASSIGNMENT])
        self.course = course.root
        self.canary = Path("/root") / f"canary-{os.getpid()}-{time.monotonic_ns()}"
        self.canary.write_text("root-only canary\n")
        self.canary.chmod(0o600)
        paths = {"victim": str(self.course / "submitted" / "honest" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"),
                 "gradebook": str(self.course / "gradebook.db"), "canary": str(self.canary),
                 "repo_file": str(REPO_ROOT / "README.md"), "secret_name": SECRET_NAME}
        course.submit("honest", ASSIGNMENT, NOTEBOOK, {ANSWER: CORRECT})
        course.submit(CONTROL, ASSIGNMENT, NOTEBOOK, {ANSWER: WRONG})
        course.submit("library", ASSIGNMENT, NOTEBOOK, {ANSWER: LIBRARY})
        for student, code in BYPASSES.items():
            course.submit(student, ASSIGNMENT, NOTEBOOK, {ANSWER: CHECKING + code})
        for attack in ATTACKS:
            tail = WRONG.replace("def softmax(logits, dim=-1):\n", "def softmax(logits, dim=-1):\n    stall()\n") \
                if attack.student == STALLS else WRONG
            course.submit(attack.student, ASSIGNMENT, NOTEBOOK, {ANSWER: CHECKING + attack.code.format(**paths) + tail})
        self.server = _CountingServer()
        port = str(self.server.port)
        course.submit("live-outputs", ASSIGNMENT, NOTEBOOK,
                      {ANSWER: LIVE_OUTPUTS.replace("PORT", port) + WRONG + LIVE_ERROR})
        course.submit("live-markdown", ASSIGNMENT, NOTEBOOK, {ANSWER: WRONG})
        _add_markdown(self.course / "submitted" / "live-markdown" / ASSIGNMENT / f"{NOTEBOOK}.ipynb",
                      LIVE_MARKDOWN.replace("PORT", port))
        for name in ODD_NAMES:
            shutil.copytree(self.course / "submitted" / CONTROL, self.course / "submitted" / name)
        odd_file = self.course / "submitted" / "odd-file" / ASSIGNMENT
        odd_file.mkdir(parents=True)
        shutil.copy(self.course / "submitted" / CONTROL / ASSIGNMENT / f"{NOTEBOOK}.ipynb", odd_file / ODD_FILE)
        for student, text in {"deep-json": _deep_notebook(course), "no-source": _no_source(course)}.items():
            folder = self.course / "submitted" / student / ASSIGNMENT
            folder.mkdir(parents=True)
            (folder / f"{NOTEBOOK}.ipynb").write_text(text)
        extra = self.course / "submitted" / "extra-notebook" / ASSIGNMENT
        shutil.copytree(self.course / "submitted" / CONTROL / ASSIGNMENT, extra)
        (extra / "extra.ipynb").write_text(_no_source(course))
        self.inputs_before = digest(self.course, skip=("autograded", "feedback", "reports", "gradebook.db"))
        self.repository_before = repository_files()
        self.canary_before = (self.canary.read_bytes(), stat.S_IMODE(self.canary.stat().st_mode))
        env = {**os.environ, SECRET_NAME: SECRET}
        started = time.monotonic()
        self.run, self.max_rss_kib = run_grade(self.course, env)
        self.seconds = time.monotonic() - started
        time.sleep(1)
        self.left_behind, self.groups_left = sandboxed_processes(), leftover_groups()
        self.grades, self.questions = rows(self.course), rows(self.course, "questions.csv")
        self.log = (self.course / "reports" / ASSIGNMENT / "grading-log.txt").read_text()

    def written_by_the_grader(self) -> str:
        """Every text the grader wrote for people to read: feedback, executed notebooks, reports."""
        parts = [self.run.stdout, self.run.stderr]
        for folder in ("feedback", "autograded", "reports"):
            parts += [p.read_text(errors="replace") for p in (self.course / folder).rglob("*") if p.is_file()
                      and p.suffix in (".html", ".ipynb", ".csv", ".txt", ".json")]
        return "\n".join(parts)


@pytest.fixture(scope="module")
def boundary(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoundaryRun]:
    run = BoundaryRun(tmp_path_factory.mktemp("boundary"))
    yield run
    run.canary.unlink(missing_ok=True)
    run.server.close()


def shown(student: str) -> str:
    """A student id as the reports show it (escaped, never taken for a formula)."""
    return spreadsheet_cell(printable(student))


def score(run: BoundaryRun, student: str) -> float:
    return float(run.grades[student]["score"])


@pytest.mark.slow
def test_the_run_ends_with_its_reports_and_every_student_in_them(boundary: BoundaryRun) -> None:
    assert boundary.run.returncode == 1, boundary.run.stderr[-3000:]
    expected = {"honest", CONTROL, "library", "deep-json", "no-source", "extra-notebook", "odd-file",
                *(a.student for a in ATTACKS), *BYPASSES, *LIVE, *map(shown, ODD_NAMES)}
    assert set(boundary.grades) == expected
    for name in ("grades.csv", "questions.csv", "summary.txt", "summary.png", "grading-log.txt"):
        assert (boundary.course / "reports" / ASSIGNMENT / name).is_file()


@pytest.mark.slow
def test_attackers_earn_no_more_than_their_honest_twin(boundary: BoundaryRun) -> None:
    control = score(boundary, CONTROL)
    assert 0 < control < 8
    for student in [attack.student for attack in ATTACKS] + list(LIVE):
        assert score(boundary, student) <= control, student
    assert score(boundary, "extra-notebook") == control, "an extra notebook beside the expected one changes nothing"


@pytest.mark.slow
def test_the_honest_student_gets_what_a_clean_run_gives(boundary: BoundaryRun, tmp_path: Path) -> None:
    clean = ScratchCourse(tmp_path, [ASSIGNMENT])
    clean.submit("honest", ASSIGNMENT, NOTEBOOK, {ANSWER: CORRECT})
    result, _ = run_grade(clean.root, dict(os.environ), "--no-feedback")
    assert result.returncode == 0, result.stderr[-2000:]
    assert boundary.grades["honest"] == rows(clean.root)["honest"]
    assert score(boundary, "honest") == 8


@pytest.mark.slow
def test_nothing_outside_the_attackers_working_copies_changes(boundary: BoundaryRun) -> None:
    assert digest(boundary.course, skip=("autograded", "feedback", "reports", "gradebook.db")) == boundary.inputs_before
    assert repository_files() == boundary.repository_before
    assert (boundary.canary.read_bytes(), stat.S_IMODE(boundary.canary.stat().st_mode)) == boundary.canary_before
    texts = boundary.written_by_the_grader()
    assert "root-only canary" not in texts and "tampered" not in boundary.canary.read_text()


@pytest.mark.slow
def test_the_graders_environment_reaches_no_sandbox(boundary: BoundaryRun) -> None:
    texts = boundary.written_by_the_grader()
    assert SECRET not in texts
    feedback = (boundary.course / "feedback" / "env-raise" / ASSIGNMENT / f"{NOTEBOOK}.html").read_text()
    assert "no token here" in feedback, "the attack ran and its output reached its own feedback"


@pytest.mark.slow
def test_memory_stays_bounded_for_the_grader_and_every_kernel(boundary: BoundaryRun) -> None:
    assert boundary.max_rss_kib < 3 * 1024 * 1024, f"a process of the run held {boundary.max_rss_kib} KiB"
    peaks = [float(line.split("kernel peak ")[1].split()[0]) for line in boundary.log.splitlines() if "kernel peak" in line]
    assert peaks and max(peaks) <= MEMORY_MB, peaks
    assert score(boundary, "memfd") <= score(boundary, CONTROL)
    assert "ran out of memory" in boundary.grades["memfd"]["reason"], boundary.grades["memfd"]


@pytest.mark.slow
def test_no_process_or_control_group_of_the_run_survives(boundary: BoundaryRun) -> None:
    assert not boundary.left_behind, boundary.left_behind
    assert not boundary.groups_left, boundary.groups_left


@pytest.mark.slow
def test_a_stuck_check_ends_at_the_judges_deadline(boundary: BoundaryRun) -> None:
    row = boundary.grades[STALLS]
    assert float(row["score"]) <= score(boundary, CONTROL)
    assert re.search(rf"{NOTEBOOK}\.ipynb: cell \d+ \([\w-]+\) (ran|was the first to run) past the limit of 10 s a cell",
                     row["reason"]), row
    assert boundary.seconds < 600, "one stuck submission held up the class"


@pytest.mark.slow
def test_hostile_notebook_structure_is_rejected_with_a_reason(boundary: BoundaryRun) -> None:
    assert boundary.grades["deep-json"]["status"] == "failed"
    assert "nested too deeply" in boundary.grades["deep-json"]["reason"]
    assert boundary.grades["no-source"]["status"] == "failed"
    assert "not a valid notebook" in boundary.grades["no-source"]["reason"]
    assert (boundary.course / "feedback" / "honest" / ASSIGNMENT / f"{NOTEBOOK}.html").is_file(), \
        "feedback for the class despite the broken notebooks"


@pytest.mark.slow
def test_hidden_library_calls_earn_no_more_than_plain_ones_cell_by_cell(boundary: BoundaryRun) -> None:
    twin = boundary.questions["library"]
    cells = [column for column in twin if column.startswith(f"{ASSIGNMENT}:")]
    assert float(twin[f"{ASSIGNMENT}:test-softmax-from-scratch"]) == 0, "the plain library call is caught"
    assert float(twin[f"{ASSIGNMENT}:test-softmax-matches-reference"]) > 0, "and nothing else is lost for it"
    for student in BYPASSES:
        for cell in cells:
            assert float(boundary.questions[student][cell] or 0) <= float(twin[cell] or 0), (student, cell)
        assert float(boundary.questions[student][f"{ASSIGNMENT}:test-softmax-from-scratch"] or 0) == 0, student


LIVE_TAG = r"""<(?:script|iframe|object|embed)\b|<[a-z][^>]*\son[a-z]+\s*=|<a\b[^>]*href\s*=\s*["']?\s*javascript:"""
"""A tag that could run or load something (escaped text, ``&lt;script``, is not a tag)."""


def _page_state(browser: object, page_path: Path) -> tuple[object, list[str]]:
    """Open a feedback page offline; what its scripts set (``window.pwned``) and the URLs it loaded
    (a request the page's Content-Security-Policy blocked is not a load)."""
    page = browser.new_page()
    requested: list[str] = []
    page.on("requestfinished", lambda request: requested.append(request.url))
    page.goto(page_path.as_uri(), wait_until="load")
    page.wait_for_timeout(500)
    state = page.evaluate("typeof window.pwned === 'undefined' ? null : String(window.pwned)")
    page.close()
    return state, [url for url in requested if url != page_path.as_uri()]


@pytest.mark.slow
def test_feedback_pages_run_and_load_nothing_a_student_wrote(boundary: BoundaryRun, browser: Any) -> None:
    pages = {student: boundary.course / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html"
             for student in (*LIVE, "honest")}
    for student, page in pages.items():
        html = page.read_text()
        assert '<meta http-equiv="Content-Security-Policy"' in html.split("</head>")[0], student
        live = re.search(LIVE_TAG, html, re.I)
        assert live is None, (student, live and html[live.start() - 100:live.end() + 100])
        state, requested = _page_state(browser, page)
        assert state is None, f"a script of {student} ran: window.pwned = {state}"
        assert requested == [], f"the feedback page of {student} fetched {requested}"
    assert boundary.server.hits == [], boundary.server.hits
    notes = pages["live-outputs"].read_text()
    assert "application/javascript output was removed" in notes and "widget-view+json output was removed" in notes
    assert "a widget" in notes or "(removed)" in notes
    stored = nbformat.read(boundary.course / "autograded" / "live-outputs" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    rich = [output.get("data", {}) for cell in stored.cells for output in cell.get("outputs", [])]
    assert rich and not any(kind in data for data in rich for kind in ("application/javascript", "image/svg+xml",
                                                                        "application/vnd.jupyter.widget-view+json"))
    assert not any(re.search(LIVE_TAG, str(data.get("text/html", "")), re.I) for data in rich), \
        "the notebook formgrader shows is inert too"
    from nbconvert.filters.markdown_mistune import markdown2html_mistune  # formgrader's markdown, unsanitised

    stored = nbformat.read(boundary.course / "autograded" / "live-markdown" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    shown = [markdown2html_mistune(cell.source) for cell in stored.cells if cell.cell_type == "markdown"]
    assert any("[image from the network removed]" in html for html in shown), "the student's markdown is kept"
    assert not any(re.search(LIVE_TAG, html, re.I) for html in shown), "formgrader renders stored markdown as it is"


@pytest.mark.slow
def test_csvs_parse_and_no_cell_passes_for_a_formula(boundary: BoundaryRun) -> None:
    for name, columns in (("grades.csv", 8), ("questions.csv", None)):
        with open(boundary.course / "reports" / ASSIGNMENT / name, newline="") as handle:
            table = list(csv.reader(handle))
        width = columns or len(table[0])
        assert all(len(row) == width for row in table), name
        for row in table[1:]:
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)
    assert "'=HYPERLINK(1),\"q\"\\x0az" in boundary.grades and "x\\x1b[2Jy" in boundary.grades
    assert "=HYPERLINK(2)" in boundary.grades["odd-file"]["reason"]
    for student in ODD_NAMES:
        row = boundary.grades[shown(student)]
        assert row["status"] == "failed" and "not a usable student id" in row["reason"]


@pytest.mark.slow
def test_the_terminal_and_the_log_get_no_escape_sequence_from_students(boundary: BoundaryRun) -> None:
    shown = boundary.run.stdout + boundary.run.stderr
    assert "\x1b" not in shown and "\x07" not in shown
    assert "\\x1b" in shown, "the odd names are shown, escaped"
    assert "\x1b" not in boundary.log and "\x07" not in boundary.log
