"""Options shared by every experiment command (declared once), the command built from a registry entry, and
the checked request its options make. Torch-free: `--help` and usage errors never load the libraries that train."""

from __future__ import annotations

import dataclasses
import enum
import functools
import inspect
import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hw1cli.commands.click_compat import ParameterSource
from hw1cli.configs.choices import DATASETS, choice
from hw1cli.errors import Hw1Error, UsageError, print_error
from hw1cli.runner import RunRequest, run_request

if TYPE_CHECKING:
    from hw1cli.registry import Experiment

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
ThreadsOpt = Annotated[
    int | None,
    typer.Option(min=1, envvar="HW1_THREADS",
                 help="torch CPU threads (default: the cores nothing else is busy on; 1 on a crowded machine).",
                 rich_help_panel=COMMON),
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show the full traceback on errors.", rich_help_panel=COMMON)]

DatasetChoice = choice("Dataset", DATASETS)
DatasetOpt = Annotated[
    DatasetChoice,
    typer.Option(help="mnist, fashion-mnist, cifar10 (torchvision) or digits (scikit-learn, offline).", rich_help_panel=DATA),
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
    ("threads", ThreadsOpt, None),
)
DATA_PARAMETERS = tuple((name, kind, None) for name, kind in (
    ("dataset", DatasetOpt), ("data_dir", DataDirOpt), ("download", DownloadOpt), ("subset", SubsetOpt),
    ("test_subset", TestSubsetOpt), ("tile", TileOpt),
))
# Options that steer the run itself rather than the experiment; everything else is a config field.
RUNTIME_OPTIONS = ("output_dir", "quick", "quiet", "force", "resume", "debug", "threads")
# Sub-runs use seed+i, and numpy takes seeds below 2**32: keep well inside every generator's range.
MAX_SEED = 2**31


def experiment_command(experiment: Experiment) -> Callable[..., None]:
    """The Typer command of a registry entry: its own options (from `experiment.options`, whose docstring
    is the --help text), then the shared options (and, for data-based ones, the dataset options) with the
    config's defaults; every call builds a checked request and runs it."""
    declare = experiment.load_options()
    own = list(inspect.signature(declare, eval_str=True).parameters.values())
    shared = [(name, kind, getattr(experiment.config, name, fallback)) for name, kind, fallback in (
        *(DATA_PARAMETERS if experiment.data else ()), *COMMON_PARAMETERS)]
    extra = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=k, default=_typer_default(k, d))
             for n, k, d in shared]
    context = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)

    @functools.wraps(declare)
    def command_function(ctx: typer.Context, **_: Any) -> None:
        try:
            request = request_from(ctx, experiment)
        except Hw1Error as error:
            print_error(error, debug=ctx.params.get("debug", False))
            raise typer.Exit(error.exit_code) from None
        code = run_request(request)
        if code:
            raise typer.Exit(code)

    parameters = [context, *[p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own], *extra]
    command_function.__signature__ = inspect.Signature(parameters, return_annotation=None)  # type: ignore[attr-defined]
    command_function.__annotations__ = {p.name: p.annotation for p in parameters}
    return command_function


def _typer_default(annotation: Any, default: Any) -> Any:
    """A choice option's default as its Enum member (the config holds the plain string)."""
    base = annotation.__origin__ if hasattr(annotation, "__metadata__") else annotation
    if isinstance(base, type) and issubclass(base, enum.Enum) and isinstance(default, str):
        return base(default)
    return default


def request_from(ctx: typer.Context, experiment: Experiment) -> RunRequest:
    """The checked request a command's parsed options make: its config and how to run it (no I/O)."""
    params = ctx.params
    config = build_config(ctx, experiment.config, experiment.quick)
    return RunRequest(
        experiment=experiment, config=config, folder=params["output_dir"] or Path("outputs") / experiment.name,
        quick=params["quick"], quiet=params["quiet"], force=params["force"], resume=params["resume"],
        debug=params["debug"], threads=params["threads"],
    )


def build_config(ctx: typer.Context, config_class: type, quick: Mapping[str, Any]) -> Any:
    """The config from the command's options; with --quick the preset replaces values left at default."""
    values = {k: _plain(v) for k, v in ctx.params.items() if k not in RUNTIME_OPTIONS}
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


def _plain(value: Any) -> Any:
    """Choice options arrive as Enum members; configs hold their plain values."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def refuse_unused_options(given: set[str], mode: str, unused: Iterable[str]) -> None:
    """An option the chosen mode ignores (e.g. --model with --task sinc) is a mistake to report, not to drop."""
    ignored = sorted(given & set(unused))
    if ignored:
        names = ", ".join(f"--{name.replace('_', '-')}" for name in ignored)
        raise UsageError(f"{names} {'has' if len(ignored) == 1 else 'have'} no effect with {mode}; leave "
                         f"{'it' if len(ignored) == 1 else 'them'} out")
