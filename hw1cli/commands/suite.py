"""`hw1 all`: every experiment, as many at once as cores are free (--workers; 1: one after another), isolated from each other's failures,
then the report."""


import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from hw1cli import registry, signals
from hw1cli.commands.click_compat import ParameterSource
from hw1cli.commands.json_output import emit, error_document, suite_document
from hw1cli.commands.options import (
    ConfigOpt,
    DataDirOpt,
    DatasetOpt,
    DebugOpt,
    DeviceOpt,
    DownloadOpt,
    FigureFormatOpt,
    ForceOpt,
    JsonOpt,
    LogToOpt,
    PrintConfigOpt,
    QuickOpt,
    QuietOpt,
    ResumeOpt,
    SeedOpt,
    SubsetOpt,
    TestSubsetOpt,
    ThreadsOpt,
    TileOpt,
    check_values,
    config_toml,
    refuse_print_config_with_json,
)
from hw1cli.commands.requests import parse_request
from hw1cli.commands.suite_checks import check_root, parse_experiment_args, select
from hw1cli.commands.suite_workers import SUITE_STATUS_BY_CODE, SuiteBackendName, choose_backend, run_concurrently
from hw1cli.configs.choices import choice
from hw1cli.configs.data import DataConfig
from hw1cli.errors import Hw1Error, UsageError, describe_error, print_error
from hw1cli.locking import lock_suite_root
from hw1cli.output import recording_suite
from hw1cli.progress import ProgressView
from hw1cli.report import headline, verdict_tally, write_report
from hw1cli.run_record import RUN_FILE, is_finished, read_run
from hw1cli.runner import EXIT_HANGUP, EXIT_INTERRUPTED, EXIT_TERMINATED, RunRequest, run_request
from hw1cli.signals import Terminated
from hw1cli.tracking import parse_log_to

PRESETS = ("default", "quick", "seed-scale")
# The notebooks trained on the full 60,000 MNIST images; seed-scale tiles a smaller training set up to that.
SEED_SCALE_IMAGES = 60_000


