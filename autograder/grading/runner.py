"""Run grading tasks in parallel here, or on a Dask cluster; results come back to the caller.

Both runners call :func:`~.worker.grade_submission` once per task and hand each result to
``on_result`` in the calling thread as soon as it is ready, so the caller alone writes to the
gradebook. An interrupt (Ctrl-C, SIGTERM) stops the submissions in flight and returns.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Iterable

from .task import GradingResult, GradingTask
from .worker import grade_submission, stop_all

OnResult = Callable[[GradingResult], None]


def _crash(task: GradingTask, error: BaseException) -> GradingResult:
    """A result for a task whose worker itself failed (a bug or a lost Dask worker)."""
    reason = f"the grader failed: {type(error).__name__}: {error}".splitlines()[0][:300]
    return GradingResult(task.student, task.assignment, status="failed", reason=reason)


def run_local(tasks: Iterable[GradingTask], jobs: int, on_result: OnResult) -> None:
    """Grade with ``jobs`` submissions at a time on this machine (threads; each runs nbgrader)."""
    tasks = list(tasks)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="grade") as pool:
        futures = {pool.submit(grade_submission, task): task for task in tasks}
        try:
            for future in concurrent.futures.as_completed(futures):
                error = future.exception()
                on_result(_crash(futures[future], error) if error else future.result())
        except BaseException:
            for future in futures:
                future.cancel()
            stop_all()
            raise


def run_dask(tasks: Iterable[GradingTask], scheduler: str, on_result: OnResult) -> None:
    """Grade on the Dask cluster at ``scheduler`` (e.g. ``tcp://10.0.0.5:8786``).

    Every worker needs this course package installed at the same path and the data set present;
    the sandbox is built on the worker. Results are written here, by the caller.
    """
    from distributed import Client, as_completed

    tasks = list(tasks)
    with Client(scheduler, timeout=60) as client:
        futures = {client.submit(grade_submission, task, pure=False, key=f"grade-{task.key}-{id(task)}"): task
                   for task in tasks}
        try:
            for future in as_completed(list(futures)):
                if future.status == "finished":
                    on_result(future.result())
                else:
                    on_result(_crash(futures[future], future.exception()))
        except BaseException:
            client.cancel(list(futures))
            raise
