"""Options shared by every experiment command (declared once), the command built from a registry entry, and
the checked request its options make. Torch-free: `--help` and usage errors never load the libraries that train."""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hw1cli.commands.click_compat import ParameterSource
from hw1cli.commands.config_file import read_config_file, to_toml, values_for
from hw1cli.commands.config_values import FieldKind, convert, field_kinds, suggest
from hw1cli.commands.json_output import emit, run_document
from hw1cli.commands.recorded import SUITE_FILE, Recorded, recorded_options
from hw1cli.configs.data import DataConfig
from hw1cli.errors import Hw1Error, UsageError, describe_error, print_error
from hw1cli.runner import RunRequest, run_request
from hw1cli.tracking.specs import KINDS, installed, parse_log_to
from hw1cli.validate import MAX_THREADS, require_device_name

if TYPE_CHECKING:
    from hw1cli.registry import Experiment

COMMON = "Common options"
DATA = "Data options"

DeviceOpt = Annotated[
    str, typer.Option(help="auto, cpu, cuda or cuda:N (auto picks CUDA when available).", rich_help_panel=COMMON,
                      metavar="<device>")
]
SeedOpt = Annotated[str, typer.Option(help="Base random seed; sub-run i uses seed+i.", rich_help_panel=COMMON, metavar="<int>")]
OutputDirOpt = Annotated[
    Path | None,
    typer.Option("--output-dir", "-o", help="Output folder (default: outputs/<command>).", rich_help_panel=COMMON),
]
QuickOpt = Annotated[
    bool, typer.Option("--quick", help="Tiny preset that runs in seconds; options you give still win.", rich_help_panel=COMMON, metavar="")
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="TOML or JSON file of option values (or a run folder's run.json); options you type "
                 "still win, and it wins over --quick's preset.", rich_help_panel=COMMON, metavar="FILE"),
]
PrintConfigOpt = Annotated[
    bool, typer.Option("--print-config", help="Print the resolved config as TOML and exit: nothing runs, nothing is "
                       "written.", rich_help_panel=COMMON, metavar=""),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars, notes or table.", rich_help_panel=COMMON, metavar="")]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Write into a folder that holds other files or another command's outputs.", rich_help_panel=COMMON, metavar="")
]
ResumeOpt = Annotated[
    bool, typer.Option("--resume", help="Continue an interrupted run in the same output folder.", rich_help_panel=COMMON, metavar="")
]
ThreadsOpt = Annotated[
    int | None,
    typer.Option(min=1, max=MAX_THREADS, envvar="HW1_THREADS", metavar="<int>",
                 help="torch CPU threads (default: the cores nothing else is busy on; 1 on a crowded machine).",
                 rich_help_panel=COMMON),
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show the full traceback on errors.", rich_help_panel=COMMON, metavar="")]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print one JSON document (status, folder, key numbers, claims) on stdout and nothing else there.", rich_help_panel=COMMON,
                 metavar="")
]
FigureFormatOpt = Annotated[
    str, typer.Option(help="Figure files to write, comma-separated: png, svg, pdf (the report embeds the PNG).",
                      rich_help_panel=COMMON, metavar="png,svg,pdf")
]
LogToOpt = Annotated[
    list[str],
    typer.Option("--log-to", metavar="TRACKER", rich_help_panel=COMMON,
                 help="Also log to tensorboard[:DIR] (default OUT/tb) or mlflow[:URI] (default a SQLite store beside OUT, "
                      "or MLFLOW_TRACKING_URI), live; repeatable. Needs the tensorboard or mlflow extra. none: no "
                      "tracker (a rerun takes run.json's otherwise)."),
]

# The shared options every experiment command gets (name, type with its Typer option, default); seed and device
# take their defaults from the experiment's config class. Add a common option here, once.
COMMON_PARAMETERS = (
    ("device", DeviceOpt, "auto"), ("seed", SeedOpt, 0), ("output_dir", OutputDirOpt, None), ("quick", QuickOpt, False),
    ("config", ConfigOpt, None), ("print_config", PrintConfigOpt, False),
    ("quiet", QuietOpt, False), ("force", ForceOpt, False), ("resume", ResumeOpt, False), ("debug", DebugOpt, False),
    ("json", JsonOpt, False),
    ("log_to", LogToOpt, []),
    ("figure_format", FigureFormatOpt, "png"),
    ("threads", ThreadsOpt, None),
)
# Options that steer the run itself rather than the experiment; everything else is a config field.
RUNTIME_OPTIONS = ("output_dir", "quick", "config", "print_config", "quiet", "force", "resume", "debug", "json",
                   "log_to", "figure_format", "threads")
