"""Options shared by every subcommand (declared once) and the one runner that turns a command into a run."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import signal
import sys
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hw1cli.commands.click_compat import ParameterSource
from hw1cli.context import RunContext
from hw1cli.errors import Hw1Error, UsageError
from hw1cli.output import RunOutput, check_folder, check_resumable, is_finished
from hw1cli.progress import ProgressView
from hw1cli.runtime import device_description, resolve_device, seed_everything

COMMON = "Common options"
DATA = "Data options"

DeviceOpt = Annotated[
    str, typer.Option(help="auto, cpu, cuda or cuda:N (auto picks CUDA when available).", rich_help_panel=COMMON)
]
SeedOpt = Annotated[int, typer.Option(help="Base random seed; sub-run i uses seed+i.", rich_help_panel=COMMON)]
OutputDirOpt = Annotated[
    Path | None,
    typer.Option("--output-dir", "-o", help="Output folder (default: outputs/<command>).", rich_help_panel=COMMON),
]
QuickOpt = Annotated[
    bool, typer.Option("--quick", help="Tiny preset that runs in seconds; options you give still win.", rich_help_panel=COMMON)
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars, notes or table.", rich_help_panel=COMMON)]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Write into a folder that holds other files or another command's outputs.", rich_help_panel=COMMON)
]
ResumeOpt = Annotated[
    bool, typer.Option("--resume", help="Continue an interrupted run in the same output folder.", rich_help_panel=COMMON)
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show the full traceback on errors.", rich_help_panel=COMMON)]

DatasetOpt = Annotated[
    str, typer.Option(help="mnist, fashion-mnist, cifar10 (torchvision) or digits (scikit-learn, offline).", rich_help_panel=DATA)
]
DataDirOpt = Annotated[Path, typer.Option(help="Folder torchvision reads (and downloads) datasets in.", rich_help_panel=DATA)]
DownloadOpt = Annotated[bool, typer.Option("--download/--no-download", help="Download missing dataset files.", rich_help_panel=DATA)]
SubsetOpt = Annotated[
    int | None, typer.Option(help="Train on a seeded, class-balanced subset of this size.", rich_help_panel=DATA)
]
TileOpt = Annotated[
    int | None,
    typer.Option(help="Repeat the training set up to this many images, to time full-size workloads (e.g. 60000).", rich_help_panel=DATA),
]
TestSubsetOpt = Annotated[
    int | None, typer.Option(help="Evaluate on a seeded, class-balanced test subset of this size.", rich_help_panel=DATA)
]

# The shared options every experiment command gets (name, type with its Typer option); defaults come from
# the experiment's config class where it has the field (seed, device, dataset...), else None/False below.
COMMON_PARAMETERS = (
    ("device", DeviceOpt, "auto"), ("seed", SeedOpt, 0), ("output_dir", OutputDirOpt, None), ("quick", QuickOpt, False),
    ("quiet", QuietOpt, False), ("force", ForceOpt, False), ("resume", ResumeOpt, False), ("debug", DebugOpt, False),
)
DATA_PARAMETERS = tuple((name, kind, None) for name, kind in (
    ("dataset", DatasetOpt), ("data_dir", DataDirOpt), ("download", DownloadOpt), ("subset", SubsetOpt),
    ("test_subset", TestSubsetOpt), ("tile", TileOpt),
))
# Options that steer the run itself rather than the experiment; everything else is a config field.
RUNTIME_OPTIONS = ("output_dir", "quick", "quiet", "force", "resume", "debug")
# Sub-runs use seed+i, and numpy takes seeds below 2**32: keep well inside every generator's range.
MAX_SEED = 2**31
EXIT_DIVERGED = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


@dataclasses.dataclass
class SuiteState:
    """Set while `hw1 all` runs: its own table replaces the experiments' tables. While `checking`, a command
    only builds its config (every option checked) and returns: the suite finds typos before anything trains."""

    running: bool = False
    checking: bool = False


SUITE = SuiteState()


class Terminated(BaseException):
    """SIGTERM, raised like KeyboardInterrupt so that the same clean-up runs."""


RunFunction = Callable[[Any, RunContext], Sequence[Mapping[str, Any]]]


def experiment_command(
    command: str, config_class: type, run: RunFunction, quick: Mapping[str, Any], *, data: bool
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Turn a function that declares only an experiment's own options into its Typer command.

    The decorated function's docstring is the --help text and its parameters are the experiment's options;
    the shared options (and, with `data`, the dataset options), declared once below with the config's
    defaults, are appended, and every call goes through `execute`.
    """

    def decorate(func: Callable[..., None]) -> Callable[..., None]:
        own = list(inspect.signature(func, eval_str=True).parameters.values())
        shared = [(name, kind, getattr(config_class, name, fallback)) for name, kind, fallback in (
            *(DATA_PARAMETERS if data else ()), *COMMON_PARAMETERS)]
        extra = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=k, default=d) for n, k, d in shared]
        context = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)

        @functools.wraps(func)
        def command_function(ctx: typer.Context, **_: Any) -> None:
            execute(ctx, command, config_class, run, quick)

        parameters = [context, *[p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own], *extra]
        command_function.__signature__ = inspect.Signature(parameters, return_annotation=None)  # type: ignore[attr-defined]
        command_function.__annotations__ = {p.name: p.annotation for p in parameters}
        return command_function

    return decorate


