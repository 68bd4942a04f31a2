"""One experiment run from a checked request: the folder, signals, run.json, the experiment, the summary table.

Used by every experiment command and by `hw1 all` (in-process, one request per experiment). Nothing here
imports torch at module level: the device and the training code are loaded when a run starts.
"""

from __future__ import annotations

import contextlib
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hw1cli import provenance, signals
from hw1cli.claims import write_claims
from hw1cli.errors import Hw1Error, describe_error, print_error
from hw1cli.output import RunOutput, check_folder, check_resumable
from hw1cli.run_record import is_finished, read_run
from hw1cli.signals import Terminated

if TYPE_CHECKING:
    from rich.table import Table

    from hw1cli.registry import Experiment
    from hw1cli.tracking import TrackerSpec
    from hw1cli.tracking.session import Tracking

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
    json: bool = False  # the command prints one JSON document on stdout: no table there
    log_to: tuple[TrackerSpec, ...] = ()  # --log-to: trackers fed live (checked when the options were parsed)

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


def run_request(request: RunRequest, *, in_suite: bool = False, errors: list[str] | None = None) -> int:
    """Run it; returns the exit code. Errors are printed (one line) here, in a suite naming the experiment;
    given `errors`, their lines are appended there instead (a sweep worker returns them as data)."""
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
        _report(error, where, request.debug, errors)
        return error.exit_code if isinstance(error, Hw1Error) else 1
    return _run_in_folder(request, out, run, device_description(device), device, where=where, in_suite=in_suite,
                          errors=errors)


def _report(error: BaseException, where: str, debug: bool, errors: list[str] | None) -> None:
    if errors is None:
        print_error(error, where=where, debug=debug)
    else:
        errors.append(describe_error(error))


def _run_in_folder(request: RunRequest, out: RunOutput, run: Any, described: str, device: Any, *, where: str,
                   in_suite: bool, errors: list[str] | None) -> int:
    """The run itself, with SIGTERM and SIGHUP handled like Ctrl-C; run.json always ends in a final state."""
    from hw1cli.context import RunContext
    from hw1cli.progress import ProgressView

    previous = signals.install()  # [reliability hook] SIGINT/SIGTERM/SIGHUP raise; a second one waits
    status, code = "failed", 1
    tracking: Tracking | None = None
    try:
        provenance.forget_reads()
        out.start(request.config, described, extra={"quick": request.quick, **provenance.environment_record(device)})
        tracking = _start_tracking(request, out)
        with ProgressView(quiet=request.quiet) as view:
            rows = list(run(request.config, RunContext(out=out, device=device, view=view)))
        out.clear_checkpoints()  # they only serve --resume of an unfinished run
        write_claims(request.name, out)  # claims.csv: the experiment's claims judged on this run's files
        diverged = [r for r in rows if r.get("status") == "diverged"]
        status, code = ("diverged", EXIT_DIVERGED) if diverged else ("completed", 0)
        if not request.quiet and not request.json and not in_suite:
            _print_summary(request.name, rows, out.directory)
        if diverged:
            print(f"Warning: {len(diverged)} of {len(rows)} models diverged (non-finite loss); see summary.csv",
                  file=sys.stderr)
    except KeyboardInterrupt:
        status, code = "interrupted", EXIT_INTERRUPTED
        print(f"Interrupted: finished rows are in {out.directory}; continue with {_resume_hint(request, in_suite)}",
              file=sys.stderr)
    except Terminated as stop:
        status, code = "interrupted", stop.exit_code
        print(f"Terminated ({stop.name}): finished rows are in {out.directory}; continue with "
              f"{_resume_hint(request, in_suite)}", file=sys.stderr)
    except Hw1Error as error:
        status, code = "failed", error.exit_code
        _report(error, where, request.debug, errors)
    except Exception as error:
        _report(error, where, request.debug, errors)
    finally:
        signals.defer()  # [reliability hook] no signal may cut the recording of the run's end short
        _note_data_files(out)
        code = out.conclude(status, code)  # [reliability hook] undo or record the run, free the folder
        _say_history(out)
        if tracking is not None:  # after run.json is final: the trackers get the figures, tables and verdicts
            tracking.close(status)
        # hw1 all runs more experiments in this process: its handlers come back; a single run exits deferred.
        code = signals.restore(previous, code) if in_suite else signals.settle(code)
    return code


def _resume_hint(request: RunRequest, in_suite: bool) -> str:
    """The command to paste: run.json holds the options, so --resume and the folder are all it needs."""
    if in_suite:
        return "--resume"  # the suite's own command line continues every experiment (hw1 all --resume -o ...)
    return f"hw1 {request.name} --resume -o {shlex.quote(str(request.folder))}"


def _say_history(out: RunOutput) -> None:
    """One line when the replaced run had other options: it was kept, and where (stderr: stdout may be --json)."""
    entry = out.kept_in_history
    if entry is not None:
        print(f"Kept the previous run ({entry.describe()}) in {entry.folder}/", file=sys.stderr)


def _note_data_files(out: RunOutput) -> None:
    """run.json gets a SHA-256 of each data file the run read (hashed once; interrupted runs read them too)."""
    checksums = provenance.data_checksums()
    if checksums:
        with contextlib.suppress(OSError):  # a full disk: conclude() still records the end, and says so
            out.note(data_files=checksums)


def _start_tracking(request: RunRequest, out: RunOutput) -> Tracking | None:
    """--log-to: the trackers, fed each metrics row as it is written (never failing or slowing the run)."""
    if not request.log_to:
        return None
    from hw1cli.run_record import jsonable
    from hw1cli.tracking.session import Tracking

    record = read_run(out.directory) or {}
    tracking = Tracking(request.log_to, command=request.name, folder=out.directory,
                        started_at=str(record.get("started_at", "")), config=jsonable(request.config),
                        store_root=out.directory.resolve().parent)
    out.row_listener = tracking.row
    return tracking


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
