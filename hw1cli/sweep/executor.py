"""Run independent tasks (argv of hw1 commands) on a local process pool or on Ray; results come back as they end.

`run_tasks(tasks, backend, on_result, work)` is the one entry point: a sweep uses it for its points (`work` is
`run_point`: files come back as bytes), and `hw1 all --workers` for the suite's independent experiments (on
the local pool `work` is `run_in_place`, which writes straight into the experiment's folder). A KeyboardInterrupt (or the caller's SIGTERM exception)
cancels what has not finished and propagates; everything reported through `on_result` stays reported.
"""

from __future__ import annotations

import collections
import logging
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from hw1cli.sweep.worker import PointResult, run_point

# A pool process that dies (killed, out of memory) breaks the whole local pool: its points run again on a
# fresh pool, at most this many times. Ray's own task retries (max_retries) do the same for Ray workers.
MAX_RETRIES = 3
POLL_SECONDS = 0.5  # how often the driver wakes while it waits, so that a signal is handled promptly
STOP_SECONDS = 10  # how long stopped workers get to record their runs as interrupted before they are killed
PRELOAD = ("hw1cli.cli", "hw1cli.sweep.worker", "sklearn.datasets", "sklearn.model_selection", "matplotlib.pyplot")


@dataclass(frozen=True)
class Task:
    key: str  # unique name (the point's folder)
    argv: tuple[str, ...]  # `EXPERIMENT options...` without -o
    shown_output: str  # the folder run.json's argv should name
    inputs: Mapping[str, bytes] = field(default_factory=dict)  # files the run starts from (an unfinished run to resume)


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
# What a worker runs for a task: (argv, torch threads, shown output folder, input files) -> its result. A
# module-level function, so that a pool process or a Ray worker can unpickle it.
Work = Callable[[list[str], int, str, Mapping[str, bytes]], PointResult]


def failed(error: str) -> PointResult:
    return PointResult("failed", 1, error=error)


def run_tasks(tasks: Sequence[Task], backend: Backend, on_result: OnResult, work: Work = run_point) -> None:
    """Run every task once (retrying ones whose worker process died) and report each result as it ends."""
    if not tasks:
        return
    if isinstance(backend, RayBackend):
        _run_ray(tasks, backend, on_result, work)
    else:
        _run_local(tasks, backend, on_result, work)


# -- local process pool ------------------------------------------------------------------------------
def _ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group; the driver decides what stops, and stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _pool_context() -> multiprocessing.context.BaseContext:
    """Not fork: forking a driver that already ran torch's thread pools can deadlock the child. A fork
    server that has imported torch and the commands (but run nothing) starts each worker in milliseconds
    instead of the seconds a fresh interpreter needs; spawn where there is no fork server (Windows)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOAD))  # ignored once this process's fork server runs
    return context


def _run_local(tasks: Sequence[Task], backend: LocalBackend, on_result: OnResult, work: Work) -> None:
    queue = collections.deque(tasks)
    attempts: collections.Counter[str] = collections.Counter()
    context = _pool_context()
    while queue:
        pool = ProcessPoolExecutor(min(backend.workers, len(queue)), mp_context=context, initializer=_ignore_interrupts)
        running: dict[Future[PointResult], Task] = {}
        try:
            broken = _drain(pool, queue, running, backend, on_result, work)
        except BaseException:
            _stop(pool)
            raise
        pool.shutdown(wait=True)
        for task in reversed(broken):
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
            running[pool.submit(work, list(task.argv), backend.threads, task.shown_output, dict(task.inputs))] = task
        done, _ = wait(running, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
        for future in done:
            task = running.pop(future)
            try:
                result = future.result()
            except BrokenProcessPool:
                # every task in flight is lost with the pool, not only the one whose process died
                return [task, *running.values()]
            except Exception as error:  # the point's function itself failed (it catches the command's errors)
                result = failed(f"internal error ({type(error).__name__}: {error})")
            on_result(task, result)
    return []


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started; ask running points to stop (SIGTERM: they end as "interrupted" and clean
    their temporary folders), and kill any worker that does not exit within a few seconds."""
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


# -- Ray ---------------------------------------------------------------------------------------------
def _run_ray(tasks: Sequence[Task], backend: RayBackend, on_result: OnResult, work: Work) -> None:
    import ray

    started_here = not ray.is_initialized()
    if started_here:
        _start_ray(ray, backend)
    try:
        _check_resources(ray.cluster_resources(), backend)
    except BaseException:
        if started_here:
            ray.shutdown()
        raise
    # Ray retries a task whose worker process died (max_retries); errors inside a point are results, not
    # exceptions, so they are never retried.
    remote = ray.remote(work).options(
        num_cpus=backend.cpus_per_run, num_gpus=backend.gpus_per_run, max_retries=MAX_RETRIES, retry_exceptions=False
    )
    threads = max(1, int(backend.cpus_per_run))
    pending = {remote.remote(list(t.argv), threads, t.shown_output, dict(t.inputs)): t for t in tasks}
    try:
        while pending:
            done, _ = ray.wait(list(pending), num_returns=len(pending), timeout=POLL_SECONDS)
            for ref in done:
                task = pending.pop(ref)
                try:
                    result = ray.get(ref)
                except ray.exceptions.RayError as error:  # e.g. the worker died more often than max_retries
                    result = failed(f"Ray: {' '.join(str(error).split())[:300]}")
                on_result(task, result)
    except BaseException:
        for ref in pending:
            ray.cancel(ref)  # a running point gets KeyboardInterrupt and ends as "interrupted"
        raise
    finally:
        if started_here:
            ray.shutdown()


def _check_resources(total: dict[str, float], backend: RayBackend) -> None:
    """A task asking for more than the cluster has would wait forever: say so instead."""
    for name, wanted in (("CPU", backend.cpus_per_run), ("GPU", backend.gpus_per_run)):
        if wanted > total.get(name, 0.0):
            raise ResourceWarning(f"each point asks for {wanted:g} {name}(s) but the Ray cluster has {total.get(name, 0.0):g}; "
                                  f"lower --{name.lower()}s-per-run or add nodes with {name}s")


def _start_ray(ray: object, backend: RayBackend) -> None:
    """Join the cluster at --address, else start a local Ray; the caller's SIGTERM handler stays in place."""
    in_main = threading.current_thread() is threading.main_thread()
    handler = signal.getsignal(signal.SIGTERM) if in_main else None
    ray.init(  # type: ignore[attr-defined]
        address=backend.address,
        num_cpus=None if backend.address else backend.workers,
        include_dashboard=False,
        log_to_driver=False,
        logging_level=logging.ERROR,
        configure_logging=True,
    )
    if in_main and handler is not None:
        signal.signal(signal.SIGTERM, handler)
