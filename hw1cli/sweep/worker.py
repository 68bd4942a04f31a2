"""Run one sweep point where it is scheduled (a pool process or a Ray worker) and hand its files back.

The point runs the experiment's own command in-process (`hw1 EXPERIMENT ... -o TMP`), so its files are
exactly the command's. It writes into a temporary folder of the machine it runs on and returns the files
as bytes: the driver writes them into the sweep folder, so no shared filesystem is needed. Workers are
reused between points, so torch is imported once per worker, not once per point.

`run_in_place` is the other kind of work, for `hw1 all --workers` on this machine: the experiment runs in its
own folder (the -o in its argv) exactly as the sequential suite runs it, so reruns and --resume behave alike.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class PointResult:
    """What a point sends back: its files (relative path -> bytes) and how it went."""

    status: str  # completed, diverged, failed or interrupted
    code: int
    files: dict[str, bytes] = field(default_factory=dict)
    error: str = ""
    seconds: float = 0.0  # the command's wall time on the worker
    host: str = ""
    pid: int = 0
    started: float = 0.0  # time.time() on the worker when the point began and ended (overhead accounting)
    ended: float = 0.0


def run_point(argv: list[str], threads: int, shown_output: str, inputs: Mapping[str, bytes] | None = None) -> PointResult:
    """Run `hw1 ARGV -o <temporary folder> --quiet` with `threads` CPU threads; `shown_output` is the folder
    run.json's argv names (the point's folder in the sweep), so the record says how to rerun the point alone.
    `inputs` (relative path -> bytes) are written into the folder first: an unfinished run that ARGV resumes."""
    import torch
    import typer

    from hw1cli.cli import app

    started = time.time()
    torch.set_num_threads(max(1, threads))
    group = typer.main.get_command(app)
    errors = io.StringIO()
    saved_argv = sys.argv
    with tempfile.TemporaryDirectory(prefix="hw1-sweep-") as tmp:
        folder = Path(tmp) / "run"
        for relative, data in (inputs or {}).items():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_bytes(data)
        sys.argv = ["hw1", *argv, "-o", shown_output]
        handlers = _signal_handlers()  # a lone command leaves signals deferred; this worker runs more points
        try:
            with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
                code = group.main([*argv, "-o", str(folder), "--quiet"], prog_name="hw1", standalone_mode=False)
        finally:
            sys.argv = saved_argv
            _put_back(handlers)
        code = code if isinstance(code, int) else 0
        seconds = time.time() - started
        files = _collect(folder)
        status = _status(code)
    lines = [line for line in errors.getvalue().splitlines() if line.strip()]
    error = lines[-1].removeprefix("Error: ") if status in ("failed", "interrupted") and lines else ""
    return PointResult(status, code, files, error, seconds, socket.gethostname(), os.getpid(), started, time.time())


def run_in_place(argv: list[str], threads: int, shown_output: str, inputs: Mapping[str, bytes] | None = None) -> PointResult:
    """Run `hw1 NAME OPTIONS` (argv, with its own -o) as `hw1 all` runs an experiment, with `threads` CPU
    threads. Its stderr (one line per error, named after the experiment) comes back in `error` for the suite
    to print; `shown_output` and `inputs` are unused: the run reads and writes its folder on this disk."""
    import torch
    import typer

    from hw1cli import registry
    from hw1cli.cli import app
    from hw1cli.commands.options import request_from
    from hw1cli.runner import run_request

    started = time.time()
    torch.set_num_threads(max(1, threads))
    name, *options = argv
    command = typer.main.get_command(app).commands[name]
    errors = io.StringIO()
    saved_argv = sys.argv
    sys.argv = ["hw1", *argv]  # run.json records how to rerun this experiment alone
    try:
        with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
            # the suite checked these options already; parsing them again cannot fail
            with command.make_context(name, options) as context:
                request = request_from(context, registry.get(name))
            code = run_request(request, in_suite=True)
    finally:
        sys.argv = saved_argv
    return PointResult(_status(code), code, {}, errors.getvalue().strip(), time.time() - started,
                       socket.gethostname(), os.getpid(), started, time.time())


def _signal_handlers() -> dict[int, object]:
    from hw1cli.signals import HANDLED

    if threading.current_thread() is not threading.main_thread():
        return {}  # only the main thread has (and may set) handlers
    return {sig: signal.getsignal(sig) for sig in HANDLED}


def _put_back(handlers: dict[int, object]) -> None:
    for sig, handler in handlers.items():
        signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


def _collect(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _status(code: int) -> str:
    """The command's own exit codes: 0 completed, 3 diverged, 129/130/143 interrupted, anything else failed."""
    from hw1cli.runner import STATUS_BY_CODE

    return STATUS_BY_CODE.get(code, "failed")