FIGURE_FORMATS = ("png", "svg", "pdf")
# Sub-runs use seed+i, and numpy takes seeds below 2**32: keep well inside every generator's range.
MAX_SEED = 2**31
FLAG = ""  # a flag's value name in --help: none (not "<bool>")


def experiment_command(experiment: Experiment) -> Callable[..., None]:
    """The Typer command of a registry entry: one option per config field (generated from the field's type and
    metadata, see configs/fields.py), then the shared options; `experiment.help` is its --help text. Every call
    builds a checked request and runs it (or, with --print-config, prints its config)."""
    kinds = field_kinds(experiment.config)
    common = {name for name, _, _ in COMMON_PARAMETERS}
    own = [_parameter(kind, default) for kind, default in _option_fields(experiment.config, kinds, common)]
    shared = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=kind,
                                default=getattr(experiment.config, name, fallback))
              for name, kind, fallback in COMMON_PARAMETERS]
    context = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)

    def command_function(ctx: typer.Context, **_: Any) -> None:
        try:
            request = request_from(ctx, experiment)
        except Hw1Error as error:
            print_error(error, debug=ctx.params.get("debug", False))
            if ctx.params.get("json"):
                emit(run_document(experiment.name, ctx.params.get("output_dir") or Path("outputs") / experiment.name,
                                  error.exit_code, describe_error(error)))
            raise typer.Exit(error.exit_code) from None
        if ctx.params.get("print_config"):
            print(config_toml(request.config, f"hw1 {experiment.name}: the resolved config (defaults < --quick < "
                                              f"--config < typed options); feed it back with --config FILE"), end="")
            return
        code = run_request(request)
        if request.json:
            emit(run_document(request.name, request.folder, code))
        if code:
            raise typer.Exit(code)

    parameters = [context, *own, *shared]
    command_function.__name__ = experiment.name
    command_function.__doc__ = experiment.help
    command_function.__signature__ = inspect.Signature(parameters, return_annotation=None)  # type: ignore[attr-defined]
    command_function.__annotations__ = {p.name: p.annotation for p in parameters}
    return command_function


def _option_fields(config_class: type, kinds: dict[str, FieldKind], common: set[str]) -> list[tuple[FieldKind, Any]]:
    """The config fields that are options of their own, with their defaults (the shared ones are in COMMON_PARAMETERS)."""
    fields = []
    for field in dataclasses.fields(config_class):
        kind = kinds[field.name]
        if field.name in common or kind.internal:
            continue
        assert kind.help, f"{config_class.__name__}.{field.name} needs option(default, help) or internal(default, why)"
        fields.append((kind, field.default))
    return fields


def _parameter(kind: FieldKind, default: Any) -> inspect.Parameter:
    """The Typer option of one config field. Values arrive as text and `convert` parses them, so every bad value
    gets hw1's own wording (and a "did you mean" for choices); tuple fields repeat and take commas."""
    help_text = kind.help
    if kind.choices and not all(c in help_text for c in kind.choices):
        help_text += f" One of: {', '.join(kind.choices)}."
    settings: dict[str, Any] = {"help": help_text, "rich_help_panel": kind.panel}
    if kind.base is bool:
        annotation: Any = bool
        decls = [f"{kind.option}/--no-{kind.option[2:]}" if default else kind.option]
        settings["metavar"] = FLAG
        typer_default = default
    else:
        decls = []
        annotation = list[str] if kind.many else (str | None)
        settings["metavar"] = kind.value_name
        if kind.choices:
            settings["autocompletion"] = _completer(kind.choices)
        if default is None:
            settings["show_default"] = False
        # shown as --help's default and parsed by `convert` like a typed value
        typer_default = [str(v) for v in default] if kind.many else (None if default is None else str(default))
    return inspect.Parameter(kind.name, inspect.Parameter.KEYWORD_ONLY, default=typer_default,
                             annotation=Annotated[annotation, typer.Option(*decls, **settings)])


def _completer(choices: tuple[str, ...]) -> Callable[[str], list[str]]:
    return lambda incomplete: [c for c in choices if c.startswith(incomplete)]


def _data_option(name: str) -> Any:
    """The Typer option of one DataConfig field, for commands that pass data options on (`hw1 all`)."""
    field = next(f for f in dataclasses.fields(DataConfig) if f.name == name)
    return _parameter(field_kinds(DataConfig)[name], field.default).annotation


