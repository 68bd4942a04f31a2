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
    figure_formats: tuple[str, ...] = ("png",)  # --figure-format: every figure in each (the report embeds the PNG)
    threads: int | None = None  # torch CPU threads; None: the free cores (runtime.default_threads)

    @property
    def name(self) -> str:
        return self.experiment.name


def check_request(request: RunRequest) -> None:
    """Every check that needs no data and writes nothing (folder, resume, device): `hw1 all` runs this for
    each experiment before anything trains. Raises Hw1Error."""
    if request.config.device not in ("auto", "cpu"):  # those two always resolve: the driver needs no torch (2-3 s)
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
        out.figure_formats = request.figure_formats
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
    except (Exception, KeyboardInterrupt) as error:  # ours (usage, data, folder) with their exit code; else 1
        if out is not None:
            out.discard()
            out.release()  # [reliability hook] free the folder lock
        if isinstance(error, KeyboardInterrupt):  # Ctrl-C while torch or the experiment was still loading
            said = "Interrupted before the run started: nothing was written"
            if errors is None:
                print(f"{where + ': ' if where else ''}{said}", file=sys.stderr)
            else:
                errors.append(said)
            return EXIT_INTERRUPTED
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
    from hw1cli.allocator import freed_memory_kept
    from hw1cli.context import RunContext
    from hw1cli.progress import RUN_LOG, ProgressView, close_log, log_line, open_log
    from hw1cli.runtime import run_threads

    previous = signals.install()  # [reliability hook] SIGINT/SIGTERM/SIGHUP raise; a second one waits
    status, code = "failed", 1
    tracking: Tracking | None = None
    log = None  # run.log: what the run printed (notes, epoch lines, how it ended)
    try:
        # A resumed run keeps the thread count it started with: the count changes the float sums of some
        # operations, and a resumed run must give the numbers of an uninterrupted one.
        previous_threads = (out.previous or {}).get("threads") if out.resume else None
        wanted = request.threads if request.threads is not None else previous_threads
        provenance.forget_reads()
        with run_threads(wanted if isinstance(wanted, int) and wanted > 0 else None) as threads, freed_memory_kept():
            out.start(request.config, described, extra={"quick": request.quick, "threads": threads,
                                                        "figure_formats": list(request.figure_formats),
                                                        "log_to": [str(spec) for spec in request.log_to],
                                                        **provenance.environment_record(device)})
            tracking = _start_tracking(request, out)
            log = open_log(out.path(RUN_LOG), append=request.resume)
            log_line(log, f"hw1 {request.name} on {described}, output folder {out.directory}")
            with ProgressView(quiet=request.quiet, name=request.name, log=log) as view:
                rows = list(run(request.config, RunContext(out=out, device=device, view=view)))
        out.clear_checkpoints()  # they only serve --resume of an unfinished run
        write_claims(request.experiment, out)  # claims.csv: the experiment's claims judged on this run's files
        diverged = [r for r in rows if r.get("status") == "diverged"]
        status, code = ("diverged", EXIT_DIVERGED) if diverged else ("completed", 0)
        if not request.quiet and not request.json and not in_suite:
            _print_summary(request.experiment, rows, out.directory)
        if diverged:
            _say(log, f"Warning: {len(diverged)} of {len(rows)} models diverged (non-finite loss); see summary.csv")
    except KeyboardInterrupt:
        status, code = "interrupted", EXIT_INTERRUPTED
        _say(log, f"Interrupted: finished rows are in {out.directory}; continue with {_resume_hint(request, in_suite)}")
    except Terminated as stop:
        status, code = "interrupted", stop.exit_code
        _say(log, f"Terminated ({stop.name}): finished rows are in {out.directory}; continue with "
                  f"{_resume_hint(request, in_suite)}")
    except Exception as error:
        status, code = "failed", error.exit_code if isinstance(error, Hw1Error) else 1
        _report(error, where, request.debug, errors)
        log_line(log, f"Error: {describe_error(error)}")
    finally:
        signals.defer()  # [reliability hook] no signal may cut the recording of the run's end short
        _note_data_files(out)
        log_line(log, f"run ended: {status} (exit code {code})")
        close_log(log)
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
    from hw1cli.registry import unused_fields
    from hw1cli.run_record import jsonable
    from hw1cli.tracking.session import Tracking

    record = read_run(out.directory) or {}
    config = jsonable(request.config)
    tracking = Tracking(request.log_to, command=request.name, folder=out.directory,
                        started_at=str(record.get("started_at", "")), config=config,
                        store_root=out.directory.resolve().parent, ignored=unused_fields(request.name, config))
    out.row_listener = tracking.row
    return tracking


def _say(log: Any, message: str) -> None:
    """A line for the user on stderr, kept in run.log too."""
    from hw1cli.progress import log_line

    print(message, file=sys.stderr)
    log_line(log, message)


def _print_summary(experiment: Experiment, rows: Sequence[Mapping[str, Any]], folder: Path) -> None:
    """The run's summary rows, the key columns first; what does not fit the terminal is in summary.csv."""
    from hw1cli.tables import cell, markup_safe, print_table, table_console

    columns = list(dict.fromkeys(c for row in rows for c in row))
    keys = experiment.key_numbers
    priority = [*(keys.label_by if keys else ()), "model", *(keys.columns if keys else ()), "seed", "status"]
    console = table_console()
    print_table(console, f"hw1 {experiment.name}: summary", columns, [[cell(r.get(c)) for c in columns] for r in rows],
                priority=priority, style=lambda column, value: "red" if column == "status" and value == "diverged" else "",
                more=f"{folder}/summary.csv")
    console.print(f"Outputs in {markup_safe(folder)}/")
