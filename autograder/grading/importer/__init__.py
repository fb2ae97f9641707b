"""Import a learning-management-system download into nbgrader's submission layout.

``import_submissions(source, assignment, course_dir, notebooks)`` copies each student's notebook
from ``source`` (a ``.zip`` file or a folder) to
``<course_dir>/submitted/<student_id>/<assignment>/<notebook>``, byte for byte, and returns an
``ImportReport`` of what it imported and what it rejected, with a one-line reason for each.

Accepted names. ``PATH`` is a file's path inside the zip or folder. A download comes from one
LMS, so it is read with one layout throughout: the one whose rules fit the most of its notebooks
(Moodle, Canvas or generic, in that order on a tie); a file that only another layout would fit is
rejected. A student id comes only from the fields the LMS wrote, never from a name the student
chose (the file's own name, a folder inside their submission):

1. Moodle, a folder per submission: a file directly inside a folder named
   ``<Full Name>_<id>_assignsubmission_file_`` (the last ``_`` may be missing), with no such folder
   above it (a submission folder inside another is a student's, and rejected).
2. Moodle, flat: a file named ``<Full Name>_<id>_assignsubmission_file_<file>``, split at the
   first ``_<digits>_assignsubmission_file_`` (the LMS's prefix comes first).
   Student id: the full name as a slug (accents removed, lowercase ASCII; each run of spaces
   becomes ``-``; characters other than letters, digits, ``.``, ``_``, ``-`` dropped), so
   ``Zoë Ångström`` gives ``zoe-angstrom``; or ``<id>`` with ``student_id="userid"``.
3. Canvas: a file named ``<name>_<userid>_<submissionid>_<file>`` or
   ``<name>_LATE_<userid>_<submissionid>_<file>`` (in any folder), ``<name>`` being lowercase
   letters and the ids digits. Student id: ``<name>``, or ``<userid>`` with ``student_id="userid"``.
4. Generic, where the whole PATH has one of the shapes ``<student_id>/<file>``,
   ``<student_id>/<assignment>/<file>`` (the assignment being imported) or ``<student_id>__<file>``
   (no folder; split at the first ``__``).

``<file>`` must be one of ``notebooks``, as it is or after removing one re-upload suffix before
``.ipynb``: Canvas's ``-<digits>`` (``softmax-1.ipynb``) or a browser's ``(<digits>)`` with or
without a space before it (``softmax (1).ipynb``). A student id must match ``[A-Za-z0-9._-]+``,
must not be ``.`` or ``..`` and must not start with ``-``.

Skipped silently: folders, ``__MACOSX/`` and every PATH with a part that starts with ``.``
(``.DS_Store``, ``.ipynb_checkpoints/``). Rejected with a reason: zip entries with an absolute path
or a ``..`` part, links, encrypted entries, files not ending in ``.ipynb``, names no rule fits,
notebook names not expected, unsafe student ids, one student id made from two LMS ids, files over
``max_file_bytes`` (default 50 MiB), unreadable entries, the older of two files for the same
student and notebook (newest by Canvas submission id when both have one, else by zip entry date,
or by modification time in a folder; on a tie the later entry), and notebooks already in the
course folder unless ``overwrite=True``.

A zip entry's date (read as UTC, or the UTC time of its Info-ZIP extended-timestamp field when it
has one) goes to ``timestamp.txt`` beside the notebooks, as nbgrader writes it
(``YYYY-MM-DD HH:MM:SS.ffffff UTC``): the newest of the student's imported notebooks and of a
``timestamp.txt`` already there. A folder gives no timestamp: copying files changes their dates.
A source with more than ``max_entries`` entries (default 10 000) is refused whole.

Modules: ``names`` (the naming rules, ``slug``), ``sources`` (zip and folder entries, their dates
and safety problems), ``selection`` (accepting, rejecting and de-duplicating entries), ``flow``
(``import_submissions``: copying and ``timestamp.txt``) and ``results`` (the report's types).
"""

from __future__ import annotations

from .flow import MAX_ENTRIES, MAX_FILE_BYTES, import_submissions
from .names import slug
from .results import ImportedFile, ImportFailed, ImportReport, Rejected

__all__ = ["MAX_ENTRIES", "MAX_FILE_BYTES", "ImportFailed", "ImportReport", "ImportedFile", "Rejected",
           "import_submissions", "slug"]
