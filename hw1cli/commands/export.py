"""`hw1 export`: existing run, suite and sweep folders into TensorBoard or MLflow (hw1cli/export.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hw1cli.errors import Hw1Error, UsageError, print_error

if TYPE_CHECKING:
    from hw1cli.export import ExportCount


def command(
    out: Annotated[Path, typer.Argument(metavar="OUT", show_default=False,
                                        help="A run folder, a sweep folder, or a suite's output folder (hw1 all -o OUT).")],
    to: Annotated[list[str], typer.Option("--to", metavar="TRACKER", show_default=False,
                                          help="tensorboard[:DIR] (default: each run folder's own tb/, where --log-to "
                                               "tensorboard writes too; DIR: DIR/<run folder>) or mlflow[:URI] (default "
                                               "MLFLOW_TRACKING_URI, else a SQLite store mlflow.db beside OUT when OUT "
                                               "is a run or sweep folder, inside OUT when it holds them; mlflow:DIR is "
                                               "DIR/mlflow.db); repeatable.")],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary line.")] = False,
) -> None:
    """Send finished runs to TensorBoard or MLflow: every metrics row by model and seed, the config as
    hyper-parameters, figures and tables as artifacts, the verdicts as tags. Exporting again adds nothing
    twice and finishes an export that was cut short; a sweep becomes one parent run with a child per point.
    MLflow's default store sits beside a run or sweep folder (outputs/sweep-mnist: outputs/mlflow.db) and
    inside a folder of them (outputs: outputs/mlflow.db).

    Examples:

      hw1 export outputs --to tensorboard && tensorboard --logdir outputs

      hw1 export outputs/sweep-mnist --to mlflow && mlflow ui --backend-store-uri sqlite:///outputs/mlflow.db
    """
    from hw1cli.export import export_folder
    from hw1cli.tracking import parse_log_to

    try:
        if not out.is_dir():
            raise UsageError(f"{out} is not a folder holding hw1 runs")
        specs = parse_log_to(to, "--to")
        if not specs:
            raise UsageError("--to needs tensorboard[:DIR] or mlflow[:URI]")
        counts = export_folder(out, specs)
    except Hw1Error as error:
        print_error(error)
        raise typer.Exit(error.exit_code) from None
    except Exception as error:  # the tracker's own failure (store unwritable, server down): one line
        print_error(f"export failed: {type(error).__name__}: {' '.join(str(error).split())[:300]}")
        raise typer.Exit(1) from None
    if sum(c.exported + c.already_there + c.running for c in counts.values()) == 0:
        print_error(f"no run folders in {out}")
        raise typer.Exit(2)
    if not quiet:
        for kind, count in counts.items():
            print(summary_line(kind, count, out, [s.target for s in specs if s.kind == kind]))


def summary_line(kind: str, count: ExportCount, out: Path, targets: list[str]) -> str:
    """"tensorboard: 1 run exported, 0 already there; events in ..." (where TensorBoard's events are)."""
    line = f"{kind}: {count.exported} run{'' if count.exported == 1 else 's'} exported, {count.already_there} already there"
    if count.running:
        line += f", {count.running} still running (left to the run; export again when it ends)"
    if kind != "tensorboard" or len(targets) != 1:  # two targets of one kind are counted together
        return line
    if targets[0]:
        return f"{line}; events in {targets[0]} (tensorboard --logdir {targets[0]})"
    return f"{line}; events in each run folder's tb/ (tensorboard --logdir {out})"