def make_command() -> Callable[..., None]:
    """`hw1 all`, with --only/--skip choices read from the registry when the app is built."""
    Name = choice("Experiment", registry.names())
    Preset = choice("Preset", PRESETS)

    def command(
        ctx: typer.Context,
        only: Annotated[list[Name], typer.Option(help="Run only these experiments (repeat).")] = [],
        skip: Annotated[list[Name], typer.Option(help="Leave these experiments out (repeat).")] = [],
        preset: Annotated[Preset, typer.Option(help="default (the experiments' own defaults), quick (= --quick) or seed-scale (the notebooks' workloads: defaults on 60,000 training images, tiling smaller sets).")] = Preset("default"),
        args: Annotated[list[str], typer.Option("--args", metavar="'EXP: OPTIONS'", help="Extra options for one experiment, e.g. 'gradnorm: --iterations 50'.")] = [],
        dataset: DatasetOpt = DataConfig.dataset,
        data_dir: DataDirOpt = DataConfig.data_dir,
        download: DownloadOpt = DataConfig.download,
        device: DeviceOpt = "auto",
        seed: SeedOpt = 0,
        output_dir: Annotated[Path | None, typer.Option("--output-dir", "-o", help="Root folder: one subfolder per experiment plus index.html and report.md (default: outputs).")] = None,
        quick: QuickOpt = False,
        config: ConfigOpt = None,
        print_config: PrintConfigOpt = False,
        quiet: QuietOpt = False,
        force: ForceOpt = False,
        resume: ResumeOpt = False,
        debug: DebugOpt = False,
        json: JsonOpt = False,
        log_to: LogToOpt = [],
        threads: ThreadsOpt = None,
        subset: SubsetOpt = None,
        test_subset: TestSubsetOpt = None,
        tile: TileOpt = None,
        figure_format: FigureFormatOpt = "png",
        workers: Annotated[int | None, typer.Option(min=1, envvar="HW1_WORKERS", show_default=False, metavar="<int>", help="Experiments at once, the cores shared out among them as torch threads (default: one per free core on the CPU, at most one per experiment; 1 on a GPU or a Ray --address). 1: one after another, with each experiment's progress bars.")] = None,
        # '\\[' keeps --help's rich markup from taking "[ray]" for a style tag and dropping it
        backend: Annotated[SuiteBackendName, typer.Option(help="local (processes on this machine) or ray (one Ray task per experiment; pip install -e '.\\[ray]').")] = SuiteBackendName("local"),
        address: Annotated[str | None, typer.Option(help="Ray cluster to join with --backend ray (e.g. HOST:6379 or auto); default: start a local Ray.")] = None,
    ) -> None:
        """Run every experiment in the homework's order, then write index.html and report.md.

        One failing experiment does not stop the others; the exit code is non-zero if any failed.

        Examples:

          # the whole suite, tiny preset, scikit-learn's digits (offline; 25-27 s on a 2-core VM)
          hw1 all --quick --dataset digits -o outputs/quick

          hw1 all --data-dir data --only mnist --only randlabel

          # the notebooks' workloads, for timing
          hw1 all --preset seed-scale --device cuda

          # one after another, each with its own progress bars (the default runs one per free core at once: on a
          # quiet 2-core VM the default suite took 4 min 39 s that way and 7 min 21 s one after another)
          hw1 all --data-dir data --workers 1
        """
        root = output_dir or Path("outputs")
        if preset.value == "seed-scale" and (quick or tile is not None):
            _refuse(f"--preset seed-scale runs the full defaults on {SEED_SCALE_IMAGES:,} images; leave out --quick and --tile",
                    2, root, json)
        try:  # the shared values checked once, as every experiment would check them
            check_values(registry.EXPERIMENTS[0].config, {"seed": seed})
            trackers = parse_log_to(log_to)
            check_values(DataConfig, {k: v for k, v in (("dataset", dataset), ("subset", subset),
                                                        ("test_subset", test_subset), ("tile", tile)) if v is not None})
        except Hw1Error as error:
            _refuse(error, 2, root, json)
        # Only the shared options you typed are passed on, so that a --config file's values are not overridden
        # by defaults (typed options > file > --quick > defaults, in every experiment).
        given = {name for name in ctx.params if ctx.get_parameter_source(name) == ParameterSource.COMMANDLINE}
        options = {"device": device, "seed": seed, "quick": quick or preset.value == "quick", "quiet": quiet,
                   "force": force, "resume": resume, "debug": debug, "config": config, "print_config": print_config,
                   "json": json, "log_to": trackers, "figure_format": figure_format,
                   "threads": threads,
                   "given": given | ({"tile"} if preset.value == "seed-scale" else set()),
                   "data": {"dataset": dataset, "data_dir": data_dir, "download": download, "subset": subset,
                            "test_subset": test_subset,
                            "tile": SEED_SCALE_IMAGES if preset.value == "seed-scale" else tile}}
        run_suite([n.value for n in only], [n.value for n in skip], preset.value, args,
                  root, options, workers=workers, backend=backend.value, address=address)

    return command


def _refuse(error: BaseException | str, code: int, root: Path, json: bool, *, printed: bool = False) -> NoReturn:
    """The suite refused before anything ran: one line on stderr and, with --json, the error document on
    stdout (as every other command gives), then exit `code`."""
    if not printed:
        print_error(error)
    if json:
        emit(error_document("all", root, code, error if isinstance(error, str) else describe_error(error)))
    raise typer.Exit(code)


