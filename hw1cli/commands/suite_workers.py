"""`hw1 all --workers N`: the suite's experiments at once, on a local process pool or on Ray; rows in suite order.

On this machine each experiment runs its own command in its own folder (`run_in_place`), exactly as the
sequential suite runs it: a rerun keeps .previous/ until the new run stands, --resume continues where it
stopped. Ray workers share no disk with this one, so there an experiment runs in a temporary folder
(`run_point`), given the run's own files when it resumes, and its files come back file by file (`write_back`:
nothing else in the folder is touched); a failed rerun leaves the folder's earlier run in place, as the
sequential suite does.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hw1cli.configs.choices import choice
from hw1cli.errors import UsageError, print_error
from hw1cli.progress import ProgressView
from hw1cli.report import headline
from hw1cli.run_copy import resume_inputs, write_back
from hw1cli.run_record import RUN_FILE
from hw1cli.runner import EXIT_HANGUP, EXIT_INTERRUPTED, EXIT_TERMINATED, Terminated
from hw1cli.runner import STATUS_BY_CODE as RUN_STATUS_BY_CODE
from hw1cli.sweep.executor import Backend, LocalBackend, RayBackend, Task, run_tasks
from hw1cli.sweep.worker import PointResult, run_in_place, run_point

STATUS_BY_CODE = {**RUN_STATUS_BY_CODE, 2: "bad options"}  # an experiment's exit code, as the suite's table says it
BackendName = choice("SuiteBackend", ("local", "ray"))
# Like Ctrl-C, these stop the suite: what has not finished is cancelled (the pool's workers get SIGTERM).
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
Row = tuple[str, str, float, str]  # experiment, status, seconds, key numbers: one line of the suite's table


def threads_per_worker(workers: int) -> int:
    """torch CPU threads for each of `workers` experiments at once: the cores shared out (at least one each),
    so that N experiments do not fight over the cores as N x cores threads."""
    return max(1, (os.cpu_count() or 1) // workers)


def choose_backend(name: str, workers: int, address: str | None) -> Backend | None:
    """The backend for --workers/--backend/--address; None: one after another in this process, as before."""
    if workers < 1:
        raise UsageError(f"--workers must be at least 1, not {workers}")
    if name == "local":
        if address is not None:
            raise UsageError("--address needs --backend ray")
        return LocalBackend(workers, threads_per_worker(workers)) if workers > 1 else None
    try:
        import ray  # noqa: F401 - only to say clearly that it is missing
    except ImportError:
        raise UsageError("--backend ray needs Ray: pip install -e '.[ray]'") from None
    threads = threads_per_worker(workers)
    # A Ray started here gets workers x threads CPUs; each experiment asks for `threads` of them.
    return RayBackend(address, float(threads), 0.0, workers * threads)


def run_concurrently(backend: Backend, names: Sequence[str], argvs: Mapping[str, list[str]], refused: Mapping[str, str],
                     finished: Mapping[str, str], root: Path, quiet: bool) -> tuple[list[Row], int]:
    """Run the experiments in `argvs` (each its command's argv, with -o ROOT/NAME) at once: the sequential
    suite's rows for every name, in suite order, and 130/143 if interrupted, 1 if the backend itself
    failed, else 0. Ctrl-C or SIGTERM cancels what has not finished; what has stays."""
    before = {name: (name, "bad options", 0.0, f"{name}: {problem}") for name, problem in refused.items()}
    before.update({name: (name, status, 0.0, headline(name, root / name)) for name, status in finished.items()})
    on_ray = isinstance(backend, RayBackend)
    tasks = [_task(name, argvs[name], root / name, on_ray) for name in names if name in argvs]
    ran: dict[str, Row] = {}
    in_main = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.signal(sig, _raise_terminated) for sig in STOP_SIGNALS} if in_main else {}
    code = 0
    try:
        with ProgressView(quiet=quiet) as view:
            bar = view.task("hw1 all", total=len(names))
            bar.advance(len(names) - len(tasks))

            def record(task: Task, result: PointResult) -> None:
                ran[task.key] = _record(task.key, root / task.key, result, on_ray)
                bar.advance()

            run_tasks(tasks, backend, record, work=run_point if on_ray else run_in_place)
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    except Terminated as stop:
        code = stop.exit_code  # 143 for SIGTERM, 129 for SIGHUP, as the sequential suite exits
    except Exception as error:  # e.g. Ray cannot reach --address
        print_error(f"the suite's backend stopped: {' '.join(str(error).split())[:300]}")
        code = 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
    stopped = "interrupted" if code in (EXIT_INTERRUPTED, EXIT_TERMINATED, EXIT_HANGUP) else "failed"
    rows = [before.get(name) or ran.get(name) or (name, stopped, 0.0, "") for name in names]
    return rows, code


def _task(name: str, argv: list[str], folder: Path, on_ray: bool) -> Task:
    if not on_ray:
        return Task(name, (name, *argv), str(folder))
    at = argv.index("-o")  # run_point gives the run a temporary folder of the Ray worker instead
    resumes = "--resume" in argv and folder.is_dir()
    inputs = resume_inputs(folder) if resumes else {}  # the run's own plain files only, never through a link
    return Task(name, (name, *argv[:at], *argv[at + 2:]), str(folder), inputs)


def _record(name: str, folder: Path, result: PointResult, on_ray: bool) -> Row:
    """Print what went wrong, put a Ray run's files in place, and make its row."""
    if on_ray:
        if result.error:
            print_error(result.error, where=name)
        if result.files and not (result.status == "failed" and (folder / RUN_FILE).exists()):
            for left in write_back(folder, result.files):  # file by file: the rest of the folder stays as it is
                print_error(f"{folder / left} is not a plain file hw1 wrote; left as it is, the run's copy not written", where=name)
    elif result.error:
        print(result.error, file=sys.stderr)  # the worker's own lines, already "Error: NAME: ..."
    status = STATUS_BY_CODE.get(result.code, "failed")
    return name, status, result.seconds, headline(name, folder) if result.code in (0, 3) else ""


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated(signum)