DatasetOpt, DataDirOpt, DownloadOpt, SubsetOpt, TestSubsetOpt, TileOpt = (
    _data_option(name) for name in ("dataset", "data_dir", "download", "subset", "test_subset", "tile"))


def check_values(config_class: type, values: Mapping[str, Any]) -> dict[str, Any]:
    """Options typed on a command that passes them on (`hw1 all --dataset mnits --seed x`), checked and
    converted as the experiment commands will: one refusal up front instead of one per experiment."""
    kinds = field_kinds(config_class)
    return {name: convert(kinds[name], value, kinds[name].option, typed=True) for name, value in values.items()}


def refuse_print_config_with_json(print_config: bool, json: bool) -> None:
    """--print-config prints TOML; with --json stdout would hold two kinds of document: a usage error."""
    if print_config and json:
        raise UsageError("--print-config prints TOML, not JSON: leave out --json")


def request_from(ctx: typer.Context, experiment: Experiment) -> RunRequest:
    """The checked request a command's parsed options make: its config and how to run it (no I/O but
    reading --config's file)."""
    params = ctx.params
    refuse_print_config_with_json(params.get("print_config", False), params.get("json", False))
    folder = params["output_dir"] or Path("outputs") / experiment.name
    recorded = recorded_options(ctx, folder, experiment.name)  # hw1 rerun, --resume: untyped options from run.json
    config = build_config(ctx, experiment.config, experiment.quick, experiment.name, recorded=recorded)
    given = lambda name: ctx.get_parameter_source(name) not in (None, ParameterSource.DEFAULT)  # noqa: E731
    formats, trackers = params.get("figure_format"), params.get("log_to") or ()
    if recorded is not None:  # what the recorded run ran with, unless given now (typed, or from the environment)
        formats = formats if given("figure_format") or recorded.figure_formats is None else recorded.figure_formats
        # a recorded tracker whose extra this machine lacks is left out: it must not stop a rerun or a resume
        trackers = trackers if given("log_to") else tuple(t for t in recorded.log_to if installed(KINDS[t][0]))
    return RunRequest(
        experiment=experiment, config=config, folder=folder,
        quick=params["quick"] or bool(recorded and recorded.quick), quiet=params["quiet"], force=params["force"],
        resume=params["resume"], debug=params["debug"], json=params["json"],
        log_to=parse_log_to(trackers), figure_formats=figure_formats("png" if formats is None else formats),
        threads=_threads(ctx, recorded),
    )


def _threads(ctx: typer.Context, recorded: Recorded | None) -> int | None:
    """--threads / HW1_THREADS, else the recorded run's count (a rerun gives its numbers, whose float sums
    depend on the count). A resumed run keeps its count: another one given is refused, naming both."""
    threads = ctx.params.get("threads")
    if recorded is None or recorded.threads is None:
        return threads
    if threads is None:
        return recorded.threads
    if ctx.params.get("resume") and threads != recorded.threads:
        typed = ctx.get_parameter_source("threads") == ParameterSource.COMMANDLINE
        given, fix = (f"--threads {threads}", "leave --threads out") if typed else (f"HW1_THREADS={threads}", "unset HW1_THREADS")
        raise UsageError(f"{given} differs from the {recorded.threads} torch thread(s) this run started with "
                         f"({recorded.path}); a resumed run keeps its count, on which its numbers depend: {fix} to resume")
    return threads


def figure_formats(text: str) -> tuple[str, ...]:
    """--figure-format's list, checked: PNG always (the report embeds it), then the others asked for."""
    asked = [f.strip().lower().lstrip(".") for f in text.split(",") if f.strip()]
    unknown = [f for f in asked if f not in FIGURE_FORMATS]
    if unknown or not asked:
        raise UsageError(f"--figure-format takes {', '.join(FIGURE_FORMATS)} (comma-separated), not {text!r}")
    return tuple(dict.fromkeys(["png", *asked]))


