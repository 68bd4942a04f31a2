"""hw1 from Python (a notebook, a script): run an experiment with keyword options, or load a finished run,
suite or sweep folder, and get its tables, claims, figures and folder back.

    >>> from hw1cli import api
    >>> run = api.run("mnist", quick=True, dataset="digits", output_dir="outputs/mnist")
    >>> run.status, run.summary[0]["test_acc"], [c.verdict for c in run.claims]
    >>> run.summary_frame()            # a pandas DataFrame when pandas is installed
    >>> api.load("outputs").runs["mnist"].figures

This is the command line's own path, not a second implementation: the keyword options become the
experiment's argv (`epochs=2` is `--epochs 2`, `model=["shallow", "deep"]` is `--model shallow --model deep`,
`download=False` or `no_download=True` is `--no-download`), parsed and checked by the same code as
`hw1 mnist ...`, and run by the same runner; a bad option raises `UsageError` with the message the CLI prints
after "Error: ". Options of the command line alone (print_config, help, json, debug) are refused: a call
returns a Run or raises.
"""

from __future__ import annotations

import io
import os
import signal
import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hw1cli import registry, signals
from hw1cli.claims.verdicts import ClaimResult
from hw1cli.errors import DataError, Hw1Error, UsageError
from hw1cli.folder_read import Unreadable, read_csv_rows, read_json, read_text
from hw1cli.phone_layout import is_phone_copy
from hw1cli.run_folders import judge_folder
from hw1cli.run_record import read_run

# What these do on the command line (print and exit, a JSON document on stdout, a traceback on the terminal)
# has no meaning for a call that returns a Run or raises: each is refused, saying what to do instead.
CLI_ONLY = {
    "print_config": "it prints the config and exits without running (hw1 {experiment} --print-config); api.run runs",
    "help": "see help(api.run) for the API, or hw1 {experiment} --help for the options",
    "json": "it prints a JSON document on stdout; api.run returns a Run (its .record is run.json)",
    "debug": "it prints a traceback on the terminal; api.run raises RunFailed with the error line",
}

__all__ = ["Hw1Error", "Run", "RunFailed", "Suite", "Sweep", "UsageError", "experiments", "load", "run"]


class RunFailed(Hw1Error):
    """A run that started but did not complete (data missing, disk full, diverged, interrupted...)."""

    def __init__(self, message: str, exit_code: int, folder: Path) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.folder = folder


def experiments() -> list[str]:
    """The experiments' names, in the homework's order."""
    return registry.names()


@dataclass
class Run:
    """One run folder: `hw1 NAME -o FOLDER`'s files, read back."""

    folder: Path
    experiment: str
    record: dict[str, Any]  # run.json: the resolved config, versions, timings, status

    @property
    def status(self) -> str:
        return str(self.record.get("status", "unknown"))

    @property
    def config(self) -> dict[str, Any]:
        return dict(self.record.get("config") or {})

    @property
    def summary(self) -> list[dict[str, str]]:
        """summary.csv: one row per model/run (values as the CSV holds them, strings)."""
        return _rows(self.folder / "summary.csv")

    @property
    def metrics(self) -> list[dict[str, str]]:
        """metrics.csv: one row per model/run and epoch or iteration."""
        return _rows(self.folder / "metrics.csv")

    @property
    def claims(self) -> list[ClaimResult]:
        """The experiment's claims judged on this folder now (verdict, evidence, seeds)."""
        return judge_folder(self.experiment, self.folder, self.record)

    @property
    def figures(self) -> list[Path]:
        """The run's figures (PNG), without their phone layouts (NAME.phone.png, for the report)."""
        return sorted(p for p in self.folder.glob("*.png") if p.is_file() and not p.is_symlink()
                      and not is_phone_copy(p.name))

    def summary_frame(self) -> Any:
        """summary.csv as a pandas DataFrame (numbers parsed); needs pandas."""
        return _frame(self.folder / "summary.csv", ".summary, .metrics")

    def metrics_frame(self) -> Any:
        return _frame(self.folder / "metrics.csv", ".summary, .metrics")

    def show(self) -> None:
        """The figures, inline in a notebook (IPython's display), else their paths, one a line."""
        if not _in_ipython():  # a script or a plain python prompt: display() would print "<...Image object>"
            for path in self.figures:
                print(path)
            return
        from IPython.display import Image, display

        for path in self.figures:
            display(Image(filename=str(path)))


