"""`hw1 sweep`: one experiment over a grid of option values × seeds, on a local process pool or on Ray."""


import importlib.util
import io
import json
import os
import sys
import tempfile
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated

import typer

from hw1cli import registry, signals
from hw1cli.commands.json_output import emit, error_document, sweep_document
from hw1cli.commands.options import MAX_SEED, JsonOpt, config_toml, refuse_print_config_with_json
from hw1cli.commands.requests import command_for, parse_request
from hw1cli.configs.choices import choice
from hw1cli.errors import Hw1Error, UsageError, describe_error, print_error
from hw1cli.export import SweepExport
from hw1cli.files import atomic_write_bytes
from hw1cli.progress import ProgressView
from hw1cli.registry import Experiment
from hw1cli.runner import EXIT_DIVERGED, RunRequest
from hw1cli.signals import Terminated
from hw1cli.sweep.executor import Backend, LocalBackend, RayBackend, Task, run_tasks
from hw1cli.sweep.limits import check_folder_names, check_grid_size, check_resources
from hw1cli.sweep.ray_tasks import check_address
from hw1cli.sweep.spec import Point, parse_grid, plan_points, refuse_fixed_swept
from hw1cli.sweep.table import FIGURE_PREFIX, TAIL_COLUMNS, SweepFolder, spec_record
from hw1cli.sweep.worker import PointResult
from hw1cli.tracking import TrackerSpec, parse_log_to

SweepBackendName = choice("SweepBackend", ("local", "ray"))
# The experiment's own options follow the sweep's; cli.py registers the command with these settings.
LogToSweepOpt = Annotated[list[str], typer.Option(
    "--log-to", metavar="TRACKER", help="Also send each finished point to tensorboard[:DIR] (default: each point folder's tb/, OUT/POINT/tb) or "
    "mlflow[:URI] (default a SQLite store beside OUT): one parent run, a child per point; repeatable.")]
CONTEXT_SETTINGS = {"allow_extra_args": True, "ignore_unknown_options": True}


