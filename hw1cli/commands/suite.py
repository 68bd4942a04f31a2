"""`hw1 all` (every experiment, one after another, isolated from each other's failures) and `hw1 report`."""

from __future__ import annotations

import contextlib
import json
import shlex
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hw1cli.commands.common import (
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    SUITE,
    DataDirOpt,
    DatasetOpt,
    DeviceOpt,
    DownloadOpt,
    ForceOpt,
    QuickOpt,
    QuietOpt,
    ResumeOpt,
    SeedOpt,
)
from hw1cli.errors import UsageError
from hw1cli.progress import ProgressView
from hw1cli.report import EXPERIMENTS, headline, write_report

PRESETS = ("default", "quick", "seed-scale")
# The notebooks trained on the full 60,000 MNIST images; seed-scale tiles a smaller training set up to that.
SEED_SCALE_IMAGES = 60_000
STATUS_BY_CODE = {0: "completed", 2: "bad options", 3: "diverged", EXIT_INTERRUPTED: "interrupted", EXIT_TERMINATED: "interrupted"}


def parse_experiment_args(values: list[str]) -> dict[str, list[str]]:
    """`--args "gradnorm: --iterations 50"` -> {"gradnorm": ["--iterations", "50"]}."""
    extra: dict[str, list[str]] = {}
    for value in values:
        name, sep, rest = value.partition(":")
        name = name.strip()
        if not sep or name not in EXPERIMENTS:
            raise UsageError(f"--args takes 'EXPERIMENT: OPTIONS' with EXPERIMENT one of {', '.join(EXPERIMENTS)}; got {value!r}")
        extra.setdefault(name, []).extend(shlex.split(rest))
    return extra


def select(only: list[str], skip: list[str]) -> list[str]:
    for name in [*only, *skip]:
        if name not in EXPERIMENTS:
            raise UsageError(f"unknown experiment {name!r} in --only/--skip; choose from {', '.join(EXPERIMENTS)}")
    chosen = [n for n in EXPERIMENTS if (not only or n in only) and n not in skip]
    if not chosen:
        raise UsageError("--only/--skip leave no experiment to run")
    return chosen


