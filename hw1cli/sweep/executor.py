"""Run independent tasks (checked run requests) on a local process pool or on Ray; results come back as they end.

`run_tasks(tasks, backend, on_result, work)` is the one entry point: a sweep uses it for its points (`work` is
`run_point`: files come back as bytes), and `hw1 all --workers` for the suite's independent experiments (on
the local pool `work` is `run_in_place`, which writes straight into the experiment's folder). A
KeyboardInterrupt or signals.Terminated (the driver's stop signals) cancels what has not finished and
propagates; everything reported through `on_result` stays reported.
"""

from __future__ import annotations

import collections
import contextlib
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from hw1cli import faults
from hw1cli.sweep.pool_child import die_with_parent, ignore_interrupts
from hw1cli.sweep.worker import POINT_MODULES, PointResult, Task, run_point

__all__ = ["Backend", "LocalBackend", "RayBackend", "Task", "run_tasks"]

# A pool process that dies (killed, out of memory) breaks the whole local pool: its task runs again on a
# fresh pool, at most this many times. ray_tasks.py does the same for a Ray worker that dies.
MAX_RETRIES = 3
POLL_SECONDS = 0.5  # how often the driver wakes while it waits, so that a signal is handled promptly
STOP_SECONDS = 10  # how long stopped workers get to record their runs as interrupted before they are killed
# The fork server imports these once; forkserver_preload first: it ignores Ctrl-C during the imports.
PRELOAD = ("hw1cli.sweep.forkserver_preload", "hw1cli.sweep.worker", *POINT_MODULES)


@dataclass(frozen=True)
class LocalBackend:
    workers: int
    threads: int  # torch CPU threads per worker: workers * threads <= cores keeps the machine from oversubscribing


@dataclass(frozen=True)
class RayBackend:
    address: str | None  # an existing cluster ("auto", "HOST:6379"); None starts a local Ray on demand
    cpus_per_run: float
    gpus_per_run: float
    workers: int | None = None  # CPUs of a local Ray started here (None: all cores)


Backend = LocalBackend | RayBackend
OnResult = Callable[[Task, PointResult], None]
# What a worker runs for a task: (task, torch threads) -> its result. A module-level function, so that a
# pool process or a Ray worker can unpickle it.
Work = Callable[[Task, int], PointResult]


def failed(error: str) -> PointResult:
    return PointResult("failed", 1, error=error)


def run_tasks(tasks: Sequence[Task], backend: Backend, on_result: OnResult, work: Work = run_point) -> None:
    """Run every task once (retrying ones whose worker process died) and report each result as it ends."""
    if not tasks:
        return
    if isinstance(backend, RayBackend):
        from hw1cli.sweep.ray_tasks import run_on_ray  # Ray's own module: the local pool never loads it

        run_on_ray(tasks, backend, on_result, work)
    else:
        _run_local(tasks, backend, on_result, work)


# -- local process pool ------------------------------------------------------------------------------
_started: Any = None  # in a worker: the queue it names its pid on for each task it starts


def _init_worker(started: Any, driver: int) -> None:
    global _started
    ignore_interrupts()
    die_with_parent(driver)
    _started = started


def _tracked(work: Work, task: Task, threads: int) -> PointResult:
    """`work`, after telling the driver which process runs `task` (so that a pool broken by one dying
    process charges a retry to its task only)."""
    _started.put((task.key, os.getpid()))
    faults.kill_point(f"task:{task.key}")  # a test's worker dying with this task
    return work(task, threads)