def make_command() -> Callable[..., None]:
    """`hw1 sweep`, with EXPERIMENT's choices read from the registry when the app is built (as every command's)."""
    ExperimentName = choice("ExperimentName", [e.name for e in registry.EXPERIMENTS if e.key_numbers is not None])

    def command(
        ctx: typer.Context,
        experiment: Annotated[ExperimentName, typer.Argument(help="The experiment to sweep.", show_default=False)],
        grid: Annotated[list[str], typer.Option("--grid", metavar="NAME=V1,V2,...", help="An option of EXPERIMENT and its values (repeat for a grid).")] = [],
        seeds: Annotated[int, typer.Option(help="Seeds per grid point: --seed, --seed+1, ...")] = 1,
        seed: Annotated[int, typer.Option(help="The first seed.")] = 0,
        # '\\[' keeps --help's rich markup from taking "[ray]" for a style tag and dropping it
        backend: Annotated[SweepBackendName, typer.Option(help="local (a process pool on this machine) or ray (pip install -e '.\\[ray]').")] = SweepBackendName("local"),
        workers: Annotated[int | None, typer.Option(help="Points at once (local: default cores / --cpus-per-run; ray: CPUs of a Ray started here).")] = None,
        address: Annotated[str | None, typer.Option(help="Ray cluster to join (e.g. HOST:6379 or auto); default: start a local Ray.")] = None,
        cpus_per_run: Annotated[float, typer.Option(help="CPU cores per point (its torch threads; Ray's num_cpus).")] = 1.0,
        gpus_per_run: Annotated[float, typer.Option(help="GPUs per point with --backend ray (fractions share a GPU, e.g. 0.25).")] = 0.0,
        output_dir: Annotated[Path | None, typer.Option("--output-dir", "-o", help="Sweep folder (default: outputs/sweep-EXPERIMENT).")] = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or closing line.")] = False,
        force: Annotated[bool, typer.Option("--force", help="Start over in a folder holding a sweep or other files.")] = False,
        resume: Annotated[bool, typer.Option("--resume", help="Run only the points an interrupted sweep did not finish.")] = False,
        debug: Annotated[bool, typer.Option("--debug", help="Show the full traceback on errors.")] = False,
        json: JsonOpt = False,
        log_to: LogToSweepOpt = [],
    ) -> None:
        """Run EXPERIMENT for every combination of --grid values and every seed; each point is an ordinary run.

        Options after EXPERIMENT that the sweep does not know go to the experiment (after `--`, all do:
        `hw1 sweep simulate --grid depth=1,4 -- --seeds 3` gives simulate its own --seeds). Each point is
        written to OUT/<point>/ exactly as `hw1 EXPERIMENT ... -o OUT/<point>` writes it; OUT/sweep.csv has one
        row per point (swept values, seed, key final numbers, status, seconds, host), OUT/sweep.json the spec,
        backend and versions, and OUT/sweep_vs_<option>.png the key numbers (mean ± s.e. over seeds).

        Examples:

          hw1 sweep mnist --grid lr=0.1,0.01 --grid batch-size=32,128 --seeds 3 --dataset digits --quick

          hw1 sweep params --grid depth=1,2 --seeds 2 --workers 2 -o outputs/depth --dataset digits --quick

          hw1 sweep mnist --grid lr=0.1,0.03,0.01 --seeds 5 --backend ray --address HEAD:6379 --gpus-per-run 0.25
        """
        experiment = experiment.value
        options = list(ctx.args)
        root = output_dir or Path("outputs") / f"sweep-{experiment}"
        folder: SweepFolder | None = None
        try:
            refuse_print_config_with_json("--print-config" in options, json)
            chosen = _choose_backend(backend.value, workers, address, cpus_per_run, gpus_per_run)
            if registry.find(experiment) is None or registry.get(experiment).key_numbers is None:
                raise UsageError(f"unknown experiment {experiment!r}; choose from {', '.join(registry.names())}")
            if seeds < 1 or seed < 0 or seed + seeds > MAX_SEED:
                raise UsageError(f"--seeds must be at least 1 and --seed..--seed+seeds-1 within 0..{MAX_SEED - 1}")
            record = registry.get(experiment)
            sub = command_for(record)
            axes = parse_grid(grid, sub)
            refuse_fixed_swept(options, axes, sub)
            check_grid_size(axes, seeds)  # from the counts: a huge grid is refused before it is planned
            seed_list = list(range(seed, seed + seeds))
            points = plan_points(experiment, axes, options, seed_list)
            check_folder_names(root, points)
            # the folder is checked (and locked, if it exists) before the points, which take a while for a big grid
            folder = SweepFolder(root, spec_record(experiment, axes, seed_list, options), points, keys=record.key_numbers,
                                 force=force, resume=resume)
            requests = point_requests(record, points)
            trackers = parse_log_to(log_to)
            if "--print-config" in options:  # each point's resolved config; nothing runs, nothing is written
                folder.release()
                _print_configs(experiment, requests)
                return
            folder.claim()  # made if need be, and locked for the whole sweep
        except Hw1Error as error:  # a usage error (2), or the folder cannot be made (1)
            if folder is not None:
                folder.release()  # a bad point after the folder was checked: free it at once
            print_error(error)
            if json:
                emit(error_document("sweep", root, error.exit_code, str(error)))
            raise typer.Exit(error.exit_code) from None
        try:
            code = _run(folder, requests, chosen, quiet or json, debug, trackers)
        finally:
            folder.release()
        if json:
            emit(sweep_document(folder.root, experiment, [folder.rows[i] for i in sorted(folder.rows)], code))
        if code:
            raise typer.Exit(code)

    return command