def run_suite(only: list[str], skip: list[str], preset: str, args: list[str], root: Path,
              options: dict[str, Any], *, workers: int | None = 1, backend: str = "local", address: str | None = None) -> None:
    """Check every experiment's options into a request (in-process, before anything trains), run the good
    ones one after another (or on `backend` with `workers` at once), then write the report."""
    try:
        if str(root) in ("", "."):
            raise UsageError("-o needs a folder name (the suite writes one subfolder per experiment)")
        names = select(only, skip)
        extra = parse_experiment_args(args, names)
        refuse_print_config_with_json(options.get("print_config", False), options.get("json", False))
        if options.get("print_config"):  # nothing runs: no backend to choose (--device auto would import torch)
            _print_configs(names, root, extra, options)
            return
        pool = choose_backend(backend, workers, address, experiments=len(names), device=options["device"])
        check_root(root, options["force"])
    except UsageError as error:
        _refuse(error, 2, root, options.get("json", False))
    blocker = next((p for p in (root, *root.parents) if p.exists()), None)
    if blocker is not None and not blocker.is_dir():  # like a single command: a runtime failure, exit 1
        _refuse(f"cannot write to output folder {root}: {blocker} is a file", 1, root, options.get("json", False))
    # --resume: finished experiments are kept, an interrupted one continues, the others start afresh.
    previous = {name: read_run(root / name) if options["resume"] else None for name in names}
    finished = {name: str(run["status"]) for name, run in previous.items() if is_finished(run)}
    # Experiments at once must not draw progress bars over each other: their own are off (--quiet).
    checked = {**options, "quiet": True} if pool is not None else options
    requests, refused, argvs = _requests([n for n in names if n not in finished], root, extra, checked)
    nothing_runs = bool(refused) and len(refused) == len(names) - len(finished)
    if nothing_runs and len(set(refused.values())) == 1 and len(refused) > 1:
        # a shared option refused by all: say it once; nothing would run, and nothing is written
        _refuse(next(iter(refused.values())), 2, root, options.get("json", False))
    for name, problem in refused.items():
        print_error(problem, where=name)
    if nothing_runs:  # nothing would run: a usage error of the suite, and nothing is written
        _refuse("; ".join(f"{name}: {problem}" for name, problem in refused.items()), 2, root,
                options.get("json", False), printed=True)
    try:  # [reliability hook] one suite per root, held until the report is written
        root_lock = lock_suite_root(root)
    except Hw1Error as error:
        _refuse(error, error.exit_code, root, options.get("json", False))
    # One stop discipline (signals.py): INT, TERM and HUP end the suite the same way, sequential or not.
    previous = signals.install()
    try:
        if pool is None:
            results, interrupted = _run_all(names, requests, refused, finished, root, options["quiet"])
        else:
            results, interrupted = run_concurrently(pool, names, requests, argvs, refused, finished, root,
                                                    options["quiet"])
        signals.defer()  # the report is written whole; a signal now only makes the exit code say it
    finally:
        root_lock.release()
    code = _finish(root, results, interrupted, options["quiet"], json=options.get("json", False))
    code = signals.restore(previous, code)
    if code:
        raise typer.Exit(code)


def _print_configs(names: list[str], root: Path, extra: dict[str, list[str]], options: dict[str, Any]) -> None:
    """`hw1 all --print-config`: each experiment's resolved config as a TOML table (a valid `hw1 all --config`
    file); nothing runs, nothing is written. A refused experiment is one line and exit 2."""
    tables = []
    for name in names:
        experiment = registry.get(name)
        argv = _arguments(experiment.data, root / name, extra.get(name, []), {**options, "print_config": False})
        try:
            config = parse_request(experiment, argv, suite=True).config
        except Hw1Error as error:
            print_error(describe_error(error), where=name)
            raise typer.Exit(2) from None  # --print-config never has --json (refused above)
        tables.append(f"[{name}]\n" + config_toml(config))
    print("# hw1 all: each experiment's resolved config; feed it back with hw1 all --config FILE\n")
    print("\n".join(tables), end="")


def _requests(names: list[str], root: Path, extra: dict[str, list[str]],
              options: dict[str, Any]) -> tuple[dict[str, RunRequest], dict[str, str], dict[str, list[str]]]:
    """Each experiment's options parsed by its own command into a checked request (commands/requests.py):
    {name: request}, {name: its problem, one line} and {name: its command's argv}. A typo in the last
    experiment's --args is reported at once, not after the minutes the first ones train."""
    requests: dict[str, RunRequest] = {}
    refused: dict[str, str] = {}
    argvs: dict[str, list[str]] = {}
    for name in names:
        experiment = registry.get(name)
        resume = options["resume"] and (root / name / RUN_FILE).exists()
        argvs[name] = _arguments(experiment.data, root / name, extra.get(name, []), {**options, "resume": resume})
        try:
            requests[name] = parse_request(experiment, argvs[name], check=True, suite=True)
        except Hw1Error as error:
            refused[name] = describe_error(error)
    return requests, refused, argvs


