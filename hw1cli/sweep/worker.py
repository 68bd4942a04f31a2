"""What a worker runs (a pool process or a Ray worker): one checked run request, and a structured result back.

The driver parses and checks every request (commands/requests.py) before anything runs; a worker only runs
`runner.run_request` on it, so it never re-enters the app or parses argv. Workers are reused between tasks:
torch is imported once per worker, not once per task.

- `run_point` (sweep points, `hw1 all` on Ray): the run writes into a temporary folder of the machine it runs
  on and its files come back as bytes; the driver puts them in place, so no shared filesystem is needed.
- `run_in_place` (`hw1 all --workers` on this machine): the run writes its own folder, as the sequential
  suite does, so reruns and --resume behave alike.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import socket
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hw1cli.output import recording_suite
from hw1cli.runner import STATUS_BY_CODE, RunRequest, run_request

# What every point needs, imported once per worker process (the local pool's fork server, each Ray actor) so
# that no point pays it. torch._dynamo is what torch.optim imports on the first optimizer it builds: 2-4 s of
# CPU on this 2-core VM, which each worker's first point used to pay.
POINT_MODULES = ("torch", "torch._dynamo", "matplotlib.pyplot")


@dataclass(frozen=True)
class Task:
    """One run to do: a checked request, the words run.json records, and files to start from."""

    key: str  # unique name (the point's or experiment's folder name)
    request: RunRequest
    argv: tuple[str, ...]  # `EXPERIMENT options... -o FOLDER`: how run.json says to rerun it alone
    inputs: Mapping[str, bytes] = field(default_factory=dict)  # files the run starts from (an unfinished run to resume)
    suite_argv: tuple[str, ...] = ()  # the `hw1 all` command line an experiment belongs to (run.json "suite")
    suite_workers: int = 0  # and how many experiments it runs at once


@dataclass
class PointResult:
    """What a task sends back: how it went, its error line (empty if none) and, from `run_point`, its files."""

    status: str  # completed, diverged, failed or interrupted
    code: int
    files: dict[str, bytes] = field(default_factory=dict)
    error: str = ""
    seconds: float = 0.0  # the run's wall time on the worker
    host: str = ""
    pid: int = 0
    started: float = 0.0  # time.time() on the worker when the task began and ended (overhead accounting)
    ended: float = 0.0


def run_point(task: Task, threads: int) -> PointResult:
    """Run the task's request in a temporary folder with `threads` CPU threads, quietly; its files come back.
    The task's inputs (relative path -> bytes) are written into that folder first: an unfinished run it resumes."""
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="hw1-sweep-") as tmp:
        folder = Path(tmp) / "run"
        for relative, data in task.inputs.items():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_bytes(data)
        request = dataclasses.replace(task.request, folder=folder, quiet=True)
        code, error = _run(request, task, threads)
        files = _collect(folder)
    return _result(code, error, started, files)


def run_in_place(task: Task, threads: int) -> PointResult:
    """Run the task's request in its own folder on this disk (`hw1 all --workers`), with `threads` CPU threads."""
    started = time.time()
    code, error = _run(task.request, task, threads)
    return _result(code, error, started, {})


def _run(request: RunRequest, task: Task, threads: int) -> tuple[int, str]:
    """The run, its output kept off the terminal (workers run at once: the driver shows progress); the last
    error line comes back as data."""
    import torch

    torch.set_num_threads(max(1, threads))
    errors: list[str] = []
    saved_argv = sys.argv
    sys.argv = ["hw1", *task.argv]  # run.json records how to rerun this run alone
    try:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()), \
                recording_suite(task.suite_argv, task.suite_workers) if task.suite_argv else contextlib.nullcontext():
            code = run_request(request, in_suite=True, errors=errors)  # in_suite: handlers come back after
    finally:
        sys.argv = saved_argv
    return code, errors[-1] if errors else ""


def _result(code: int, error: str, started: float, files: dict[str, bytes]) -> PointResult:
    return PointResult(STATUS_BY_CODE.get(code, "failed"), code, files, error, time.time() - started,
                       socket.gethostname(), os.getpid(), started, time.time())


def _collect(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