def _choose_backend(name: str, workers: int | None, address: str | None, cpus: float, gpus: float) -> Backend:
    if name not in ("local", "ray"):
        raise UsageError(f"--backend must be local or ray, not {name!r}")
    check_resources(name, workers, address, cpus, gpus)
    if name == "local":
        if address is not None or gpus:
            raise UsageError("--address and --gpus-per-run need --backend ray (local points use --device)")
        threads = max(1, int(cpus))
        return LocalBackend(workers or max(1, (os.cpu_count() or 1) // threads), threads)
    if importlib.util.find_spec("ray") is None:  # not imported here: a local Ray is set up before its import
        raise UsageError("--backend ray needs Ray: pip install -e '.[ray]'")
    check_address(address)  # nothing listening there: said in seconds, before anything is written
    return RayBackend(address, cpus, gpus, workers)


def _print_configs(experiment: str, requests: dict[str, RunRequest]) -> None:
    """`hw1 sweep ... --print-config`: one TOML table per point (its folder's name), each a --config file."""
    print(f"# hw1 sweep {experiment}: each point's resolved config, by its folder's name")
    for name, request in requests.items():
        print(f"\n[{json.dumps(name)}]\n" + config_toml(request.config), end="")


def point_requests(record: Experiment, points: Sequence[Point]) -> dict[str, RunRequest]:
    """Every point's checked request, {point name: request}, parsed by the experiment's own command; the
    first and last seed of each combination also get `hw1 all`'s checks (folder, device). Nothing is written
    and nothing trains. Raises UsageError naming the first bad point. A worker gives each request its folder."""
    nowhere = Path(tempfile.gettempdir()) / f"hw1-sweep-check-{uuid.uuid4().hex}"  # checked, never made
    seeds = {min(p.seed for p in points), max(p.seed for p in points)} if points else set()
    requests: dict[str, RunRequest] = {}
    for point in points:
        try:
            requests[point.name] = parse_request(record, [*point.argv[1:], "-o", str(nowhere)],
                                                 check=point.seed in seeds)
        except Hw1Error as error:
            where = ", ".join(f"{n}={v}" for n, v in point.values)
            which = f"sweep point {where} (seed {point.seed})" if where else "every sweep point"
            raise UsageError(f"{which}: {describe_error(error)}") from None
    return requests


def _run(folder: SweepFolder, requests: dict[str, RunRequest], backend: Backend, quiet: bool, debug: bool,
         trackers: tuple[TrackerSpec, ...] = ()) -> int:
    """Run the unfinished points; record each as it ends; figures at the end. Returns the exit code.
    INT, TERM and HUP stop it the one way (signals.py): workers stopped, sweep.json "interrupted", 130/143/129."""
    todo = [p for p in folder.points if p.index not in folder.finished]
    by_name = {p.name: p for p in todo}
    # run.json's argv says how to rerun the point alone, in its folder of the sweep
    tasks = [Task(p.name, requests[p.name], (*p.argv, "-o", str(folder.root / p.name))) for p in todo]
    previous = signals.install()
    status, code = "completed", 0
    exporter = SweepExport(folder.root, trackers)  # --log-to: each point into the trackers as it ends
    try:
        folder.start({"name": type(backend).__name__.removesuffix("Backend").lower(), **vars(backend)})
        with ProgressView(quiet=quiet) as view:
            bar = view.task(f"hw1 sweep {folder.spec['experiment']}", total=len(folder.points))
            bar.advance(len(folder.finished))
            ended: list[str] = []

            def record(task: Task, result: PointResult) -> None:
                folder.add(by_name[task.key], result)
                exporter.update()
                bar.advance()
                ended.append(task.key)
                if view.progress is None:  # a pipe or a CI log: a line per point, not silence until the end
                    view.say(f"hw1 sweep {folder.spec['experiment']}: point {task.key} {result.status} "
                             f"({len(folder.finished) + len(ended)}/{len(folder.points)}) {result.seconds:.1f} s")
                if result.status in ("failed", "interrupted"):
                    print_error(result.error or result.status, where=f"point {task.key}")

            run_tasks(tasks, backend, record)
    except (KeyboardInterrupt, Terminated) as stop:
        status, code = "interrupted", signals.stop_code(stop)
    except Exception as error:  # e.g. the Ray cluster went away: one line, the traceback with --debug
        print_error(error, where="sweep stopped", debug=debug)
        status, code = "failed", error.exit_code if isinstance(error, Hw1Error) else 1
    finally:
        signals.defer()  # the record of the sweep's end is not cut short by a second signal
    counts = folder.finish(status)
    write_figures(folder)
    exporter.update()
    if status == "interrupted":
        print(f"Interrupted: finished points are in {folder.root}; continue with --resume", file=sys.stderr)
        return signals.restore(previous, code)
    code = signals.restore(previous, code)
    failed = sum(n for s, n in counts.items() if s not in ("completed", "diverged"))
    if not quiet and counts:
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        print(f"hw1 sweep: {summary}; table {folder.root / 'sweep.csv'}")
    if code or failed:
        return code or 1
    return EXIT_DIVERGED if counts.get("diverged") else 0


def write_figures(folder: SweepFolder) -> None:
    """sweep_vs_<option>.png for every swept option, from the finished points' rows."""
    rows = [r for r in folder.rows.values() if r.get("status") in ("completed", "diverged")]
    grid = folder.spec["grid"]
    if not rows or not grid:
        return
    from hw1cli.sweep.figures import versus_option

    keys = [k for k in rows[0] if k not in ("point", *grid, "seed", *TAIL_COLUMNS)]
    for row in rows[1:]:
        keys += [k for k in row if k not in keys and k not in ("point", *grid, "seed", *TAIL_COLUMNS)]
    for option in grid:
        figure = versus_option(folder.spec["experiment"], rows, grid, option, keys)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
        import matplotlib.pyplot as plt

        plt.close(figure)
        atomic_write_bytes(folder.root / f"{FIGURE_PREFIX}{option}.png", buffer.getvalue())