def build_config(ctx: typer.Context, config_class: type, quick: Mapping[str, Any]) -> Any:
    """The config from the command's options; with --quick the preset replaces values left at default."""
    values = {k: v for k, v in ctx.params.items() if k not in RUNTIME_OPTIONS}
    fields = {f.name for f in dataclasses.fields(config_class)}
    if ctx.params.get("quick"):
        for name, value in quick.items():
            if ctx.get_parameter_source(name) in (ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP, None):
                values[name] = value
                if f"{name}_is_limit" in fields:  # the preset's subsets are limits; yours stay exact
                    values[f"{name}_is_limit"] = True
    unknown = set(values) - fields
    assert not unknown, f"options without a config field: {unknown}"
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
    for name, value in values.items():
        # "nan" and "inf" parse as floats and slip through every "> 0" check: refuse them by name.
        if any(isinstance(v, float) and not math.isfinite(v) for v in (value if isinstance(value, tuple) else (value,))):
            raise UsageError(f"--{name.replace('_', '-')} must be a finite number, not {value}")
    if not 0 <= values.get("seed", 0) < MAX_SEED:
        raise UsageError(f"--seed must be between 0 and {MAX_SEED - 1}, not {values['seed']}")
    config = config_class(**values)
    given = {name for name in ctx.params if ctx.get_parameter_source(name) == ParameterSource.COMMANDLINE}
    if hasattr(config, "unused_options"):
        for mode, unused in config.unused_options():
            refuse_unused_options(given, mode, unused)
    return config


def refuse_unused_options(given: set[str], mode: str, unused: Iterable[str]) -> None:
    """An option the chosen mode ignores (e.g. --model with --task sinc) is a mistake to report, not to drop."""
    ignored = sorted(given & set(unused))
    if ignored:
        names = ", ".join(f"--{name.replace('_', '-')}" for name in ignored)
        raise UsageError(f"{names} {'has' if len(ignored) == 1 else 'have'} no effect with {mode}; leave "
                         f"{'it' if len(ignored) == 1 else 'them'} out")


