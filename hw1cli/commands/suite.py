"""`hw1 all`: every experiment, one after another (or --workers at once), isolated from each other's failures,
then the report."""


import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hw1cli import registry
from hw1cli.commands.click_compat import exceptions as click_errors
from hw1cli.commands.options import (
    DataDirOpt,
    DatasetOpt,
    DebugOpt,
    DeviceOpt,
    DownloadOpt,
    ForceOpt,
    QuickOpt,
    QuietOpt,
    ResumeOpt,
    SeedOpt,
    SubsetOpt,
    TestSubsetOpt,
    ThreadsOpt,
    TileOpt,
    request_from,
)
from hw1cli.commands.suite_checks import check_root, parse_experiment_args, select
from hw1cli.commands.suite_workers import STATUS_BY_CODE, BackendName, choose_backend, run_concurrently
from hw1cli.configs.choices import choice
from hw1cli.configs.data import DataConfig
from hw1cli.errors import Hw1Error, UsageError, describe_error, print_error
from hw1cli.locking import lock_suite_root
from hw1cli.progress import ProgressView
from hw1cli.report import headline, write_report
from hw1cli.run_record import RUN_FILE, is_finished, read_run
from hw1cli.runner import EXIT_HANGUP, EXIT_INTERRUPTED, EXIT_TERMINATED, RunRequest, check_request, run_request

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
        args: Annotated[list[str], typer.Option("--args", help="Extra options for one experiment, e.g. 'gradnorm: --iterations 50'.")] = [],
        dataset: DatasetOpt = DatasetOpt.__origin__(DataConfig.dataset),
        data_dir: DataDirOpt = DataConfig.data_dir,
        download: DownloadOpt = DataConfig.download,
        device: DeviceOpt = "auto",
        seed: SeedOpt = 0,
        output_dir: Annotated[Path | None, typer.Option("--output-dir", "-o", help="Root folder: one subfolder per experiment plus index.html and report.md (default: outputs).")] = None,
        quick: QuickOpt = False,
        quiet: QuietOpt = False,
        force: ForceOpt = False,
        resume: ResumeOpt = False,
        debug: DebugOpt = False,
        threads: ThreadsOpt = None,
        subset: SubsetOpt = None,
        test_subset: TestSubsetOpt = None,
        tile: TileOpt = None,
        workers: Annotated[int, typer.Option(help="Experiments at once (default 1: one after another); the cores are shared out among them as torch threads.")] = 1,
        # '\\[' keeps --help's rich markup from taking "[ray]" for a style tag and dropping it
        backend: Annotated[BackendName, typer.Option(help="local (processes on this machine) or ray (one Ray task per experiment; pip install -e '.\\[ray]').")] = BackendName("local"),
        address: Annotated[str | None, typer.Option(help="Ray cluster to join with --backend ray (e.g. HOST:6379 or auto); default: start a local Ray.")] = None,
    ) -> None:
        """Run every experiment in the homework's order, then write index.html and report.md.

        One failing experiment does not stop the others; the exit code is non-zero if any failed.

        Examples:

          hw1 all --quick --dataset digits -o outputs/quick     # the whole suite in about a minute on a CPU

          hw1 all --data-dir ../shared/data --only mnist --only randlabel

          hw1 all --preset seed-scale --device cuda     # the notebooks' workloads, for timing

          hw1 all --quick --dataset digits --workers 2     # two experiments at once
        """
        if preset.value == "seed-scale" and (quick or tile is not None):
            print_error(f"--preset seed-scale runs the full defaults on {SEED_SCALE_IMAGES:,} images; leave out --quick and --tile")
            raise typer.Exit(2)
        options = {"device": device, "seed": seed, "quick": quick or preset.value == "quick", "quiet": quiet,
                   "force": force, "resume": resume, "debug": debug, "threads": threads,
                   "data": {"dataset": dataset.value, "data_dir": data_dir, "download": download, "subset": subset,
                            "test_subset": test_subset,
                            "tile": SEED_SCALE_IMAGES if preset.value == "seed-scale" else tile}}
        run_suite(ctx, [n.value for n in only], [n.value for n in skip], preset.value, args,
                  output_dir or Path("outputs"), options, workers=workers, backend=backend.value, address=address)

    return command


def run_suite(ctx: typer.Context, only: list[str], skip: list[str], preset: str, args: list[str], root: Path,
              options: dict[str, Any], *, workers: int = 1, backend: str = "local", address: str | None = None) -> None:
    """Check every experiment's options into a request (in-process, before anything trains), run the good
    ones one after another (or on `backend` with `workers` at once), then write the report."""
    try:
        if str(root) in ("", "."):
            raise UsageError("-o needs a folder name (the suite writes one subfolder per experiment)")
        pool = choose_backend(backend, workers, address)
        names = select(only, skip)
        extra = parse_experiment_args(args, names)
        check_root(root, options["force"])
    except UsageError as error:
        print_error(error)
        raise typer.Exit(2) from None
    blocker = next((p for p in (root, *root.parents) if p.exists()), None)
    if blocker is not None and not blocker.is_dir():  # like a single command: a runtime failure, exit 1
        print_error(f"cannot write to output folder {root}: {blocker} is a file")
        raise typer.Exit(1)
    # --resume: finished experiments are kept, an interrupted one continues, the others start afresh.
    previous = {name: read_run(root / name) if options["resume"] else None for name in names}
    finished = {name: str(run["status"]) for name, run in previous.items() if is_finished(run)}
    # Experiments at once must not draw progress bars over each other: their own are off (--quiet).
    checked = {**options, "quiet": True} if pool is not None else options
    requests, refused, argvs = _requests(ctx, [n for n in names if n not in finished], root, extra, checked)
    nothing_runs = bool(refused) and len(refused) == len(names) - len(finished)
    if nothing_runs and len(set(refused.values())) == 1 and len(refused) > 1:
        print_error(next(iter(refused.values())))  # a shared option refused by all: say it once
    else:
        for name, problem in refused.items():
            print_error(problem, where=name)
    if nothing_runs:
        raise typer.Exit(2)  # nothing would run: a usage error of the suite, and nothing is written
    try:  # [reliability hook] one suite per root, held until the report is written
        root_lock = lock_suite_root(root)
    except Hw1Error as error:
        print_error(error)
        raise typer.Exit(error.exit_code) from None
    try:
        if pool is None:
            results, interrupted = _run_all(names, requests, refused, finished, root, options["quiet"])
        else:
            results, interrupted = run_concurrently(pool, names, {n: argvs[n] for n in requests}, refused, finished,
                                                    root, options["quiet"])
    finally:
        root_lock.release()
    _finish(root, results, interrupted, options["quiet"])