@dataclass
class Suite:
    """A root holding run folders (`hw1 all -o ROOT`), and any sweep folders in it."""

    folder: Path
    runs: dict[str, Run] = field(default_factory=dict)  # by folder name (the experiment's, under hw1 all)
    sweeps: dict[str, Sweep] = field(default_factory=dict)

    @property
    def claims(self) -> list[ClaimResult]:
        return [claim for run in self.runs.values() for claim in run.claims]


@dataclass
class Sweep:
    """A sweep folder (`hw1 sweep ... -o FOLDER`): its table and its points' runs."""

    folder: Path
    record: dict[str, Any]  # sweep.json

    @property
    def table(self) -> list[dict[str, str]]:
        return _rows(self.folder / "sweep.csv")

    def table_frame(self) -> Any:
        """sweep.csv as a pandas DataFrame (numbers parsed); needs pandas."""
        return _frame(self.folder / "sweep.csv", ".table")

    @property
    def points(self) -> dict[str, Run]:
        found = {}
        for row in self.table:
            name = row.get("point", "")
            # a name from a file is data, not a path: one plain folder of this sweep, not a link to elsewhere
            if name and "/" not in name and name not in (".", "..") and not (self.folder / name).is_symlink():
                run = _run_in(self.folder / name)
                if run is not None:
                    found[name] = run
        return found


def load(folder: str | Path) -> Run | Suite | Sweep:
    """A run folder, a sweep folder, or a root of them (a suite), read back. Raises UsageError if none."""
    path = Path(folder)
    if (path / "sweep.json").is_file():
        return Sweep(path, _json(path / "sweep.json"))
    run = _run_in(path)
    if run is not None:
        return run
    suite = Suite(path)
    children = sorted(p for p in path.iterdir() if p.is_dir() and not p.is_symlink()) if path.is_dir() else []
    for child in children:
        if (child / "sweep.json").is_file():
            suite.sweeps[child.name] = Sweep(child, _json(child / "sweep.json"))
        elif (found := _run_in(child)) is not None:
            suite.runs[child.name] = found
    if not suite.runs and not suite.sweeps:
        raise UsageError(f"no hw1 run, suite or sweep folder at {path}")
    return suite


def run(experiment: str, *, output_dir: str | Path | None = None, quiet: bool = True, **options: Any) -> Run:
    """Run `hw1 EXPERIMENT` with these options (the CLI's names with '_' for '-', the CLI's defaults) and
    return its folder read back. Raises UsageError for a bad option (nothing is written) and RunFailed when
    the run does not complete (an interrupted run: exit code 130, or 143 for SIGTERM); a diverged model is a
    finished run whose status says so. The caller's signal handlers and sys.argv are as they were afterwards."""
    from hw1cli.commands.requests import command_for, parse_request
    from hw1cli.runner import run_request

    record = registry.find(experiment)
    if record is None:
        raise UsageError(f"unknown experiment {experiment!r}; choose from {', '.join(registry.names())}")
    for name in [n for n in options if n in CLI_ONLY]:
        if options.pop(name):  # a false one (debug=False) asks for what api.run does anyway
            raise UsageError(f"{name} is an option of the command line only: {CLI_ONLY[name].format(experiment=experiment)}")
    options["quiet"] = quiet
    argv = to_argv(command_for(record), options)
    if output_dir is not None:
        argv += ["-o", str(output_dir)]
    request = parse_request(record, argv, check=True)
    if output_dir is None:
        argv += ["-o", str(request.folder)]  # run.json's command reruns it into the same folder
    errors: list[str] = []
    code = 1
    saved_handlers = _signal_handlers()  # the runner leaves them deferred for a CLI process about to exit
    saved_argv = sys.argv
    sys.argv = ["hw1", experiment, *argv]  # run.json's "argv": this run's own command, as a sweep point's
    try:
        code = run_request(request, errors=errors)
    finally:
        sys.argv = saved_argv
        code = signals.restore(saved_handlers, code)
    if code not in (0, 3):  # 3: a model diverged, which the run records; the caller reads its status
        raise RunFailed(errors[-1] if errors else f"hw1 {experiment} ended with exit code {code}", code, request.folder)
    found = _run_in(request.folder)
    assert found is not None, f"{request.folder} has no run.json after a run"
    return found