def execute(ctx: typer.Context, command: str, config_class: type, run: RunFunction, quick: Mapping[str, Any]) -> None:
    """Build the config, prepare the folder, run the experiment, report; every failure becomes one line."""
    params = ctx.params
    debug = params.get("debug", False)
    console = Console(width=None if sys.stdout.isatty() else 160)
    out: RunOutput | None = None
    try:
        config = build_config(ctx, config_class, quick)
        device = resolve_device(config.device)
        folder = params["output_dir"] or Path("outputs") / command
        if SUITE.checking:  # reads only: no folder is made, nothing trains
            previous_run = check_folder(folder, command, force=params["force"], resume=params["resume"])
            if params["resume"] and previous_run is not None:
                check_resumable(previous_run, config)
            return
        out = RunOutput(folder, command, force=params["force"], resume=params["resume"])
        out.check_resumable(config)
        previous_run = out.previous if out.resume else None
        if previous_run is not None and is_finished(previous_run) and previous_run.get("command") == command:
            # Scripts rerun with --resume after a crash: what already finished is kept, not trained again.
            status = previous_run.get("status")
            print(f"Nothing to resume: {out.directory} holds a finished run ({status}); rerun without --resume to start over.",
                  file=sys.stderr)
            return
        seed_everything(config.seed)
    except Hw1Error as error:
        if out is not None:
            out.discard()
        _fail(error, error.exit_code, debug, command)
    assert out is not None
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    status, code = "failed", 1
    try:
        out.start(config, device_description(device), extra={"quick": params["quick"]})
        with ProgressView(quiet=params["quiet"]) as view:
            rows = list(run(config, RunContext(out=out, device=device, view=view)))
        out.clear_checkpoints()  # they only serve --resume of an unfinished run
        diverged = [r for r in rows if r.get("status") == "diverged"]
        status, code = ("diverged", EXIT_DIVERGED) if diverged else ("completed", 0)
        if not params["quiet"] and not SUITE.running:
            console.print(summary_table(command, rows))
            console.print(f"Outputs in {out.directory}/")
        if diverged:
            print(f"Warning: {len(diverged)} of {len(rows)} models diverged (non-finite loss); see summary.csv", file=sys.stderr)
    except KeyboardInterrupt:
        status, code = "interrupted", EXIT_INTERRUPTED
        print(f"Interrupted: finished rows are in {out.directory}; continue with --resume", file=sys.stderr)
    except Terminated:
        status, code = "interrupted", EXIT_TERMINATED
        print(f"Terminated: finished rows are in {out.directory}; continue with --resume", file=sys.stderr)
    except Hw1Error as error:
        status, code = "failed", error.exit_code
        _print_error(error, debug, command)
    except Exception as error:
        _print_error(error, debug, command)
    finally:
        signal.signal(signal.SIGTERM, previous)
        if status == "failed" and not out.resume and (code == 2 or out.has_previous):
            # A usage error leaves nothing behind; a failed rerun puts the last good run back.
            if out.discard() and code != 2:  # a usage error stays one line: nothing changing is expected
                print(f"The previous run's outputs in {out.directory} are unchanged.", file=sys.stderr)
        else:
            out.finish(status)
            if status != "failed":  # a failed --resume keeps any finished run still set aside in .previous/
                out.keep()
    if code:
        raise typer.Exit(code)


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def _fail(error: BaseException, code: int, debug: bool, command: str) -> None:
    _print_error(error, debug, command)
    raise typer.Exit(code)


def _print_error(error: BaseException, debug: bool, command: str) -> None:
    if debug:
        traceback.print_exception(error)
    where = f"{command}: " if SUITE.running else ""  # in `hw1 all`, say which experiment failed
    print(f"Error: {where}{describe_error(error)}", file=sys.stderr)


def describe_error(error: BaseException) -> str:
    """One line for any failure: ours verbatim, memory and internal errors with a hint."""
    text = " ".join(str(error).split())
    if isinstance(error, Hw1Error):
        return text
    if isinstance(error, MemoryError) or "out of memory" in text.lower():
        return "out of memory: use a smaller --batch-size, --subset or model, or --device cpu"
    return f"internal error ({type(error).__name__}: {text[:300]}); rerun with --debug for the traceback"


def summary_table(command: str, rows: Sequence[Mapping[str, Any]]) -> Table:
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