def _run_all(names: list[str], requests: dict[str, RunRequest], refused: dict[str, str], finished: dict[str, str],
             root: Path, quiet: bool) -> tuple[list[tuple[str, str, float, str]], int]:
    """Run the requests in suite order: (name, status, seconds, key numbers) rows, and 130/143 if the suite
    was interrupted (it stops there), else 0."""
    results: list[tuple[str, str, float, str]] = []
    try:
        # run.json's "suite" for each run, as from a worker
        with ProgressView(quiet=quiet) as view, recording_suite(sys.argv, 1):
            suite = view.task("hw1 all", total=len(names))
            for name in names:
                if name in refused or name in finished:
                    results.append((name, "bad options", 0.0, f"{name}: {refused[name]}") if name in refused
                                   else (name, finished[name], 0.0, headline(name, root / name)))
                    suite.advance()
                    continue
                started = time.perf_counter()
                code = run_request(requests[name], in_suite=True)  # its own handlers; ours come back after
                seconds = time.perf_counter() - started
                status = SUITE_STATUS_BY_CODE.get(code, "failed")
                results.append((name, status, seconds, headline(name, root / name) if code in (0, 3) else ""))
                suite.advance()
                if code in (EXIT_INTERRUPTED, EXIT_TERMINATED, EXIT_HANGUP):
                    return results, code  # Ctrl-C (130), SIGTERM (143) or SIGHUP (129): the suite stops, says which
    except (KeyboardInterrupt, Terminated) as stop:  # between two runs: nothing is half-written
        return results, signals.stop_code(stop)
    return results, 0


def _finish(root: Path, results: list[tuple[str, str, float, str]], interrupted: int, quiet: bool, *,
            json: bool = False) -> int:
    """The report, the table (or with --json the suite's JSON document), returns the suite's exit code."""
    html_path = None
    try:
        html_path, _ = write_report(root)
    except OSError as error:
        print_error(f"cannot write the report in {root}: {describe_error(error)}")
        return 1
    except Exception as error:  # a run folder no reader foresaw: the suite's own results still count
        print_error(f"the report could not be written: {describe_error(error)}")
    if not quiet and not json:
        _print_table(results)
        if html_path is not None:
            print(f"Claims {verdict_tally(root)} (✔ supported / ✘ not supported / ? inconclusive); "
                  f"report: {html_path}")
    failed = [r for r in results if r[1] not in ("completed", "diverged")]
    if json:
        diverged = any(r[1] == "diverged" for r in results)
        emit(suite_document(root, results, (interrupted or 1) if failed else 3 if diverged else 0, html_path))
    if failed:
        print_error(f"{len(failed)} of {len(results)} experiments did not complete: {', '.join(r[0] for r in failed)}")
        return interrupted or 1
    return 3 if any(r[1] == "diverged" for r in results) else 0


def _arguments(data_options: bool, folder: Path, extra: list[str], options: dict[str, Any]) -> list[str]:
    """An experiment's argv: the shared options you typed (the dataset's where it takes them), then its own
    extras (which win)."""
    given = options.get("given")  # None: pass every shared option on
    passed = lambda name: given is None or name in given  # noqa: E731
    argv = ["-o", str(folder)]
    argv += [w for name in ("device", "seed") if passed(name) for w in (f"--{name}", str(options[name]))]
    if data_options:
        data = options["data"]
        argv += [w for name in ("dataset", "data_dir") if passed(name)
                 for w in (f"--{name.replace('_', '-')}", str(data[name]))]
        argv += [] if data["download"] or not passed("download") else ["--no-download"]
        for option in ("subset", "test_subset", "tile"):
            argv += [f"--{option.replace('_', '-')}", str(data[option])] if data[option] is not None else []
    if options.get("config") is not None:
        argv += ["--config", str(options["config"])]
    argv += [f"--{flag}" for flag in ("quick", "quiet", "force", "resume", "debug") if options[flag]]
    for spec in options.get("log_to", ()):
        argv += ["--log-to", str(spec)]
    argv += ["--figure-format", options["figure_format"]] if options.get("figure_format", "png") != "png" else []
    # typed only: HW1_THREADS reaches each experiment's own parser as the environment (its refusals then say so)
    argv += ["--threads", str(options["threads"])] if options.get("threads") and passed("threads") else []
    return argv + extra


def _print_table(results: list[tuple[str, str, float, str]]) -> None:
    """One row per experiment; the key number wraps at spaces, nothing else wraps (tables.py)."""
    from hw1cli.tables import print_table, table_console

    rows = [[name, status, f"{seconds:.1f}", key] for name, status, seconds, key in results]
    print_table(table_console(), "hw1 all: summary", ("experiment", "status", "seconds", "key number"), rows,
                priority=("experiment", "status", "key number"), wrap=("key number",),
                style=lambda column, value: ("green" if value == "completed" else "red") if column == "status" else "")