def to_argv(command: Any, options: Mapping[str, Any]) -> list[str]:
    """Keyword options as the command's argv. A name the command does not know is passed as --name, so click
    refuses it with the CLI's own words. An on/off option takes True or False (no_NAME=True is --no-NAME),
    a repeatable one a value or a collection of them, any other one value."""
    by_name = {p.name: p for p in command.params}
    argv: list[str] = []
    for name, value in options.items():
        if value is None:
            continue
        param = by_name.get(name)
        negated = by_name.get(name[3:]) if param is None and name.startswith("no_") else None
        if negated is not None and _is_flag(negated):  # no_download=True: --no-download
            _on_off(name, value)
            if not negated.secondary_opts:
                raise UsageError(f"{name} is not an option: pass {name[3:]}={not value}")
            if name[3:] in options and options[name[3:]] is not None:
                raise UsageError(f"pass {name[3:]} or {name}, not both")
            argv.append(negated.secondary_opts[0] if value else negated.opts[0])
            continue
        flag = param.opts[0] if param is not None and param.opts else f"--{name.replace('_', '-')}"
        if param is not None and _is_flag(param):
            _on_off(name, value)
            if value:
                argv.append(flag)
            elif param.secondary_opts:
                argv.append(param.secondary_opts[0])
            continue
        several = _several(value)
        if several and param is not None and not getattr(param, "multiple", False):
            raise UsageError(f"{name} takes one value, not a {type(value).__name__}")
        if isinstance(value, (set, frozenset)):  # no order of its own (a str's hash varies by process): a fixed one
            value = sorted(value, key=str)
        for item in (value if several else [value]):
            argv += [flag, str(item)]
    return argv


def _is_flag(param: Any) -> bool:
    return bool(getattr(param, "is_flag", False)) and not getattr(param, "count", False)


def _on_off(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise UsageError(f"{name} is an on/off option: pass True or False, not {value!r}")


def _several(value: Any) -> bool:
    """A collection of values (list, tuple, set, a generator...), not one value (a string, a path, a number)."""
    return isinstance(value, Iterable) and not isinstance(value, (str, bytes, Path, Mapping))


def _signal_handlers() -> dict[int, Any]:
    """The handlers of the signals a run handles, to put back after it (only the main thread may set them)."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {sig: signal.getsignal(sig) for sig in signals.HANDLED}


def _in_ipython() -> bool:
    """Whether an IPython shell (a notebook's kernel, the ipython prompt) is running in this process."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None


def _run_in(folder: Path) -> Run | None:
    record = read_run(folder)
    if record is None or not isinstance(record.get("command"), str) or registry.find(record["command"]) is None:
        return None
    return Run(folder, record["command"], record)


# A run folder is data someone else may have made: its files are read through folder_read (plain files
# inside the folder, never through a link, bounded in size and nesting).
def _rows(path: Path) -> list[dict[str, str]]:
    try:
        return read_csv_rows(path)  # a missing file: no rows
    except Unreadable as error:
        raise DataError(f"{path.parent}: {error}") from None


def _json(path: Path) -> dict[str, Any]:
    try:
        value = read_json(path)
    except Unreadable:
        return {}
    return value if isinstance(value, dict) else {}


def _frame(path: Path, rows: str) -> Any:
    """`path` as a DataFrame; `rows` names the attributes that hold the same rows without pandas."""
    try:
        import pandas
    except ImportError:
        raise ImportError(f"pandas is not installed: pip install pandas (or use the rows: {rows})") from None
    if not os.path.lexists(path):
        return pandas.DataFrame()
    try:
        text = read_text(path)
    except Unreadable as error:
        raise DataError(f"{path.parent}: {error}") from None
    return pandas.read_csv(io.StringIO(text))