def pool_context() -> multiprocessing.context.BaseContext:
    """Not fork: forking a driver that already ran torch's thread pools can deadlock the child. A fork
    server that has imported torch and the runner (but run nothing) starts each worker in milliseconds
    instead of the seconds a fresh interpreter needs; spawn where there is no fork server (Windows)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOAD))  # ignored once this process's fork server runs
    return context


def start_fork_server() -> None:
    """Start the local pool's fork server now, if this platform has one (idempotent). It imports torch and the
    runner (PRELOAD) in its own process, about 3.6 s on a 2-core AMD EPYC VM, so a driver that starts it before
    its own imports (torch for --device auto, 1.8 s) overlaps the two instead of paying one after the other."""
    if pool_context().get_start_method() == "forkserver":
        import multiprocessing.forkserver  # the submodule is not imported with multiprocessing itself

        multiprocessing.forkserver.ensure_running()


def _run_local(tasks: Sequence[Task], backend: LocalBackend, on_result: OnResult, work: Work) -> None:
    queue = collections.deque(tasks)
    attempts: collections.Counter[str] = collections.Counter()
    context = pool_context()
    while queue:
        started = context.SimpleQueue()  # one per pool: a worker killed while writing can only jam its own pool
        pool = ProcessPoolExecutor(min(backend.workers, len(queue)), mp_context=context, initializer=_init_worker,
                                   initargs=(started, os.getpid()))
        running: dict[Future[PointResult], Task] = {}
        try:
            lost = _drain(pool, queue, running, backend, on_result, work)
            charged = _culprits(pool, lost, started) if lost else []
        except BaseException:
            _stop(pool)
            raise
        pool.shutdown(wait=True)
        for task in reversed(lost):
            if task in charged:
                attempts[task.key] += 1
            if attempts[task.key] > MAX_RETRIES:
                on_result(task, failed(f"the worker process died {attempts[task.key]} times"))
            else:
                queue.appendleft(task)


def _drain(pool: ProcessPoolExecutor, queue: collections.deque[Task], running: dict[Future[PointResult], Task],
           backend: LocalBackend, on_result: OnResult, work: Work) -> list[Task]:
    """Keep `workers` tasks in flight until the queue is empty; the tasks lost if the pool breaks."""
    while queue or running:
        while queue and len(running) < backend.workers:
            task = queue.popleft()
            running[pool.submit(_tracked, work, task, backend.threads)] = task
        faults.signal_point("pool-started")
        done, _ = wait(running, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
        for future in done:
            task = running.pop(future)
            try:
                result = future.result()
            except BrokenProcessPool:
                return [task, *running.values()]  # every task in flight is lost with the pool
            except Exception as error:  # the work function itself failed (it catches the run's errors)
                result = failed(f"internal error ({type(error).__name__}: {error})")
            on_result(task, result)
    return []


def _culprits(pool: ProcessPoolExecutor, lost: list[Task], started: Any) -> list[Task]:
    """The lost tasks whose own worker died. The pool SIGTERMs its other workers when one dies (their runs end
    as "interrupted", exit 0, or they die of the SIGTERM): those tasks are innocent and run again uncharged.
    Where the dead process cannot be told apart, every lost task is charged (the old rule)."""
    pids: dict[str, int] = {}
    try:
        while not started.empty():
            key, pid = started.get()
            pids[key] = pid
    except (OSError, EOFError):  # a half-written message from the process that died: what was read stands
        pass
    processes = dict(getattr(pool, "_processes", None) or {})  # pid -> Process (CPython's pool keeps them there)
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes.values():
        process.join(timeout=max(0.0, deadline - time.monotonic()))
    died = {pid for pid, p in processes.items() if p.exitcode not in (None, 0, -signal.SIGTERM)}
    charged = [task for task in lost if pids.get(task.key) in died]
    return charged or list(lost)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started; ask running tasks to stop (SIGTERM: they end as "interrupted" and clean
    their temporary folders), and kill any worker that does not exit within a few seconds. A signal that
    arrived while the pool was still starting must not turn into a multiprocessing traceback."""
    with contextlib.suppress(Exception):  # a pool interrupted while starting: its workers are still stopped below
        pool.shutdown(wait=False, cancel_futures=True)
    workers = multiprocessing.active_children()
    for process in workers:
        process.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for process in workers:
        while process.is_alive() and time.monotonic() < deadline:
            process.join(timeout=POLL_SECONDS)
            # A worker whose run has ended (as "interrupted") waits for the next task with SIGTERM's default
            # action back: one more SIGTERM ends it. A run still cleaning up only notes the signal.
            process.terminate()
        if process.is_alive():
            process.kill()
