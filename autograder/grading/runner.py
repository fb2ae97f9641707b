"""Run grading tasks in parallel here, or on a Dask cluster; results come back to the caller.

Both runners call :func:`~.worker.grade_submission` once per task and hand each result to
``on_result`` in the calling thread as soon as it is ready, so the caller alone writes to the
gradebook. ``on_start`` (optional) hears when a worker starts a task, from another thread (a local
worker's, or the Dask client's, told by an event the worker logs), for the progress display's
estimate. An interrupt (Ctrl-C, SIGTERM) stops the submissions in flight and returns.
"""

from __future__ import annotations

import collections
import concurrent.futures
import time
import uuid
from collections.abc import Callable, Iterable

from .idle import IdleCores
from .task import GradingResult, GradingTask
from .worker import grade_submission, stop_all

SPARE_CORES = 0.5  # idle cores over a window that let one more submission start beyond --jobs
WINDOW_S = 5.0  # how long idleness is averaged over (and so the most often an extra one starts)

OnResult = Callable[[GradingResult], None]
OnStart = Callable[[GradingTask], None]


def _ignore(task: GradingTask) -> None:
    """The default ``on_start``: nobody listens."""


def _announced(task: GradingTask, on_start: OnStart) -> GradingResult:
    """Tell ``on_start``, then grade (in a local worker thread)."""
    on_start(task)
    return grade_submission(task)


def _announced_on_dask(task: GradingTask, topic: str) -> GradingResult:
    """Log a start event on ``topic`` (the client listens), then grade (on a Dask worker)."""
    from distributed import get_worker

    get_worker().log_event(topic, task.key)
    return grade_submission(task)


def _crash(task: GradingTask, error: BaseException) -> GradingResult:
    """A result for a task whose worker itself failed (a bug or a lost Dask worker)."""
    reason = f"the grader failed: {type(error).__name__}: {error}".splitlines()[0][:300]
    return GradingResult(task.student, task.assignment, status="failed", reason=reason)


def run_local(tasks: Iterable[GradingTask], jobs: int, on_result: OnResult, on_start: OnStart = _ignore) -> None:
    """Grade ``jobs`` submissions at a time on this machine (threads; each runs its sandboxes).

    A submission that sleeps or waits on its time limit holds its lane without using a core: while
    at least :data:`SPARE_CORES` of a core sat idle over the last :data:`WINDOW_S` seconds, one
    more submission starts, up to twice ``jobs`` at a time.
    """
    waiting, lanes = collections.deque(tasks), max(1, jobs)
    idle, window_start = IdleCores(), time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2 * lanes, thread_name_prefix="grade") as pool:
        running: dict[concurrent.futures.Future[GradingResult], GradingTask] = {}
        try:
            while waiting or running:
                spare = time.monotonic() - window_start >= WINDOW_S
                if spare:
                    window_start, spare = time.monotonic(), idle.sample() >= SPARE_CORES
                while waiting and (len(running) < lanes or (spare and len(running) < 2 * lanes)):
                    task = waiting.popleft()
                    running[pool.submit(_announced, task, on_start)] = task
                    spare = False
                done, _ = concurrent.futures.wait(running, timeout=WINDOW_S / 4,
                                                  return_when=concurrent.futures.FIRST_COMPLETED)
                for future in done:
                    error, task = future.exception(), running.pop(future)
                    on_result(_crash(task, error) if error else future.result())
        except BaseException:
            for future in running:
                future.cancel()
            stop_all()
            raise


def run_dask(tasks: Iterable[GradingTask], scheduler: str, on_result: OnResult, on_start: OnStart = _ignore) -> None:
    """Grade on the Dask cluster at ``scheduler`` (e.g. ``tcp://10.0.0.5:8786``).

    Every worker needs this course package installed at the same path and the data set present;
    the sandbox is built on the worker. Results are written here, by the caller.
    """
    from distributed import Client, as_completed

    tasks = list(tasks)
    by_key, topic = {task.key: task for task in tasks}, f"grading-started-{uuid.uuid4().hex}"

    def started(event: tuple[float, str]) -> None:  # in the client's thread
        if (task := by_key.get(event[1])) is not None:
            on_start(task)

    with Client(scheduler, timeout=60) as client:
        client.subscribe_topic(topic, started)
        futures = {client.submit(_announced_on_dask, task, topic, pure=False, key=f"grade-{task.key}-{id(task)}"): task
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
