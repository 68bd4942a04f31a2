"""One experiment run from a checked request: the folder, signals, run.json, the experiment, the summary table.

Used by every experiment command and by `hw1 all` (in-process, one request per experiment). Nothing here
imports torch at module level: the device and the training code are loaded when a run starts.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hw1cli import signals
from hw1cli.claims import write_claims
from hw1cli.errors import Hw1Error, print_error
from hw1cli.output import RunOutput, check_folder, check_resumable
from hw1cli.run_record import is_finished
from hw1cli.signals import Terminated

if TYPE_CHECKING:
    from rich.table import Table

    from hw1cli.registry import Experiment

EXIT_DIVERGED = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
EXIT_HANGUP = 129
# A run's exit code as the status tables of `hw1 all` and `hw1 sweep` say it (anything else: failed).
STATUS_BY_CODE = {0: "completed", EXIT_DIVERGED: "diverged", EXIT_INTERRUPTED: "interrupted",
                  EXIT_TERMINATED: "interrupted", EXIT_HANGUP: "interrupted"}


@dataclass(frozen=True)
class RunRequest:
    """What one run was asked to do, with every option already checked into `config`."""

    experiment: Experiment
    config: Any  # the experiment's frozen config
    folder: Path  # its run folder
    quick: bool = False
    quiet: bool = False
    force: bool = False
    resume: bool = False
    debug: bool = False
    threads: int | None = None  # torch CPU threads; None: the free cores (runtime.default_threads)

    @property
    def name(self) -> str:
        return self.experiment.name


def check_request(request: RunRequest) -> None:
    """Every check that needs no data and writes nothing (folder, resume, device): `hw1 all` runs this for
    each experiment before anything trains. Raises Hw1Error."""
    from hw1cli.runtime import resolve_device  # imports torch: only once options are known good

    resolve_device(request.config.device)
    previous_run = check_folder(request.folder, request.name, force=request.force, resume=request.resume)
    if request.resume and previous_run is not None:
        check_resumable(previous_run, request.config)


def run_request(request: RunRequest, *, in_suite: bool = False) -> int:
    """Run it; returns the exit code. Errors are printed (one line) here; in a suite they name the experiment."""
    where = request.name if in_suite else ""
    out: RunOutput | None = None
    try:
        from hw1cli.runtime import device_description, resolve_device, seed_everything

        device = resolve_device(request.config.device)
        out = RunOutput(request.folder, request.name, force=request.force, resume=request.resume)
        out.check_resumable(request.config)
        previous_run = out.previous if out.resume else None
        if previous_run is not None and is_finished(previous_run) and previous_run.get("command") == request.name:
            # Scripts rerun with --resume after a crash: what already finished is kept, not trained again.
            print(f"Nothing to resume: {out.directory} holds a finished run ({previous_run.get('status')}); "
                  "rerun without --resume to start over.", file=sys.stderr)
            out.release()  # [reliability hook] free the folder lock
            return 0
        seed_everything(request.config.seed)
        run = request.experiment.load_run()
    except Exception as error:  # ours (usage, data, folder) with their exit code; anything else is internal (1)
        if out is not None:
            out.discard()
            out.release()  # [reliability hook] free the folder lock
        print_error(error, where=where, debug=request.debug)
        return error.exit_code if isinstance(error, Hw1Error) else 1
    return _run_in_folder(request, out, run, device_description(device), device, where=where, in_suite=in_suite)


def _run_in_folder(request: RunRequest, out: RunOutput, run: Any, described: str, device: Any, *, where: str,
                   in_suite: bool) -> int:
    """The run itself, with SIGTERM and SIGHUP handled like Ctrl-C; run.json always ends in a final state."""
    from hw1cli.context import RunContext
    from hw1cli.progress import ProgressView
    from hw1cli.runtime import run_threads

    previous = signals.install()  # [reliability hook] SIGINT/SIGTERM/SIGHUP raise; a second one waits
    status, code = "failed", 1
    try:
        # A resumed run keeps the thread count it started with: the count changes the float sums of some
        # operations, and a resumed run must give the numbers of an uninterrupted one.
        previous_threads = (out.previous or {}).get("threads") if out.resume else None
        wanted = request.threads if request.threads is not None else previous_threads
        with run_threads(wanted if isinstance(wanted, int) and wanted > 0 else None) as threads, \
                ProgressView(quiet=request.quiet) as view:
            out.start(request.config, described, extra={"quick": request.quick, "threads": threads})
            rows = list(run(request.config, RunContext(out=out, device=device, view=view)))
        out.clear_checkpoints()  # they only serve --resume of an unfinished run
        write_claims(request.name, out)  # claims.csv: the experiment's claims judged on this run's files
        diverged = [r for r in rows if r.get("status") == "diverged"]
        status, code = ("diverged", EXIT_DIVERGED) if diverged else ("completed", 0)
        if not request.quiet and not in_suite:
            _print_summary(request.name, rows, out.directory)
        if diverged:
            print(f"Warning: {len(diverged)} of {len(rows)} models diverged (non-finite loss); see summary.csv",
                  file=sys.stderr)
    except KeyboardInterrupt:
        status, code = "interrupted", EXIT_INTERRUPTED
        print(f"Interrupted: finished rows are in {out.directory}; continue with --resume", file=sys.stderr)
    except Terminated as stop:
        status, code = "interrupted", stop.exit_code
        print(f"Terminated ({stop.name}): finished rows are in {out.directory}; continue with --resume", file=sys.stderr)
    except Hw1Error as error:
        status, code = "failed", error.exit_code
        print_error(error, where=where, debug=request.debug)
    except Exception as error:
        print_error(error, where=where, debug=request.debug)
    finally:
        signals.defer()  # [reliability hook] no signal may cut the recording of the run's end short
        code = out.conclude(status, code)  # [reliability hook] undo or record the run, free the folder
        # hw1 all runs more experiments in this process: its handlers come back; a single run exits deferred.
        code = signals.restore(previous, code) if in_suite else signals.settle(code)
    return code


def _print_summary(command: str, rows: Sequence[Mapping[str, Any]], folder: Path) -> None:
    from rich.console import Console

    console = Console(width=None if sys.stdout.isatty() else 160)
    console.print(summary_table(command, rows))
    console.print(f"Outputs in {folder}/")


def summary_table(command: str, rows: Sequence[Mapping[str, Any]]) -> Table:
    from rich.table import Table

    table = Table(title=f"hw1 {command}: summary")
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    for name in columns:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*[_cell(row.get(c)) for c in columns])
    return table


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)