def build_config(ctx: typer.Context, config_class: type, quick: Mapping[str, Any], name: str = "",
                 recorded: Recorded | None = None) -> Any:
    """The config from, in rising precedence: the config class's defaults, --quick's preset, a recorded run's
    config (hw1 rerun, --resume), --config's file, the options typed on the command line. Every value goes
    through `convert` (one wording for all sources)."""
    kinds = field_kinds(config_class)
    typed = {n for n in ctx.params if n in kinds and ctx.get_parameter_source(n) == ParameterSource.COMMANDLINE}
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}  # where each value not typed came from, to name in a refusal

    def apply_quick(kept: Iterable[str] = ()) -> None:
        for key, value in quick.items():
            if key in kept:
                continue
            values[key] = convert(kinds[key], value, f"--quick's {key}")
            sources[key] = "--quick's preset"
            if f"{key}_is_limit" in kinds:  # the preset's subsets are limits; yours stay exact
                values[f"{key}_is_limit"] = True

    # --quick typed on a rerun of a run without it: the preset replaces the recorded values that were the
    # defaults, and keeps those the run had changed, as `--quick` with them typed would (a recorded quick run
    # holds its preset already: recorded.py then turns the flag off here)
    quick_over_record = bool(ctx.params.get("quick") and recorded is not None)
    if ctx.params.get("quick") and not quick_over_record:
        apply_quick()
    if recorded is not None:
        for key, value in recorded.values.items():
            if key in kinds and key not in typed:
                values[key] = convert(kinds[key], value, f"{recorded.path}: {key}")
                sources[key] = str(recorded.path)
    if quick_over_record:
        defaults = {f.name: f.default for f in dataclasses.fields(config_class)}
        apply_quick(kept=[key for key in sources if key in values and values[key] != defaults.get(key)])
    if (path := ctx.params.get("config")) is not None:
        shared = bool(ctx.meta.get(SUITE_FILE))
        from_file = values_for(path, read_config_file(path), name, _every_experiments_fields(), suite=shared)
        for key, value in from_file.items():
            if key not in kinds:
                raise UsageError(f"{path}: unknown key {key!r} for hw1 {name}{suggest(key, list(kinds))}")
            values[key] = convert(kinds[key], value, f"{path}: {key}")
            sources[key] = str(path)
            if f"{key}_is_limit" not in from_file:  # a file's subset is exact unless the file says otherwise
                values.pop(f"{key}_is_limit", None)
    for key in typed:  # typed options win; anything not given keeps the config class's default
        values[key] = convert(kinds[key], ctx.params[key], kinds[key].option, typed=True)
        values.pop(f"{key}_is_limit", None)
        sources.pop(key, None)
    with _named_source(sources):
        if not 0 <= values.get("seed", 0) < MAX_SEED:
            raise UsageError(f"--seed must be between 0 and {MAX_SEED - 1}, not {values['seed']}")
        config = config_class(**values)
        if isinstance(getattr(config, "data_dir", None), Path) and not config.data_dir.is_absolute():
            # recorded as an absolute path: a rerun from another working folder reads the same files
            config = dataclasses.replace(config, data_dir=config.data_dir.absolute())
        if isinstance(getattr(config, "device", None), str):  # its spelling now: --print-config promises a good file
            require_device_name(config.device)
    if hasattr(config, "unused_options"):
        for mode, unused in config.unused_options():
            refuse_unused_options(typed, mode, unused)
    return config


@contextmanager
def _named_source(sources: Mapping[str, str]) -> Iterator[None]:
    """A value's range check speaks of its option ("--epochs must be >= 1, not 0"); where the value came from a
    file (--config, a recorded run.json) the refusal names that file and key instead, as for a wrong type."""
    try:
        yield
    except UsageError as error:
        match = re.match(r"--([a-z][a-z0-9-]*)\b(.*)", str(error), re.DOTALL)
        key = match.group(1).replace("-", "_") if match else ""
        if key in sources and sources[key] != "--quick's preset":
            raise UsageError(f"{sources[key]}: {key}{match.group(2)}") from None  # type: ignore[union-attr]
        raise


def _every_experiments_fields() -> dict[str, list[str]]:
    """Each registered experiment's config fields: a suite-shaped config file is checked against them."""
    from hw1cli import registry  # below commands/ in the layers; read when a file is given

    return {e.name: [f.name for f in dataclasses.fields(e.config)] for e in registry.EXPERIMENTS}


def config_toml(config: Any, header: str = "") -> str:
    """A config as TOML, every field (a file that reproduces it exactly through --config)."""
    return to_toml({f.name: _plain(getattr(config, f.name)) for f in dataclasses.fields(config)}, header)


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    return value


def refuse_unused_options(given: set[str], mode: str, unused: Iterable[str]) -> None:
    """An option the chosen mode ignores (e.g. --model with --task sinc) is a mistake to report, not to drop."""
    ignored = sorted(given & set(unused))
    if ignored:
        names = ", ".join(f"--{name.replace('_', '-')}" for name in ignored)
        raise UsageError(f"{names} {'has' if len(ignored) == 1 else 'have'} no effect with {mode}; leave "
                         f"{'it' if len(ignored) == 1 else 'them'} out")