def command(
    ctx: typer.Context,
    only: Annotated[list[str], typer.Option(help="Run only these experiments (repeat).")] = [],
    skip: Annotated[list[str], typer.Option(help="Leave these experiments out (repeat).")] = [],
    preset: Annotated[str, typer.Option(help="default (the experiments' own defaults), quick (= --quick) or seed-scale (the notebooks' workloads: defaults on 60,000 training images, tiling smaller sets).")] = "default",
    args: Annotated[list[str], typer.Option("--args", help="Extra options for one experiment, e.g. 'gradnorm: --iterations 50'.")] = [],
    dataset: DatasetOpt = "mnist",
    data_dir: DataDirOpt = Path("data"),
    download: DownloadOpt = True,
    device: DeviceOpt = "auto",
    seed: SeedOpt = 0,
    output_dir: Annotated[Path | None, typer.Option("--output-dir", "-o", help="Root folder: one subfolder per experiment plus index.html and report.md (default: outputs).")] = None,
    quick: QuickOpt = False,
    quiet: QuietOpt = False,
    force: ForceOpt = False,
    resume: ResumeOpt = False,
) -> None:
    """Run every experiment in the homework's order, then write index.html and report.md.

    One failing experiment does not stop the others; the exit code is non-zero if any failed.

    Examples:

      hw1 all --quick --dataset digits -o outputs/quick     # the whole suite in about a minute on a CPU

      hw1 all --data-dir ../shared/data --only mnist --only randlabel

      hw1 all --preset seed-scale --device cuda     # the notebooks' workloads, for timing
    """
    try:
        if preset not in PRESETS:
            raise UsageError(f"--preset must be one of {', '.join(PRESETS)}, not {preset!r}")
        quick = quick or preset == "quick"
        names = select(only, skip)
        extra = parse_experiment_args(args)
    except UsageError as error:
        print(f"Error: {error}", file=sys.stderr)
        raise typer.Exit(2) from None
    root = output_dir or Path("outputs")
    group = ctx.find_root().command
    shared = {"device": device, "seed": seed, "dataset": dataset, "data_dir": data_dir, "download": download,
              "quick": quick, "quiet": quiet, "force": force, "resume": resume, "seed_scale": preset == "seed-scale"}
    results: list[tuple[str, str, float, str]] = []
    with ProgressView(quiet=quiet) as view, _suite_running():
        suite = view.task("hw1 all", total=len(names))
        for name in names:
            previous = _previous_status(root / name) if resume else None
            if previous in ("completed", "diverged"):  # --resume: finished experiments are not run again
                results.append((name, previous, 0.0, headline(name, root / name)))
                suite.advance()
                continue
            # --resume continues an interrupted experiment and starts the ones the suite never reached.
            argv = _arguments(group.commands[name], name, root, extra.get(name, []), {**shared, "resume": previous is not None})
            started = time.perf_counter()
            code = group.main(argv, prog_name="hw1", standalone_mode=False)
            seconds = time.perf_counter() - started
            status = STATUS_BY_CODE.get(code, "failed")
            results.append((name, status, seconds, headline(name, root / name) if code in (0, 3) else ""))
            suite.advance()
            if code in (EXIT_INTERRUPTED, EXIT_TERMINATED):
                break
    html_path, _ = write_report(root)
    if not quiet:
        Console(width=None if sys.stdout.isatty() else 160).print(_table(results))
        print(f"Report: {html_path}")
    failed = [r for r in results if r[1] not in ("completed", "diverged")]
    if failed:
        print(f"Error: {len(failed)} of {len(results)} experiments did not complete: {', '.join(r[0] for r in failed)}", file=sys.stderr)
        raise typer.Exit(max((EXIT_INTERRUPTED if r[1] == "interrupted" else 1) for r in failed))
    if any(r[1] == "diverged" for r in results):
        raise typer.Exit(3)


def _previous_status(folder: Path) -> str | None:
    """The status in folder/run.json, or None where no run of it exists yet."""
    try:
        return str(json.loads((folder / "run.json").read_text(encoding="utf-8")).get("status"))
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def _suite_running() -> Iterator[None]:
    SUITE.running = True
    try:
        yield
    finally:
        SUITE.running = False


def _arguments(sub: Any, name: str, root: Path, extra: list[str], options: dict[str, Any]) -> list[str]:
    """The subcommand's argv: shared options it accepts, then the experiment's own extras (which win)."""
    accepted = {p.name for p in sub.params}
    argv = [name, "--device", options["device"], "--seed", str(options["seed"]), "-o", str(root / name)]
    if "dataset" in accepted:
        argv += ["--dataset", options["dataset"], "--data-dir", str(options["data_dir"])]
        argv += [] if options["download"] else ["--no-download"]
        argv += ["--tile", str(SEED_SCALE_IMAGES)] if options["seed_scale"] else []
    argv += [f"--{flag}" for flag in ("quick", "quiet", "force", "resume") if options[flag]]
    return argv + extra


def _table(results: list[tuple[str, str, float, str]]) -> Table:
    table = Table(title="hw1 all: summary")
    for column in ("experiment", "status", "seconds", "key number"):
        table.add_column(column, overflow="fold")
    for name, status, seconds, key in results:
        style = "green" if status == "completed" else "red"
        table.add_row(name, f"[{style}]{status}[/{style}]", f"{seconds:.1f}", key)
    return table


def report_command(
    output_dir: Annotated[Path, typer.Option("--output-dir", "-o", help="Root folder holding the experiments' run folders.")] = Path("outputs"),
) -> None:
    """Rebuild index.html and report.md from existing run folders, without training.

    Example:

      hw1 report -o outputs/quick
    """
    if not output_dir.is_dir():
        print(f"Error: {output_dir} is not a folder of hw1 runs", file=sys.stderr)
        raise typer.Exit(2)
    html_path, md_path = write_report(output_dir)
    print(f"Wrote {html_path} and {md_path}")