def _requests(ctx: typer.Context, names: list[str], root: Path, extra: dict[str, list[str]],
              options: dict[str, Any]) -> tuple[dict[str, RunRequest], dict[str, str], dict[str, list[str]]]:
    """Each experiment's options parsed by its own command into a checked request: {name: request},
    {name: its problem, one line} and {name: its command's argv}. A typo in the last experiment's --args is
    reported at once, not after the minutes the first ones train."""
    group = ctx.find_root().command
    requests: dict[str, RunRequest] = {}
    refused: dict[str, str] = {}
    argvs: dict[str, list[str]] = {}
    for name in names:
        sub = group.commands[name]
        resume = options["resume"] and (root / name / RUN_FILE).exists()
        argv = _arguments(sub, root / name, extra.get(name, []), {**options, "resume": resume})
        argvs[name] = list(argv)  # a copy: parsing consumes the list it is given
        try:
            with sub.make_context(name, argv, parent=ctx.find_root()) as sub_ctx:
                request = request_from(sub_ctx, registry.get(name))
            check_request(request)
            requests[name] = request
        except click_errors.ClickException as error:
            refused[name] = " ".join(error.format_message().split())
        except Hw1Error as error:
            refused[name] = describe_error(error)
    return requests, refused, argvs


def _run_all(names: list[str], requests: dict[str, RunRequest], refused: dict[str, str], finished: dict[str, str],
             root: Path, quiet: bool) -> tuple[list[tuple[str, str, float, str]], int]:
    """Run the requests in suite order: (name, status, seconds, key numbers) rows, and 130/143 if the suite
    was interrupted (it stops there), else 0."""
    results: list[tuple[str, str, float, str]] = []
    with ProgressView(quiet=quiet) as view:
        suite = view.task("hw1 all", total=len(names))
        for name in names:
            if name in refused or name in finished:
                results.append((name, "bad options", 0.0, f"{name}: {refused[name]}") if name in refused
                               else (name, finished[name], 0.0, headline(name, root / name)))
                suite.advance()
                continue
            started = time.perf_counter()
            code = run_request(requests[name], in_suite=True)
            seconds = time.perf_counter() - started
            status = STATUS_BY_CODE.get(code, "failed")
            results.append((name, status, seconds, headline(name, root / name) if code in (0, 3) else ""))
            suite.advance()
            if code in (EXIT_INTERRUPTED, EXIT_TERMINATED, EXIT_HANGUP):
                return results, code  # Ctrl-C (130), SIGTERM (143) or SIGHUP (129): the suite stops and says which
    return results, 0


def _finish(root: Path, results: list[tuple[str, str, float, str]], interrupted: int, quiet: bool) -> None:
    """The report, the table, and the suite's exit code."""
    try:
        html_path, _ = write_report(root)
    except OSError as error:
        print_error(f"cannot write the report in {root}: {describe_error(error)}")
        raise typer.Exit(1) from None
    if not quiet:
        Console(width=None if sys.stdout.isatty() else 160).print(_table(results))
        print(f"Report: {html_path}")
    failed = [r for r in results if r[1] not in ("completed", "diverged")]
    if failed:
        print_error(f"{len(failed)} of {len(results)} experiments did not complete: {', '.join(r[0] for r in failed)}")
        raise typer.Exit(interrupted or 1)
    if any(r[1] == "diverged" for r in results):
        raise typer.Exit(3)


def _arguments(sub: Any, folder: Path, extra: list[str], options: dict[str, Any]) -> list[str]:
    """The subcommand's argv: shared options it accepts, then the experiment's own extras (which win)."""
    accepted = {p.name for p in sub.params}
    argv = ["--device", options["device"], "--seed", str(options["seed"]), "-o", str(folder)]
    if "dataset" in accepted:
        data = options["data"]
        argv += ["--dataset", data["dataset"], "--data-dir", str(data["data_dir"])]
        argv += [] if data["download"] else ["--no-download"]
        for option in ("subset", "test_subset", "tile"):
            argv += [f"--{option.replace('_', '-')}", str(data[option])] if data[option] is not None else []
    argv += [f"--{flag}" for flag in ("quick", "quiet", "force", "resume", "debug") if options[flag]]
    argv += ["--threads", str(options["threads"])] if options.get("threads") else []
    return argv + extra


def _table(results: list[tuple[str, str, float, str]]) -> Table:
    table = Table(title="hw1 all: summary")
    for column in ("experiment", "status", "seconds", "key number"):
        table.add_column(column, overflow="fold")
    for name, status, seconds, key in results:
        style = "green" if status == "completed" else "red"
        table.add_row(name, f"[{style}]{status}[/{style}]", f"{seconds:.1f}", key)
    return table
